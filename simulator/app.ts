// The SES simulator: one Hono app standing in for Amazon SES in tests (imported in-process, inside
// workerd) and in local development (served by server.ts). Web-standard APIs only, so it runs in
// both. Each concern mounts its own routes here; later: SES identities, DNS-over-HTTPS and
// signed SNS callbacks.

import { Hono } from "hono";
import { AwsError, awsErrorResponse } from "./aws-error.ts";
import { type FaultInput, type FaultRule, parseFault } from "./faults.ts";
import { createFaultRoutes } from "./routes/faults.ts";
import { createInboxRoutes } from "./routes/inbox.ts";
import { createSendEmailRoutes } from "./routes/send-email.ts";
import { type Credentials, requireSigV4 } from "./sigv4.ts";
import { createStore, type SimulatorStore } from "./store.ts";

export type { FaultInput, FaultRule } from "./faults.ts";
export type { Credentials } from "./sigv4.ts";
export type { NameValue, SentMessage, SimulatorStore } from "./store.ts";

export interface SesSimulatorOptions {
	/** When set, requests must be signed with this key pair; otherwise any key is accepted. */
	credentials?: Credentials;
	/** The region requests must be scoped to; default us-east-1. */
	region?: string;
	/** The simulator's clock (message times, ids, signature expiry); default the real clock. */
	now?: () => Date;
	/** Messages kept before the oldest are dropped; default 10,000. */
	maxMessages?: number;
}

export interface SesSimulator {
	fetch(request: Request): Promise<Response>;
	store: SimulatorStore;
	/** The next `times` (default 1) matching SendEmail calls fail with this error. */
	addFault(fault: FaultInput): FaultRule;
	region: string;
}

export function createSesSimulator(options: SesSimulatorOptions = {}): SesSimulator {
	const region = options.region ?? "us-east-1";
	const now = options.now ?? (() => new Date());
	const store = createStore({ maxMessages: options.maxMessages });

	const app = new Hono();
	app.use("/v2/*", requireSigV4({ region, service: "ses", credentials: options.credentials, now }));
	app.route("/", createSendEmailRoutes({ store, now }));
	app.route("/", createFaultRoutes(store));
	app.route("/", createInboxRoutes(store));

	app.notFound((c) => {
		if (c.req.path.startsWith("/v2/")) {
			return awsErrorResponse(
				"UnknownOperationException",
				404,
				`The SES simulator does not implement ${c.req.method} ${c.req.path}.`,
			);
		}
		return c.text("Not found", 404);
	});

	app.onError((error) => {
		if (error instanceof AwsError) return awsErrorResponse(error.code, error.status, error.message);
		console.error("SES simulator: unexpected error", error);
		return awsErrorResponse("InternalFailure", 500, "The SES simulator failed unexpectedly.");
	});

	return {
		fetch: async (request) => app.fetch(request),
		store,
		addFault(fault) {
			const rule = parseFault(fault);
			store.addFault(rule);
			return rule;
		},
		region,
	};
}
