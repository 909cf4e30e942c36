/**
 * The local stack shared by `npm start` and `npm run bench`: applies the D1 migrations to
 * wrangler's local state, seeds the demo account, starts the SES simulator and `wrangler dev`
 * on loopback, and waits until the Worker answers. No AWS, Stripe or Cloudflare account needed.
 * With `demoWebhook`, it then gives the demo account a webhook endpoint pointed at the
 * simulator's receiver (`connectDemoWebhook`).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import {
	LOCAL_STRIPE_PRICE_GROWTH,
	LOCAL_STRIPE_PRICE_PRO,
	LOCAL_STRIPE_SECRET_KEY,
	LOCAL_STRIPE_WEBHOOK_SECRET,
	type SesSimulator,
} from "../simulator/app.ts";
import { type SimulatorServer, startSimulatorServer } from "../simulator/server.ts";
import { WEBHOOK_EVENT_TYPES } from "../src/domain/webhooks.ts";

export const LOCAL_CREDENTIALS = {
	accessKeyId: "AKIDSENDFLEETLOCAL",
	secretAccessKey: "sendfleet-local-secret",
};

export const DEMO = {
	accountId: "00000000-0000-7000-8000-000000000001",
	domainId: "00000000-0000-7000-8000-000000000002",
	apiKeyId: "00000000-0000-7000-8000-000000000003",
	domain: "acme.test",
	/** SendFleet's own account, which sends verification outcomes and suspension notices. */
	platformAccountId: "00000000-0000-7000-8000-0000000000f1",
	platformDomainId: "00000000-0000-7000-8000-0000000000f2",
	platformDomain: "sendfleet.test",
	/** Signing up with this email makes a staff user (STAFF_EMAILS). */
	staffEmail: "staff@sendfleet.test",
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

/** The simulator receiver the demo account's webhook endpoint points at. */
export const DEMO_RECEIVER = "demo";

export type DemoWebhook =
	| { kind: "connected"; id: string; created: boolean; status: string; receiverUrl: string }
	| { kind: "skipped"; why: string };

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

/** The demo API key lives in a git-ignored file so every restart prints the same key. */
function demoApiKey(stateDir: string): string {
	const file = `${stateDir}/sendfleet-demo-key`;
	if (existsSync(file)) return readFileSync(file, "utf8").trim();
	mkdirSync(stateDir, { recursive: true });
	const token = `sf_${randomBytes(32).toString("base64url")}`;
	writeFileSync(file, `${token}\n`, { mode: 0o600 });
	return token;
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

/** Idempotent: the demo account (approved, Pro), its verified domain and its key. */
function seedSql(apiKey: string): string {
	const now = Date.now();
	const hash = createHash("sha256").update(apiKey).digest("hex");
	return `
INSERT INTO accounts (id, name, plan, verification_status, subscription_status, created_at)
  VALUES ('${DEMO.accountId}', 'Demo account', 'pro', 'approved', 'active', ${now})
  ON CONFLICT(id) DO UPDATE SET plan = 'pro', verification_status = 'approved', subscription_status = 'active';
INSERT OR IGNORE INTO domains (id, account_id, name, region, ownership_status, dkim_status,
  spf_status, mail_from_status, dmarc_status, created_at)
  VALUES ('${DEMO.domainId}', '${DEMO.accountId}', '${DEMO.domain}', 'us-east-1', 'verified',
  'verified', 'verified', 'pending', 'verified', ${now});
INSERT INTO accounts (id, name, plan, verification_status, subscription_status, created_at)
  VALUES ('${DEMO.platformAccountId}', 'SendFleet', 'pro', 'approved', 'active', ${now})
  ON CONFLICT(id) DO NOTHING;
INSERT OR IGNORE INTO domains (id, account_id, name, region, ownership_status, dkim_status,
  spf_status, mail_from_status, dmarc_status, created_at)
  VALUES ('${DEMO.platformDomainId}', '${DEMO.platformAccountId}', '${DEMO.platformDomain}', 'us-east-1',
  'verified', 'verified', 'verified', 'verified', 'verified', ${now});
INSERT INTO api_keys (id, account_id, name, token_hash, permission, created_at)
  VALUES ('${DEMO.apiKeyId}', '${DEMO.accountId}', 'Demo key', '${hash}', 'full_access', ${now})
  ON CONFLICT(id) DO UPDATE SET token_hash = excluded.token_hash;
`;
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
		env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
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

/**
 * Idempotent: reuses the demo account's endpoint already pointing at the receiver (a restart
 * keeps wrangler's D1), or creates one for every `email.*` event type the API accepts, then gives
 * the receiver the endpoint's signing secret. Skips, saying why, while the API has no
 * `POST /webhooks` (it is being built) or refuses the endpoint.
 */
export async function connectDemoWebhook(
	apiUrl: string,
	apiKey: string,
	simulator: SimulatorServer,
): Promise<DemoWebhook> {
	const receiverUrl = `${simulator.url}/webhooks/receive/${DEMO_RECEIVER}`;
	const call = async (method: string, path: string, body?: unknown) => {
		const response = await fetch(`${apiUrl}${path}`, {
			method,
			headers: {
				authorization: `Bearer ${apiKey}`,
				...(body === undefined ? {} : { "content-type": "application/json" }),
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const json: unknown = await response.json().catch(() => null);
		return { status: response.status, json: (json ?? {}) as Record<string, unknown> };
	};
	const refused = (what: string, answer: { status: number; json: Record<string, unknown> }) => ({
		kind: "skipped" as const,
		why: `${what} answered ${answer.status}${typeof answer.json.message === "string" ? `: ${answer.json.message}` : ""}`,
	});

	let existing: { id: string; status: string } | undefined;
	let after: string | undefined;
	for (let page = 0; page < 10 && existing === undefined; page++) {
		const list = await call("GET", `/webhooks?limit=100${after ? `&after=${after}` : ""}`);
		if (list.status === 404) return { kind: "skipped", why: "the API has no GET /webhooks yet" };
		if (list.status !== 200) return refused("GET /webhooks", list);
		const data = (list.json.data ?? []) as { id: string; endpoint: string; status: string }[];
		existing = data.find((w) => w.endpoint === receiverUrl);
		after = data.at(-1)?.id;
		if (list.json.has_more !== true || after === undefined) break;
	}

	let id: string;
	let secret: unknown;
	let status = "enabled";
	if (existing === undefined) {
		const created = await call("POST", "/webhooks", {
			endpoint: receiverUrl,
			events: WEBHOOK_EVENT_TYPES.filter((type) => type.startsWith("email.")),
		});
		if (created.status === 404)
			return { kind: "skipped", why: "the API has no POST /webhooks yet" };
		if (created.status !== 201 && created.status !== 200) return refused("POST /webhooks", created);
		id = String(created.json.id);
		secret = created.json.signing_secret;
	} else {
		id = existing.id;
		status = existing.status;
		const got = await call("GET", `/webhooks/${id}`);
		if (got.status !== 200) return refused(`GET /webhooks/${id}`, got);
		secret = got.json.signing_secret;
	}
	if (typeof secret !== "string") {
		return { kind: "skipped", why: `webhook ${id} came without a signing_secret` };
	}
	simulator.simulator.webhooks.configure(DEMO_RECEIVER, { secret });
	return { kind: "connected", id, created: existing === undefined, status, receiverUrl };
}
