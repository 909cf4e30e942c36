// The simulator's Node entry: `node simulator/server.ts` (or `npm run simulator`) serves it on
// loopback for `npm start` and demos. `startSimulatorServer` lets scripts/start.ts run it
// in-process. The project has no @types/node, so the few Node globals used are typed locally.

import { serve } from "@hono/node-server";
import { type Credentials, createSesSimulator, type SesSimulator } from "./app.ts";

export interface SimulatorServerOptions {
	/** 0 picks a free port. */
	port: number;
	credentials?: Credentials;
	region?: string;
}

export interface SimulatorServer {
	/** e.g. `http://127.0.0.1:8788`; use it as the Worker's SES_ENDPOINT. */
	url: string;
	simulator: SesSimulator;
	close(): Promise<void>;
}

const HOSTNAME = "127.0.0.1";
// A page on the internet can point its own DNS name at 127.0.0.1 and read the inbox from the
// browser ("DNS rebinding"); refusing every Host but loopback names stops that.
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Serves a new simulator on 127.0.0.1 and resolves once it is listening. */
export function startSimulatorServer(options: SimulatorServerOptions): Promise<SimulatorServer> {
	const simulator = createSesSimulator({
		credentials: options.credentials,
		region: options.region,
	});
	const fetch = (request: Request): Promise<Response> | Response =>
		LOOPBACK_HOSTS.has(new URL(request.url).hostname)
			? simulator.fetch(request)
			: new Response("The SES simulator answers only on loopback host names.\n", { status: 403 });

	return new Promise((resolve, reject) => {
		const server: NodeHttpServer = serve(
			{ fetch, port: options.port, hostname: HOSTNAME },
			(info: { port: number }) => {
				resolve({
					url: `http://${HOSTNAME}:${info.port}`,
					simulator,
					close: () =>
						new Promise<void>((done, fail) =>
							server.close((error) => (error ? fail(error) : done())),
						),
				});
			},
		);
		server.once("error", reject);
	});
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

	const server = await startSimulatorServer({ port, credentials, region: env.SIMULATOR_REGION });
	console.log(`SES simulator listening on ${server.url} (inbox: ${server.url}/)`);
	console.log(
		`Domains and DNS: ${server.url}/domains; DNS-over-HTTPS (DNS_RESOLVER_URL): ${server.url}/dns-query`,
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
