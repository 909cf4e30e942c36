// The simulator's Node entry: `node simulator/server.ts` (or `npm run simulator`) serves it on
// loopback for `npm start` and demos. `startSimulatorServer` lets scripts/start.ts run it
// in-process. The project has no @types/node, so the few Node globals used are typed locally.
//
// With `snsEndpoint` (the Worker's `/hooks/sns`), the simulator posts its SES events there as
// signed SNS messages. The Worker usually starts after the simulator, so the server first posts
// a SubscriptionConfirmation, retrying while the endpoint cannot be reached, and holds the
// notifications until that has succeeded or been given up.
//
// With `stripe.webhookEndpoint` (the Worker's `/hooks/stripe`), the Stripe stand-in posts there
// the events of its Checkout and portal pages' buttons; they only happen when someone presses one.

import { serve } from "@hono/node-server";
import {
	type Credentials,
	createSesSimulator,
	DEMO_AWS_ACCOUNT,
	type SentNotification,
	type SesSimulator,
	type SesSimulatorOptions,
} from "./app.ts";

export interface SimulatorServerOptions {
	/** 0 picks a free port. */
	port: number;
	credentials?: Credentials;
	region?: string;
	/** Where SNS notifications are posted, e.g. `http://127.0.0.1:8787/hooks/sns`. */
	snsEndpoint?: string;
	/** Pauses between subscription attempts; default about a minute's worth. */
	subscribeRetryDelaysMs?: readonly number[];
	/** The Stripe stand-in's secrets, prices and where it posts its events (`/hooks/stripe`). */
	stripe?: SesSimulatorOptions["stripe"];
}

export interface SimulatorServer {
	/** e.g. `http://127.0.0.1:8788`; use it as the Worker's SES_ENDPOINT. */
	url: string;
	simulator: SesSimulator;
	/**
	 * The SubscriptionConfirmation once posted (its `outcome` says whether the endpoint took it);
	 * null without an SNS endpoint.
	 */
	subscribed: Promise<SentNotification | null>;
	close(): Promise<void>;
}

// 250 ms, doubling to 4 s, then every 4 s: about a minute, as long as scripts/local-stack.ts
// waits for wrangler.
const SUBSCRIBE_RETRY_DELAYS_MS = [250, 500, 1_000, 2_000, ...Array<number>(14).fill(4_000)];

const HOSTNAME = "127.0.0.1";
/**
 * Notifications posted to the Worker at once: SNS posts in parallel, so `/hooks/sns` sees them
 * together as in production (src/domain/recorded-together.ts records them together).
 */
const SNS_CONCURRENCY = 16;
// A page on the internet can point its own DNS name at 127.0.0.1 and read the inbox from the
// browser ("DNS rebinding"); refusing every Host but loopback names stops that.
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Serves a new simulator on 127.0.0.1 and resolves once it is listening. */
export function startSimulatorServer(options: SimulatorServerOptions): Promise<SimulatorServer> {
	// Made once the port is known: the SNS certificate and SubscribeURL are built on the URL.
	let simulator: SesSimulator | undefined;
	const fetch = (request: Request): Promise<Response> | Response => {
		if (!LOOPBACK_HOSTS.has(new URL(request.url).hostname)) {
			return new Response("The SES simulator answers only on loopback host names.\n", {
				status: 403,
			});
		}
		if (simulator === undefined) return new Response("Starting.\n", { status: 503 });
		return simulator.fetch(request);
	};

	return new Promise((resolve, reject) => {
		const server: NodeHttpServer = serve(
			{ fetch, port: options.port, hostname: HOSTNAME },
			(info: { port: number }) => {
				const url = `http://${HOSTNAME}:${info.port}`;
				const endpoint = options.snsEndpoint;
				const sim = createSesSimulator({
					credentials: options.credentials,
					region: options.region,
					publicUrl: url,
					sns:
						endpoint === undefined
							? {}
							: { endpoint, autoDeliver: true, paused: true, concurrency: SNS_CONCURRENCY },
					stripe: options.stripe,
				});
				// A customer account in production for BYOC demos, with the fixed key printed below.
				sim.aws.createAccount({ ...DEMO_AWS_ACCOUNT, sandbox: false });
				simulator = sim;
				const subscribed =
					endpoint === undefined
						? Promise.resolve(null)
						: subscribe(sim, options.subscribeRetryDelaysMs ?? SUBSCRIBE_RETRY_DELAYS_MS);
				resolve({
					url,
					simulator: sim,
					subscribed,
					close: () => {
						sim.sns.stop();
						return new Promise<void>((done, fail) =>
							server.close((error) => (error ? fail(error) : done())),
						);
					},
				});
			},
		);
		server.once("error", reject);
	});
}

/** Subscribes (retrying while the Worker starts), then lets the held notifications go. */
async function subscribe(
	sim: SesSimulator,
	retryDelaysMs: readonly number[],
): Promise<SentNotification | null> {
	try {
		const confirmation = await sim.sns.subscribe({ retryDelaysMs });
		if (confirmation.outcome !== "delivered") {
			const last = confirmation.attempts.at(-1);
			console.error(
				`SES simulator: ${sim.sns.endpoint} did not take the SNS SubscriptionConfirmation after ${confirmation.attempts.length} attempts (last: ${last?.status ?? last?.answer ?? "none"}); posting events anyway.`,
			);
		}
		return confirmation;
	} catch (error) {
		console.error("SES simulator: could not post the SNS SubscriptionConfirmation", error);
		return null;
	} finally {
		sim.sns.resume();
	}
}

/** The part of Node's http.Server used here. */
interface NodeHttpServer {
	close(callback: (error?: Error) => void): void;
	once(event: "error", listener: (error: Error) => void): void;
}

interface NodeProcess {
	env: Record<string, string | undefined>;
	exitCode?: number;
	once(signal: "SIGINT" | "SIGTERM", listener: () => void): void;
	exit(code: number): never;
}

async function main(): Promise<void> {
	const process = (globalThis as unknown as { process: NodeProcess }).process;
	const { env } = process;
	const port = Number(env.SIMULATOR_PORT ?? "8788");
	if (!Number.isInteger(port) || port < 0 || port > 65_535) {
		console.error(`SIMULATOR_PORT must be a port number, not ${env.SIMULATOR_PORT}.`);
		process.exit(1);
	}
	const accessKeyId = env.SIMULATOR_AWS_ACCESS_KEY_ID;
	const secretAccessKey = env.SIMULATOR_AWS_SECRET_ACCESS_KEY;
	if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
		console.error(
			"Set both SIMULATOR_AWS_ACCESS_KEY_ID and SIMULATOR_AWS_SECRET_ACCESS_KEY, or neither.",
		);
		process.exit(1);
	}
	const credentials =
		accessKeyId !== undefined && secretAccessKey !== undefined
			? { accessKeyId, secretAccessKey }
			: undefined;

	const snsEndpoint = env.SIMULATOR_SNS_ENDPOINT || undefined;
	const stripeEndpoint = env.SIMULATOR_STRIPE_WEBHOOK_ENDPOINT || undefined;
	const server = await startSimulatorServer({
		port,
		credentials,
		region: env.SIMULATOR_REGION,
		snsEndpoint,
		stripe: { webhookEndpoint: stripeEndpoint },
	});
	const { sns } = server.simulator;
	console.log(`SES simulator listening on ${server.url} (inbox: ${server.url}/)`);
	console.log(
		`Domains and DNS: ${server.url}/domains; DNS-over-HTTPS (DNS_RESOLVER_URL): ${server.url}/dns-query`,
	);
	console.log(
		`Webhook receiver: POST ${server.url}/webhooks/receive/<name>, deliveries at ${server.url}/webhooks`,
	);
	console.log(
		snsEndpoint
			? `SNS: posting SES events to ${snsEndpoint}. Worker: SNS_TOPIC_ARNS=${sns.topicArn} SNS_LOCAL_CERT_URL_PREFIX=${server.url}/sns/`
			: "SNS: no SIMULATOR_SNS_ENDPOINT, so SES events are recorded, not posted.",
	);
	const { stripe } = server.simulator;
	console.log(
		`Stripe: STRIPE_API_URL=${server.url} STRIPE_SECRET_KEY=${stripe.secretKey} STRIPE_WEBHOOK_SECRET=${stripe.webhookSecret} STRIPE_PRICE_GROWTH/PRO=${stripe.prices.map((p) => p.id).join("/")}; ${stripeEndpoint ? `events to ${stripeEndpoint}` : "no SIMULATOR_STRIPE_WEBHOOK_ENDPOINT, so events are recorded, not posted"}.`,
	);
	console.log(
		`BYOC demo AWS account ${DEMO_AWS_ACCOUNT.accountId} (production access): access key ${DEMO_AWS_ACCOUNT.accessKeyId}, secret ${DEMO_AWS_ACCOUNT.secretAccessKey}; STS at ${server.url}/sts, accounts at ${server.url}/aws`,
	);
	console.log(
		credentials
			? `Verifying SigV4 signatures for access key ${credentials.accessKeyId}.`
			: "Accepting any access key (set SIMULATOR_AWS_ACCESS_KEY_ID/SECRET_ACCESS_KEY to verify).",
	);

	let stopping = false;
	const stop = () => {
		if (stopping) return;
		stopping = true;
		server.close().then(
			() => process.exit(0),
			(error: unknown) => {
				console.error("SES simulator: error while closing", error);
				process.exit(1);
			},
		);
	};
	process.once("SIGINT", stop);
	process.once("SIGTERM", stop);
}

// Node 22.18+ sets import.meta.main for the entry module; the project pins Node 22.
if ((import.meta as ImportMeta & { main?: boolean }).main) {
	main().catch((error: unknown) => {
		console.error("SES simulator failed to start:", error);
		(globalThis as unknown as { process: NodeProcess }).process.exit(1);
	});
}
