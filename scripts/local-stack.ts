/**
 * The local stack shared by `npm start` and `npm run bench`: applies the D1 migrations to
 * wrangler's local state, seeds the demo account (scripts/demo-account.ts), starts the SES
 * simulator and `wrangler dev` on loopback, and waits until the Worker answers. No AWS, Stripe
 * or Cloudflare account needed. With `demoWebhook`, it then gives the demo account a webhook
 * endpoint pointed at the simulator's receiver (`connectDemoWebhook`, scripts/demo-webhook.ts).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import {
	LOCAL_STRIPE_PRICE_GROWTH,
	LOCAL_STRIPE_PRICE_PRO,
	LOCAL_STRIPE_SECRET_KEY,
	LOCAL_STRIPE_WEBHOOK_SECRET,
	type SesSimulator,
} from "../simulator/app.ts";
import { startSimulatorServer } from "../simulator/server.ts";
import { DEMO, demoApiKey, seedSql } from "./demo-account.ts";
import { connectDemoWebhook, type DemoWebhook } from "./demo-webhook.ts";

export const LOCAL_CREDENTIALS = {
	accessKeyId: "AKIDSENDFLEETLOCAL",
	secretAccessKey: "sendfleet-local-secret",
};

export interface LocalStackOptions {
	/**
	 * The Worker's entry module, for `wrangler dev <entry>` with the same wrangler.toml (the
	 * positional script overrides its `main`); default that `main`, src/index.ts. The benchmark
	 * passes bench/worker.ts, the product Worker with usage counters.
	 */
	entry?: string;
	port?: number;
	simulatorPort?: number;
	/** Extra `--var NAME:value` settings for wrangler dev. */
	vars?: Record<string, string>;
	/** A separate wrangler state folder (the benchmark uses its own). */
	persistTo?: string;
	quiet?: boolean;
	/**
	 * wrangler's local trace store (its dev-only collector of every invocation's spans), on
	 * unless false. It runs on the Worker's own thread and took about a millisecond and a half
	 * of it per request, so the benchmark turns it off (docs/scaling.md).
	 */
	localTraces?: boolean;
	/**
	 * Once the Worker answers, give the demo account a webhook endpoint (every `email.*` event)
	 * pointed at the simulator's receiver `demo`, and give that receiver its signing secret.
	 */
	demoWebhook?: boolean;
}

export interface LocalStack {
	apiUrl: string;
	simulatorUrl: string;
	apiKey: string;
	/** The in-process simulator (the benchmark counts delivered messages in its store). */
	simulator: SesSimulator;
	/** What `demoWebhook` did; null without it. */
	demoWebhook: DemoWebhook | null;
	stop(): Promise<void>;
}

function wrangler(args: string[], persistTo: string | undefined) {
	const full = persistTo ? [...args, "--persist-to", persistTo] : args;
	const result = spawnSync("wrangler", full, {
		stdio: ["ignore", "pipe", "pipe"],
		encoding: "utf8",
	});
	if (result.status !== 0) {
		throw new Error(`wrangler ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
	}
}

/**
 * A Worker key ring for secrets at rest (WEBHOOK_SECRET_KEY, BYOC_SECRET_KEY: AES-256-GCM), kept
 * beside the demo key: a new key on each restart could not open the secrets already stored.
 */
function localSecretKey(stateDir: string, name: "webhook" | "byoc"): string {
	const file = `${stateDir}/sendfleet-${name}-secret-key`;
	if (existsSync(file)) return readFileSync(file, "utf8").trim();
	mkdirSync(stateDir, { recursive: true });
	const key = randomBytes(32).toString("base64");
	writeFileSync(file, `${key}\n`, { mode: 0o600 });
	return key;
}

/** A loopback port nothing listens on now (the OS picks it), so two stacks can run side by side. */
function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			server.close(() =>
				typeof address === "object" && address
					? resolve(address.port)
					: reject(new Error("no port")),
			);
		});
	});
}

async function waitForWorker(
	url: string,
	child: ChildProcess,
	stderrTail: () => string,
	timeoutMs = 60_000,
) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) {
			throw new Error(`wrangler dev exited with code ${child.exitCode}\n${stderrTail()}`);
		}
		try {
			const res = await fetch(url);
			if (res.ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 250));
	}
	throw new Error(`the Worker did not answer at ${url} within ${timeoutMs / 1000}s`);
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
	const port = options.port ?? 8787;
	const simulatorPort = options.simulatorPort ?? 8788;
	const stateDir = options.persistTo ?? ".wrangler/state";
	const log = options.quiet ? () => {} : (line: string) => console.log(line);

	log("Applying D1 migrations to the local database…");
	wrangler(["d1", "migrations", "apply", "DB", "--local"], options.persistTo);
	const apiKey = demoApiKey(stateDir);
	const seedFile = `${stateDir}/seed.sql`;
	writeFileSync(seedFile, seedSql(apiKey));
	wrangler(["d1", "execute", "DB", "--local", `--file=${seedFile}`], options.persistTo);

	const apiUrl = `http://127.0.0.1:${port}`;
	// The simulator posts SES's events to the Worker once it answers (it retries meanwhile).
	const simulator = await startSimulatorServer({
		port: simulatorPort,
		credentials: LOCAL_CREDENTIALS,
		snsEndpoint: `${apiUrl}/hooks/sns`,
		// Its Stripe stand-in posts the events of its Checkout and portal pages here.
		stripe: { webhookEndpoint: `${apiUrl}/hooks/stripe` },
	});
	log(`SES simulator listening on ${simulator.url}`);

	const vars: Record<string, string> = {
		SES_ENDPOINT: simulator.url,
		DNS_RESOLVER_URL: `${simulator.url}/dns-query`,
		AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
		AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
		SNS_TOPIC_ARNS: simulator.simulator.sns.topicArn,
		// Local development only: trust the simulator's signing certificate (never in production).
		SNS_LOCAL_CERT_URL_PREFIX: `${simulator.url}/sns/`,
		STAFF_EMAILS: DEMO.staffEmail,
		PLATFORM_ACCOUNT_ID: DEMO.platformAccountId,
		PLATFORM_FROM: `SendFleet <no-reply@${DEMO.platformDomain}>`,
		DASHBOARD_URL: apiUrl,
		WEBHOOK_SECRET_KEY: localSecretKey(stateDir, "webhook"),
		// BYOC: the simulator answers STS AssumeRole and stands for customers' AWS accounts.
		SENDFLEET_AWS_ACCOUNT_ID: simulator.simulator.aws.platformAccountId,
		STS_ENDPOINT: `${simulator.url}/sts`,
		BYOC_SECRET_KEY: localSecretKey(stateDir, "byoc"),
		// Local development only: webhook endpoints may be the simulator's receiver on loopback
		// http (production allows only https to public hosts).
		WEBHOOK_ALLOW_LOCAL_URL_PREFIX: `${simulator.url}/`,
		// Local development only: attachments' `path` may be the simulator's file host.
		ATTACHMENT_ALLOW_LOCAL_URL_PREFIX: `${simulator.url}/files/`,
		// Local development only: billing talks to the simulator's Stripe stand-in with its own
		// test secrets. The SDK takes only an origin (its API is at `<simulator>/v1`).
		STRIPE_API_URL: simulator.url,
		STRIPE_SECRET_KEY: LOCAL_STRIPE_SECRET_KEY,
		STRIPE_WEBHOOK_SECRET: LOCAL_STRIPE_WEBHOOK_SECRET,
		STRIPE_PRICE_GROWTH: LOCAL_STRIPE_PRICE_GROWTH,
		STRIPE_PRICE_PRO: LOCAL_STRIPE_PRICE_PRO,
		...options.vars,
	};
	const args = [
		"dev",
		...(options.entry ? [options.entry] : []),
		"--ip",
		"127.0.0.1",
		"--port",
		String(port),
		// wrangler's devtools port is 9229 unless told otherwise: a second stack would collide.
		"--inspector-port",
		process.env.INSPECTOR_PORT ?? String(await freePort()),
		"--test-scheduled",
		"--show-interactive-dev-session=false",
		...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
		...(options.persistTo ? ["--persist-to", options.persistTo] : []),
	];
	const child = spawn("wrangler", args, {
		stdio: options.quiet ? ["ignore", "ignore", "pipe"] : ["ignore", "inherit", "inherit"],
		env: {
			...process.env,
			WRANGLER_SEND_METRICS: "false",
			...(options.localTraces === false ? { X_LOCAL_OBSERVABILITY: "false" } : {}),
		},
	});
	// Quiet mode pipes stderr: drain it (a full pipe would stall wrangler) and keep the tail for
	// the error message if wrangler fails to start.
	let stderr = "";
	child.stderr?.on("data", (chunk: Buffer) => {
		stderr = (stderr + chunk.toString()).slice(-4000);
	});
	const stop = async () => {
		// A child killed by a signal (Ctrl-C reaches the whole process group) has exited too.
		if (child.exitCode === null && child.signalCode === null) {
			child.kill("SIGTERM");
			await new Promise((r) => child.once("exit", r));
		}
		await simulator.close();
	};
	try {
		await waitForWorker(apiUrl, child, () => stderr);
	} catch (error) {
		await stop();
		throw error;
	}
	let demoWebhook: DemoWebhook | null = null;
	if (options.demoWebhook) {
		demoWebhook = await connectDemoWebhook(apiUrl, apiKey, simulator).catch(
			(error: unknown): DemoWebhook => ({ kind: "skipped", why: String(error) }),
		);
		log(
			demoWebhook.kind === "connected"
				? `Demo webhook ${demoWebhook.id} (${demoWebhook.created ? "created" : "reused"}, ${demoWebhook.status}) delivers to ${demoWebhook.receiverUrl}`
				: `Demo webhook skipped: ${demoWebhook.why}`,
		);
	}
	return {
		apiUrl,
		simulatorUrl: simulator.url,
		apiKey,
		simulator: simulator.simulator,
		demoWebhook,
		stop,
	};
}
