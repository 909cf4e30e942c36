/**
 * `npm run bench`: SendFleet's throughput and its Cloudflare bill per email, on this machine.
 *
 * Runs the local stack (scripts/local-stack.ts: wrangler dev and the SES simulator, loopback
 * only) twice, each time on a fresh state folder so runs are comparable:
 *
 * - Phase A, metrics off: a bare endpoint (`GET /`, no auth, no D1) and then `POST /emails` and
 *   `POST /emails/batch` under the same client concurrency, so accepted emails/s can be read as
 *   a ratio to what the same Worker does with no work at all; then end to end, from the first
 *   accepted request until the simulator holds every email.
 * - Phase B, metrics on (SENDFLEET_METRICS, src/lib/metrics.ts): a smaller run of each path,
 *   drained until every queue message is acked, then D1 statements, rows read and written
 *   (D1's own result metadata), queue operations and Durable Object calls per email, and the
 *   cost per million emails at the list prices below. Metrics mode runs read queries twice,
 *   which is why throughput comes from phase A.
 *
 * - Phase C, the retention purge (src/cron/purge.ts) over a million expired rows: a fresh state
 *   folder seeded with `wrangler d1 execute` (recursive-CTE INSERT … SELECT, before wrangler dev
 *   starts), then the five-minute cron fired through `wrangler dev --test-scheduled`
 *   (`GET /__scheduled`) until the purge reports `finished`. The Worker logs each run's report
 *   (`purge: {…}`), read back from wrangler's log file (WRANGLER_LOG_PATH); D1 statements per
 *   invocation come from /__metrics. Afterwards every row still inside its retention must be
 *   there and nothing expired may be.
 *
 * Phases A and B send as many benchmark accounts, in turn (round-robin), not as the one demo
 * account: each account's request rate is limited by its own Durable Object (src/middleware/
 * rate-limit.ts, src/durable-objects/account-guard.ts; Pro: bursts of 200 requests refilled at
 * 50/s, src/domain/plans.ts), and real traffic from many customers spreads over many accounts
 * too. The accounts (approved, Pro, each with a verified domain and an API key, hashed with
 * SHA-256 as scripts/local-stack.ts does for the demo key) are seeded into the bench's own local
 * D1 state with `wrangler d1 execute --local --persist-to` before wrangler dev starts. By
 * default there are enough that no account gets more than half a burst of send requests in a
 * run, so none depends on the refill rate however fast this machine is. Every answer is counted
 * by HTTP status: a 429 (or any other refusal) is printed, never silently left out of the
 * accepted figures.
 *
 * Bounded: at most 10,000 emails per path, 120 s per load or drain, 5 minutes for phases A and
 * B; phase C stops after 10 minutes or --purge-max-invocations runs, whichever comes first.
 * Prints tables; asserts nothing about timing. Options (flag or environment variable):
 *   --phases LIST (BENCH_PHASES, "send,purge": "send" is phases A and B, "purge" phase C)
 *   --singles N (BENCH_SINGLES, 2000)   --batches N (BENCH_BATCHES, 20, of 100 emails)
 *   --concurrency N (BENCH_CONCURRENCY, 24)
 *   --accounts N (BENCH_ACCOUNTS: at least 32, more when the phase A load would give an account
 *     over half a burst)
 *   --metrics-singles N (BENCH_METRICS_SINGLES, 200)  --metrics-batches N (BENCH_METRICS_BATCHES, 2)
 *   --cpu-ms-per-invocation X (BENCH_CPU_MS_PER_INVOCATION, 2)
 *   --cpu-ms-per-email X (BENCH_CPU_MS_PER_EMAIL, 1)
 *   --purge-emails N (BENCH_PURGE_EMAILS, 250000: with 3 events each and the other tables,
 *     about 1.08 million expired rows)   --purge-max-invocations N (BENCH_PURGE_MAX_INVOCATIONS, 100)
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DEMO, type LocalStack, startLocalStack } from "./local-stack.ts";

// --- Cloudflare list prices, USD, read 2026-11-26 ------------------------------------------
// Marginal rates beyond each plan's included usage; the $5/month Workers Paid minimum, the
// included allowances and D1 storage are left out.
const PRICES = {
	// https://developers.cloudflare.com/workers/platform/pricing/ (Standard usage model):
	// requests $0.30 per million beyond 10 M/month; CPU $0.02 per million CPU-ms beyond 30 M.
	workerRequestsPerMillion: 0.3,
	cpuMsPerMillion: 0.02,
	// https://developers.cloudflare.com/d1/platform/pricing/: rows read $0.001 per million beyond
	// 25 B/month; rows written $1.00 per million beyond 50 M/month.
	d1RowsReadPerMillion: 0.001,
	d1RowsWrittenPerMillion: 1.0,
	// https://developers.cloudflare.com/queues/platform/pricing/: $0.40 per million operations
	// beyond 1 M/month; one operation per 64 KB written, read or deleted, per message.
	queueOperationsPerMillion: 0.4,
	// https://developers.cloudflare.com/durable-objects/platform/pricing/ (checked 2026-11-26):
	// requests $0.15 per million beyond 1 M/month, counting HTTP requests, RPC sessions (every RPC
	// method call on a stub is one) and alarms. Left out: duration ($12.50 per M GB-s beyond
	// 400,000 GB-s) and SQLite storage (the guard's own rows, which /__metrics cannot see).
	durableObjectRequestsPerMillion: 0.15,
} as const;

const BATCH_SIZE = 100; // POST /emails/batch's maximum
const MAX_EMAILS_PER_PATH = 10_000; // what the simulator keeps
const LOAD_TIMEOUT_MS = 120_000;
const DRAIN_TIMEOUT_MS = 120_000;
const RUN_TIMEOUT_MS = 5 * 60_000;
const PURGE_TIMEOUT_MS = 10 * 60_000;
const SES_MAX_SEND_RATE = "1000";
const STATE_DIR = ".wrangler/bench-state";
/**
 * The Pro plan's request rate (PLAN_LIMITS.pro in src/domain/plans.ts, restated because that
 * module cannot load under Node's type stripping); checked against the `ratelimit-limit` header
 * the API answers.
 */
const PRO_LIMITS = { requestBurst: 200, requestsPerSecond: 50 } as const;
/** Warm-up singles of phase A (at least one per account, so every guard exists beforehand). */
const WARM_UP_SINGLES = 50;

/**
 * The JSON of `GET /__metrics`: `MetricsTotals` in src/lib/metrics.ts, restated here because
 * scripts are type-checked without the Workers runtime types that file needs.
 */
interface MetricsTotals {
	worker: { fetches: number; queueInvocations: number; scheduledRuns: number };
	d1: { statements: number; calls: number; rowsRead: number; rowsWritten: number };
	queue: { written: number; delivered: number; acked: number; retried: number };
	durableObjects: { calls: number };
}

// --- Options --------------------------------------------------------------------------------

const { values: flags } = parseArgs({
	options: {
		singles: { type: "string" },
		batches: { type: "string" },
		concurrency: { type: "string" },
		accounts: { type: "string" },
		"metrics-singles": { type: "string" },
		"metrics-batches": { type: "string" },
		"cpu-ms-per-invocation": { type: "string" },
		"cpu-ms-per-email": { type: "string" },
		"purge-emails": { type: "string" },
		"purge-max-invocations": { type: "string" },
		phases: { type: "string" },
	},
	strict: true,
});

function option(
	flag: Exclude<keyof typeof flags, "phases">,
	envName: string,
	fallback: number,
	max: number,
): number {
	const raw = flags[flag] ?? process.env[envName];
	const value = raw === undefined ? fallback : Number(raw);
	if (!Number.isFinite(value) || value < 0 || value > max) {
		throw new Error(`--${flag} (${envName}) must be a number from 0 to ${max}, not ${raw}`);
	}
	return value;
}

const config = {
	singles: Math.floor(option("singles", "BENCH_SINGLES", 2000, MAX_EMAILS_PER_PATH)),
	batches: Math.floor(option("batches", "BENCH_BATCHES", 20, MAX_EMAILS_PER_PATH / BATCH_SIZE)),
	concurrency: Math.max(1, Math.floor(option("concurrency", "BENCH_CONCURRENCY", 24, 256))),
	metricsSingles: Math.floor(option("metrics-singles", "BENCH_METRICS_SINGLES", 200, 2000)),
	metricsBatches: Math.floor(option("metrics-batches", "BENCH_METRICS_BATCHES", 2, 20)),
	cpuMsPerInvocation: option("cpu-ms-per-invocation", "BENCH_CPU_MS_PER_INVOCATION", 2, 1000),
	cpuMsPerEmail: option("cpu-ms-per-email", "BENCH_CPU_MS_PER_EMAIL", 1, 1000),
	purgeEmails: Math.floor(option("purge-emails", "BENCH_PURGE_EMAILS", 250_000, 2_000_000)),
	purgeMaxInvocations: Math.max(
		1,
		Math.floor(option("purge-max-invocations", "BENCH_PURGE_MAX_INVOCATIONS", 100, 1000)),
	),
	phases: phasesOption(),
	accounts: 0, // set below, from the load
	port: 8797,
	simulatorPort: 8798,
};

/**
 * Enough accounts that phase A, the larger load, gives none more than half a burst of send
 * requests: the run then never depends on the refill rate, however fast this machine is.
 */
config.accounts = Math.max(
	1,
	Math.floor(
		option(
			"accounts",
			"BENCH_ACCOUNTS",
			Math.max(
				32,
				Math.ceil(
					(WARM_UP_SINGLES + config.singles + config.batches) / (PRO_LIMITS.requestBurst / 2),
				),
			),
			1000,
		),
	),
);

function phasesOption(): Set<string> {
	const known = ["send", "purge"];
	const raw = flags.phases ?? process.env.BENCH_PHASES ?? known.join(",");
	const phases = new Set(raw.split(",").map((p) => p.trim()));
	for (const p of phases) {
		if (!known.includes(p)) throw new Error(`--phases (BENCH_PHASES): unknown phase "${p}"`);
	}
	return phases;
}

// --- Benchmark accounts ----------------------------------------------------------------------

interface BenchAccount {
	accountId: string;
	domainId: string;
	apiKeyId: string;
	domain: string;
	apiKey: string;
	tokenHash: string;
}

/** Ids in the shape of DEMO's (UUIDv7-like), `kind` telling accounts, domains and keys apart. */
const benchId = (kind: number, n: number) =>
	`00000000-0000-7000-${(0x8000 + kind).toString(16)}-${n.toString(16).padStart(12, "0")}`;

/** New keys on every run; the same accounts are seeded into each fresh state folder. */
const accounts: BenchAccount[] = Array.from({ length: config.accounts }, (_, i) => {
	const n = i + 1;
	const apiKey = `sf_${randomBytes(32).toString("base64url")}`;
	return {
		accountId: benchId(0xb1, n),
		domainId: benchId(0xb2, n),
		apiKeyId: benchId(0xb3, n),
		domain: `bench-${String(n).padStart(3, "0")}.test`,
		apiKey,
		tokenHash: createHash("sha256").update(apiKey).digest("hex"),
	};
});

/** Request i of a load goes to account i mod N. */
const accountFor = (i: number): BenchAccount => accounts[i % accounts.length] as BenchAccount;

/** Send requests one account gets in a load of `count` requests (round-robin). */
const perAccount = (count: number) => Math.ceil(count / accounts.length);
const warmUpSingles = Math.max(WARM_UP_SINGLES, accounts.length);
/** The most send requests one account gets while a stack runs, phase A's and phase B's. */
const mostPerAccount = {
	a: perAccount(warmUpSingles) + perAccount(config.singles) + perAccount(config.batches),
	b: perAccount(config.metricsSingles) + perAccount(config.metricsBatches),
};

/** Approved Pro accounts in good standing, each with a verified domain and a key, as the demo's. */
function benchAccountsSql(now: number): string {
	const rows = (make: (a: BenchAccount, n: number) => string) =>
		accounts.map((a, i) => `  ${make(a, i + 1)}`).join(",\n");
	return `INSERT INTO accounts (id, name, plan, verification_status, subscription_status, created_at) VALUES
${rows((a, n) => `('${a.accountId}', 'Benchmark account ${n}', 'pro', 'approved', 'active', ${now})`)};
INSERT INTO domains (id, account_id, name, region, ownership_status, dkim_status, spf_status,
  mail_from_status, dmarc_status, created_at) VALUES
${rows((a) => `('${a.domainId}', '${a.accountId}', '${a.domain}', 'us-east-1', 'verified', 'verified', 'verified', 'pending', 'verified', ${now})`)};
INSERT INTO api_keys (id, account_id, name, token_hash, permission, created_at) VALUES
${rows((a) => `('${a.apiKeyId}', '${a.accountId}', 'Benchmark key', '${a.tokenHash}', 'full_access', ${now})`)};
`;
}

/** A fresh state folder with the schema and the benchmark accounts, before wrangler dev starts. */
function seedBenchAccounts() {
	rmSync(STATE_DIR, { recursive: true, force: true });
	mkdirSync(STATE_DIR, { recursive: true });
	wranglerLocal(STATE_DIR, ["d1", "migrations", "apply", "DB"]);
	const seedFile = `${STATE_DIR}/bench-accounts.sql`;
	writeFileSync(seedFile, benchAccountsSql(Date.now()));
	wranglerLocal(STATE_DIR, ["d1", "execute", "DB", `--file=${seedFile}`]);
}

/** A wrangler D1 command on a local state folder of the bench's own (never remote). */
function wranglerLocal(stateDir: string, args: string[]): string {
	const result = spawnSync("wrangler", [...args, "--local", "--persist-to", stateDir], {
		stdio: ["ignore", "pipe", "pipe"],
		encoding: "utf8",
		maxBuffer: 64 * 1024 * 1024,
		env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
	});
	if (result.status !== 0) {
		throw new Error(`wrangler ${args.slice(0, 3).join(" ")} failed:\n${result.stderr}`);
	}
	return result.stdout;
}

// --- The stack and its clean-up -------------------------------------------------------------

let stack: LocalStack | undefined;
let interrupted = false;

async function stopStack() {
	const running = stack;
	stack = undefined;
	await running?.stop();
}

async function startStack(vars: Record<string, string>): Promise<LocalStack> {
	if (interrupted) throw new Error("interrupted");
	// startLocalStack then applies the (already applied) migrations and adds the demo account.
	seedBenchAccounts();
	stack = await startLocalStack({
		port: config.port,
		simulatorPort: config.simulatorPort,
		persistTo: STATE_DIR,
		quiet: true,
		vars: { SES_MAX_SEND_RATE, ...vars },
	});
	const { hostname } = new URL(stack.apiUrl);
	if (hostname !== "127.0.0.1") throw new Error(`refusing to load ${stack.apiUrl}: not loopback`);
	return stack;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
	process.once(signal, () => {
		interrupted = true;
		console.error(`\n${signal}: stopping the local stack…`);
		void stopStack().finally(() => process.exit(130));
	});
}

// Phases A and B share RUN_TIMEOUT_MS; phase C has its own deadline inside PURGE_TIMEOUT_MS.
const watchdogMs =
	(config.phases.has("send") ? RUN_TIMEOUT_MS : 0) +
	(config.phases.has("purge") ? PURGE_TIMEOUT_MS + 60_000 : 0);
const watchdog = setTimeout(() => {
	console.error(`bench: over its ${watchdogMs / 60_000}-minute budget; stopping.`);
	interrupted = true;
	void stopStack().finally(() => process.exit(1));
}, watchdogMs);
watchdog.unref();

// --- Load -----------------------------------------------------------------------------------

interface LoadResult {
	/** Requests planned; fewer are sent when the load stops at LOAD_TIMEOUT_MS. */
	requests: number;
	/** 2xx answers: the only ones counted as accepted. */
	ok: number;
	/** Every answer by HTTP status ("no answer": a network error or a client-side timeout). */
	statuses: Map<string, number>;
	/** The `ratelimit-*` headers of the answers: the plan's burst and the lowest remaining. */
	rateLimit: { limit: number; lowestRemaining: number } | undefined;
	/** Every answer that was not 2xx: its status and the start of its body. */
	failures: string[];
	seconds: number;
	/** performance.now() of the first accepted response. */
	firstOkAt: number | undefined;
	timedOut: boolean;
}

/** `count` requests, `concurrency` in flight, stopping early at LOAD_TIMEOUT_MS. */
async function load(
	count: number,
	request: (i: number) => Promise<Response>,
	onAccepted?: (i: number, body: string) => void,
): Promise<LoadResult> {
	const started = performance.now();
	const deadline = started + LOAD_TIMEOUT_MS;
	const result: LoadResult = {
		requests: count,
		ok: 0,
		statuses: new Map(),
		rateLimit: undefined,
		failures: [],
		seconds: 0,
		firstOkAt: undefined,
		timedOut: false,
	};
	let next = 0;
	async function lane() {
		while (next < count) {
			if (performance.now() > deadline) {
				result.timedOut = true;
				return;
			}
			const i = next++;
			try {
				const response = await request(i);
				const body = await response.text();
				const status = String(response.status);
				result.statuses.set(status, (result.statuses.get(status) ?? 0) + 1);
				const limit = Number(response.headers.get("ratelimit-limit") ?? Number.NaN);
				const remaining = Number(response.headers.get("ratelimit-remaining") ?? Number.NaN);
				if (Number.isFinite(limit) && Number.isFinite(remaining)) {
					result.rateLimit = {
						limit,
						lowestRemaining: Math.min(result.rateLimit?.lowestRemaining ?? limit, remaining),
					};
				}
				if (response.ok) {
					result.ok += 1;
					onAccepted?.(i, body);
					result.firstOkAt ??= performance.now();
				} else {
					result.failures.push(`${response.status} ${body.slice(0, 200)}`);
				}
			} catch (error) {
				result.statuses.set("no answer", (result.statuses.get("no answer") ?? 0) + 1);
				result.failures.push(String(error));
			}
		}
	}
	await Promise.all(Array.from({ length: Math.min(config.concurrency, count) }, lane));
	result.seconds = (performance.now() - started) / 1000;
	return result;
}

function email(account: BenchAccount, to: string) {
	return {
		from: `Bench <bench@${account.domain}>`,
		to,
		subject: "SendFleet benchmark",
		html: "<p>Hello from the benchmark.</p>",
		text: "Hello from the benchmark.",
	};
}

function post(s: LocalStack, account: BenchAccount, path: string, body: unknown) {
	return fetch(`${s.apiUrl}${path}`, {
		method: "POST",
		headers: { authorization: `Bearer ${account.apiKey}`, "content-type": "application/json" },
		body: JSON.stringify(body),
		signal: AbortSignal.timeout(30_000),
	});
}

/** Email ids (and their accounts) by recipient, to say where an email that never arrived got stuck. */
const acceptedIds = new Map<string, { id: string; account: BenchAccount }>();

/** Request i sends as account i mod N (round-robin). */
const sendSingles = (s: LocalStack, prefix: string, count: number) =>
	load(
		count,
		(i) => post(s, accountFor(i), "/emails", email(accountFor(i), `${prefix}-${i}@example.org`)),
		(i, body) =>
			acceptedIds.set(`${prefix}-${i}@example.org`, {
				id: (JSON.parse(body) as { id: string }).id,
				account: accountFor(i),
			}),
	);

const sendBatches = (s: LocalStack, prefix: string, count: number) =>
	load(count, (b) =>
		post(
			s,
			accountFor(b),
			"/emails/batch",
			Array.from({ length: BATCH_SIZE }, (_, i) =>
				email(accountFor(b), `${prefix}-${b * BATCH_SIZE + i}@example.org`),
			),
		),
	);

/** Recipients with this prefix in the simulator (a redelivered duplicate counts once). */
function deliveredTo(s: LocalStack, prefix: string): Set<string> {
	const seen = new Set<string>();
	for (const message of s.simulator.store.listMessages()) {
		for (const to of message.to) if (to.startsWith(`${prefix}-`)) seen.add(to);
	}
	return seen;
}

const delivered = (s: LocalStack, prefix: string) => deliveredTo(s, prefix).size;

/** `last_event` of a few accepted singles that have not reached the simulator. */
async function missingStatuses(s: LocalStack, prefix: string): Promise<string> {
	const seen = deliveredTo(s, prefix);
	const missing = [...acceptedIds].filter(([to]) => to.startsWith(`${prefix}-`) && !seen.has(to));
	const sample = await Promise.all(
		missing.slice(0, 3).map(async ([, { id, account }]) => {
			const response = await fetch(`${s.apiUrl}/emails/${id}`, {
				headers: { authorization: `Bearer ${account.apiKey}` },
				signal: AbortSignal.timeout(10_000),
			});
			const body = (await response.json()) as { last_event?: string };
			return `${id}: ${body.last_event ?? response.status}`;
		}),
	);
	return sample.length ? `; e.g. ${sample.join(", ")}` : "";
}

/** Polls until `done()`; the time it became true, or undefined after the timeout. */
async function waitFor(done: () => boolean | Promise<boolean>): Promise<number | undefined> {
	const deadline = performance.now() + DRAIN_TIMEOUT_MS;
	while (performance.now() < deadline) {
		if (await done()) return performance.now();
		await new Promise((r) => setTimeout(r, 50));
	}
	return undefined;
}

async function metrics(s: LocalStack, reset = false): Promise<MetricsTotals> {
	const response = await fetch(`${s.apiUrl}/__metrics${reset ? "/reset" : ""}`, {
		method: reset ? "POST" : "GET",
		signal: AbortSignal.timeout(10_000),
	});
	if (!response.ok) throw new Error(`/__metrics answered ${response.status}`);
	return (await response.json()) as MetricsTotals;
}

// --- Output helpers -------------------------------------------------------------------------

const problems: string[] = [];
/** Every load of phases A and B, for the table of answers by status. */
const loads: { label: string; result: LoadResult }[] = [];

const isAccepted = (status: string) => /^2\d\d$/.test(status);

/** "429 ×12, 500 ×1": the answers that were not acceptances, or "" if there were none. */
function refusals(result: LoadResult): string {
	return [...result.statuses]
		.filter(([status]) => !isAccepted(status))
		.map(([status, n]) => `${status} ×${fixed(n)}`)
		.join(", ");
}

function check(label: string, result: LoadResult, expected: number) {
	loads.push({ label, result });
	if (result.failures.length) {
		problems.push(
			`${label}: ${fixed(result.failures.length)} of ${fixed(result.requests)} not accepted (${refusals(result)}), e.g. ${result.failures[0]}`,
		);
	}
	const rateLimited = result.statuses.get("429") ?? 0;
	if (rateLimited) {
		problems.push(
			`${label}: ${fixed(rateLimited)} answered 429 rate_limit_exceeded: an account went over its plan's request rate; more --accounts spreads the load further`,
		);
	}
	if (result.rateLimit && result.rateLimit.limit !== PRO_LIMITS.requestBurst) {
		problems.push(
			`${label}: ratelimit-limit is ${result.rateLimit.limit}, not the Pro burst of ${PRO_LIMITS.requestBurst} this script assumes: update PRO_LIMITS from src/domain/plans.ts`,
		);
	}
	if (result.timedOut) problems.push(`${label}: stopped after ${LOAD_TIMEOUT_MS / 1000} s`);
	if (result.ok !== expected) problems.push(`${label}: ${result.ok} of ${expected} accepted`);
}

const fixed = (n: number, digits = 0) =>
	n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const money = (n: number) => `$${n.toFixed(n < 1 ? 4 : 2)}`;

function table(rows: string[][]): string {
	const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
	return rows
		.map((r) =>
			r
				.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
				.join("   ")
				.trimEnd(),
		)
		.map((line) => `  ${line}`)
		.join("\n");
}

// --- Phase A: throughput, metrics off -------------------------------------------------------

interface Throughput {
	bare: LoadResult;
	single: LoadResult;
	singleEndToEnd: number | undefined;
	batch: LoadResult;
	batchEndToEnd: number | undefined;
}

async function endToEnd(s: LocalStack, prefix: string, result: LoadResult, expected: number) {
	const doneAt = await waitFor(() => delivered(s, prefix) >= expected);
	if (doneAt === undefined || result.firstOkAt === undefined) {
		problems.push(
			`end to end (${prefix}): gave up after ${DRAIN_TIMEOUT_MS / 1000} s with ${delivered(s, prefix)} of ${expected} in the simulator${await missingStatuses(s, prefix)}`,
		);
		return undefined;
	}
	return expected / ((doneAt - result.firstOkAt) / 1000);
}

async function phaseA(): Promise<Throughput> {
	console.log("Phase A: throughput (metrics off). Starting the local stack…");
	const s = await startStack({});

	// Warm-up: JIT, D1 file, queue consumer and every account's guard, then a clean inbox.
	await load(50, () => fetch(`${s.apiUrl}/`));
	const warm = await sendSingles(s, "warm", warmUpSingles);
	check("A warm-up POST /emails", warm, warmUpSingles);
	await waitFor(() => delivered(s, "warm") >= warm.ok);
	s.simulator.store.clearMessages();

	const bare = await load(config.singles, () =>
		fetch(`${s.apiUrl}/`, { signal: AbortSignal.timeout(30_000) }),
	);
	check("A bare GET /", bare, config.singles);

	const single = await sendSingles(s, "single", config.singles);
	check("A POST /emails", single, config.singles);
	const singleEndToEnd = await endToEnd(s, "single", single, single.ok);
	s.simulator.store.clearMessages();

	const batch = await sendBatches(s, "batch", config.batches);
	check("A POST /emails/batch", batch, config.batches);
	const batchEndToEnd = await endToEnd(s, "batch", batch, batch.ok * BATCH_SIZE);

	await stopStack();
	return { bare, single, singleEndToEnd, batch, batchEndToEnd };
}

// --- Phase B: usage per email, metrics on ---------------------------------------------------

interface Usage {
	emails: number;
	totals: MetricsTotals;
}

async function measureUsage(
	s: LocalStack,
	label: string,
	prefix: string,
	emailsPerRequest: number,
	send: () => Promise<LoadResult>,
	requests: number,
): Promise<Usage | undefined> {
	await metrics(s, true);
	const result = await send();
	check(label, result, requests);
	// Per email means per accepted email: refusals are reported by check(), not averaged in.
	const emails = result.ok * emailsPerRequest;
	if (emails === 0) return undefined;
	// Drained: every email in the simulator and every queue message acked (the consumer acks
	// after its D1 write, so the counters are final).
	let last: MetricsTotals | undefined;
	const drained = await waitFor(async () => {
		if (delivered(s, prefix) < emails) return false;
		last = await metrics(s);
		return last.queue.acked >= last.queue.written;
	});
	if (drained === undefined || last === undefined) {
		problems.push(`${label}: the queue did not drain in ${DRAIN_TIMEOUT_MS / 1000} s`);
		return undefined;
	}
	return { emails, totals: last };
}

async function phaseB(): Promise<{ single?: Usage; batch?: Usage }> {
	console.log("Phase B: usage per email (metrics on). Restarting the local stack…");
	const s = await startStack({ SENDFLEET_METRICS: "true" });
	const single = config.metricsSingles
		? await measureUsage(
				s,
				"B POST /emails",
				"msingle",
				1,
				() => sendSingles(s, "msingle", config.metricsSingles),
				config.metricsSingles,
			)
		: undefined;
	const batch = config.metricsBatches
		? await measureUsage(
				s,
				"B POST /emails/batch",
				"mbatch",
				BATCH_SIZE,
				() => sendBatches(s, "mbatch", config.metricsBatches),
				config.metricsBatches,
			)
		: undefined;
	await stopStack();
	return { single, batch };
}

// --- Report ---------------------------------------------------------------------------------

function perEmail(u: Usage) {
	const t = u.totals;
	const per = (n: number) => n / u.emails;
	const queueOps = t.queue.written + t.queue.delivered + t.queue.acked;
	return {
		statements: per(t.d1.statements),
		calls: per(t.d1.calls),
		rowsRead: per(t.d1.rowsRead),
		rowsWritten: per(t.d1.rowsWritten),
		queueOps: per(queueOps),
		queueSplit: `${fixed(per(t.queue.written), 2)}/${fixed(per(t.queue.delivered), 2)}/${fixed(per(t.queue.acked), 2)}`,
		doCalls: per(t.durableObjects.calls),
		invocations: per(t.worker.fetches + t.worker.queueInvocations + t.worker.scheduledRuns),
	};
}

/** Per million emails, units per email × price per million units is the cost in dollars. */
function costPerMillion(u: Usage) {
	const p = perEmail(u);
	const cpuMsPerEmail = p.invocations * config.cpuMsPerInvocation + config.cpuMsPerEmail;
	const cost = {
		requests: p.invocations * PRICES.workerRequestsPerMillion,
		cpu: cpuMsPerEmail * PRICES.cpuMsPerMillion,
		rowsRead: p.rowsRead * PRICES.d1RowsReadPerMillion,
		rowsWritten: p.rowsWritten * PRICES.d1RowsWrittenPerMillion,
		queues: p.queueOps * PRICES.queueOperationsPerMillion,
		durableObjects: p.doCalls * PRICES.durableObjectRequestsPerMillion,
	};
	return { ...cost, total: Object.values(cost).reduce((x, y) => x + y, 0) };
}

function report(a: Throughput, b: { single?: Usage; batch?: Usage }) {
	const bareRps = a.bare.ok / a.bare.seconds;
	const singleEps = a.single.ok / a.single.seconds;
	const batchEps = (a.batch.ok * BATCH_SIZE) / a.batch.seconds;
	const e2e = (v: number | undefined) => (v === undefined ? "timed out" : `${fixed(v)} emails/s`);
	const limits = loads.flatMap(({ result }) => (result.rateLimit ? [result.rateLimit] : []));
	const lowestRemaining = limits.length
		? `${fixed(Math.min(...limits.map((l) => l.lowestRemaining)))} of ${fixed(Math.max(...limits.map((l) => l.limit)))}`
		: "none answered";

	console.log(`
SendFleet benchmark: local stack on 127.0.0.1 (wrangler dev, local D1 and Queues, SES simulator)
  ${config.concurrency} requests in flight; SES_MAX_SEND_RATE=${SES_MAX_SEND_RATE} so end to end measures our pipeline, not SES's pacing.
  ${accountsLine(lowestRemaining)}

Throughput (metrics off)
${table([
	[
		"bare GET /",
		`${fixed(a.bare.ok)} req`,
		`${fixed(a.bare.seconds, 1)} s`,
		`${fixed(bareRps)} req/s`,
		"",
		"",
	],
	[
		"accepted (single)",
		`${fixed(a.single.ok)} emails`,
		`${fixed(a.single.seconds, 1)} s`,
		`${fixed(singleEps)} emails/s`,
		`bare GET / ${fixed(bareRps)} req/s`,
		`ratio ${fixed(singleEps / bareRps, 2)}`,
	],
	[
		`accepted (batch of ${BATCH_SIZE})`,
		`${fixed(a.batch.ok * BATCH_SIZE)} emails`,
		`${fixed(a.batch.seconds, 1)} s`,
		`${fixed(batchEps)} emails/s`,
		`bare GET / ${fixed(bareRps)} req/s`,
		`ratio ${fixed(batchEps / bareRps, 2)}`,
	],
	["end to end (single)", `${fixed(a.single.ok)} emails`, "", e2e(a.singleEndToEnd), "", ""],
	[
		`end to end (batch)`,
		`${fixed(a.batch.ok * BATCH_SIZE)} emails`,
		"",
		e2e(a.batchEndToEnd),
		"",
		"",
	],
])}
  Accepted: 2xx answers only; every other answer is counted under "Answers by HTTP status".
  End to end: from the first accepted request until the SES simulator holds every email.`);

	const usages = [
		["single", b.single],
		[`batch of ${BATCH_SIZE}`, b.batch],
	] as const;
	const usageRows: string[][] = [
		[
			"per email",
			"D1 statements",
			"D1 calls",
			"rows read",
			"rows written",
			"queue ops",
			"(w/r/d)",
			"DO calls",
			"invocations",
		],
	];
	const costRows: string[][] = [
		["per million emails", "requests", "CPU*", "D1 reads", "D1 writes", "queues", "DO", "total"],
	];
	for (const [label, usage] of usages) {
		if (!usage) continue;
		const p = perEmail(usage);
		usageRows.push([
			`${label} (${fixed(usage.emails)} emails)`,
			fixed(p.statements, 2),
			fixed(p.calls, 2),
			fixed(p.rowsRead, 2),
			fixed(p.rowsWritten, 2),
			fixed(p.queueOps, 2),
			p.queueSplit,
			fixed(p.doCalls, 2),
			fixed(p.invocations, 2),
		]);
		const c = costPerMillion(usage);
		costRows.push([
			label,
			money(c.requests),
			money(c.cpu),
			money(c.rowsRead),
			money(c.rowsWritten),
			money(c.queues),
			money(c.durableObjects),
			money(c.total),
		]);
	}
	console.log(`
Usage per email (metrics on; D1 rows from D1's result metadata)
${table(usageRows)}
  Queue ops = writes + reads (deliveries) + deletes (acks); retries would add reads.
  DO calls: calls on the account's AccountGuard stub, each billed as a Durable Object request; a send
  request makes one (admit: suspension, request rate, monthly quota), whatever the number of emails.
  Invocations = Worker requests + queue consumer batches, each counted as a billed request.

Cloudflare cost per million emails (list prices read 2026-11-26, marginal rates beyond the
included usage; the $5/month Workers Paid minimum, D1 storage and SES itself are left out)
${table(costRows)}
  Prices: Workers $${PRICES.workerRequestsPerMillion}/M requests and $${PRICES.cpuMsPerMillion}/M CPU-ms, D1 $${PRICES.d1RowsReadPerMillion}/M rows read and $${PRICES.d1RowsWrittenPerMillion.toFixed(2)}/M rows written,
  Queues $${PRICES.queueOperationsPerMillion}/M operations, Durable Objects $${PRICES.durableObjectRequestsPerMillion}/M requests.
  * CPU time cannot be measured locally: assumed ${config.cpuMsPerInvocation} ms per invocation + ${config.cpuMsPerEmail} ms per email sent
    (--cpu-ms-per-invocation, --cpu-ms-per-email); each 1 ms per email adds $${PRICES.cpuMsPerMillion} per million emails.
  Not priced: Durable Object duration and SQLite storage (the guard's own rows), and its hourly alarm.`);

	console.log(`
Answers by HTTP status (every request of phases A and B; only 2xx counts as accepted)
${statusTable()}`);
}

/** One row per load: requests planned, then the answers by status, then what was never sent. */
function statusTable(): string {
	const statuses = [...new Set(loads.flatMap(({ result }) => [...result.statuses.keys()]))].sort();
	const header = ["request", "requests", ...statuses, "not sent", "refused"];
	const rows = loads.map(({ label, result }) => {
		const answered = [...result.statuses.values()].reduce((x, y) => x + y, 0);
		return [
			label,
			fixed(result.requests),
			...statuses.map((status) => fixed(result.statuses.get(status) ?? 0)),
			fixed(result.requests - answered),
			refusals(result) || "none",
		];
	});
	return table([header, ...rows]);
}

/** The header's account lines: how many, why, and how far each stays from its rate limit. */
function accountsLine(lowestRemaining: string): string {
	const most = Math.max(mostPerAccount.a, mostPerAccount.b);
	const headroom =
		most <= PRO_LIMITS.requestBurst / 2
			? "under half a\n  burst, so none depends on the refill"
			: most <= PRO_LIMITS.requestBurst
				? "within one\n  burst, so none depends on the refill"
				: `over a burst:\n  each relies on the refill, ${fixed(accounts.length * PRO_LIMITS.requestsPerSecond)} requests/s in all`;
	return `Sends rotate round-robin over ${fixed(accounts.length)} benchmark accounts (approved, Pro, each with a verified
  domain and its own API key), not one: each account's request rate is limited by its own Durable
  Object (Pro: bursts of ${PRO_LIMITS.requestBurst} requests, refilled at ${PRO_LIMITS.requestsPerSecond}/s), and real traffic from many customers
  spreads over many accounts too. At most ${fixed(most)} send requests per account per run (--accounts), ${headroom}; lowest ratelimit-remaining answered to a send: ${lowestRemaining}.`;
}

// --- Phase C: the retention purge over a million expired rows ------------------------------

const PURGE_STATE_DIR = ".wrangler/bench-purge-state";
const PURGE_LOG_DIR = `${PURGE_STATE_DIR}/logs`;
/** EVERY_FIVE_MINUTES in src/cron/index.ts: its run ends with the purge. */
const PURGE_CRON = "*/5 * * * *";
const EVENTS_PER_EMAIL = 3;
const DAY_MS = 24 * 60 * 60_000;

/** `PurgeReport` in src/cron/purge.ts, restated as MetricsTotals is. */
interface PurgeReport {
	emails: number;
	events: number;
	unmatchedNotifications: number;
	sessions: number;
	loginFailures: number;
	idempotencyKeys: number;
	statements: number;
	batches: number;
	finished: boolean;
}

/** Row counts of the tables the purge works on. */
interface TableCounts {
	emails: number;
	events: number;
	unmatched: number;
	sessions: number;
	loginFailures: number;
	idempotencyKeys: number;
}

const sumCounts = (c: TableCounts) => Object.values(c).reduce((x, y) => x + y, 0);

function tableCounts(): TableCounts {
	const out = wranglerLocal(PURGE_STATE_DIR, [
		"d1",
		"execute",
		"DB",
		"--json",
		`--command=SELECT (SELECT count(*) FROM emails) AS emails, (SELECT count(*) FROM email_events) AS events, (SELECT count(*) FROM unmatched_notifications) AS unmatched, (SELECT count(*) FROM sessions) AS sessions, (SELECT count(*) FROM login_failures) AS loginFailures, (SELECT count(*) FROM idempotency_keys) AS idempotencyKeys`,
	]);
	const parsed = JSON.parse(out.slice(out.indexOf("["))) as { results: TableCounts[] }[];
	const row = parsed.at(-1)?.results[0];
	if (!row) throw new Error(`no counts in wrangler's answer: ${out.slice(0, 200)}`);
	return row;
}

/**
 * SQL for a UUIDv7 at time `t` (ms) whose random bits are the number `n`: the shape of
 * src/lib/ids.ts's ids, so the purge's primary-key ranges see realistic keys.
 */
const uuidSql = (t: string, n: string) =>
	`substr(printf('%012x', ${t}), 1, 8) || '-' || substr(printf('%012x', ${t}), 9, 4) || '-7' || printf('%03x', (${n}) % 4096) || '-8' || printf('%03x', ((${n}) / 4096) % 4096) || '-' || printf('%012x', ${n})`;

/** `count` rows numbered n = 0 … count-1 with a time t spread over [from, from + span). */
const numbered = (count: number, from: number, span: number) =>
	`WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < ${count - 1}), rows AS (SELECT n, ${from} + n * ${Math.max(1, Math.floor(span / count))} AS t FROM seq)`;

/**
 * The purge's workload: expired emails (180 to 91 days old, each with a sent and a delivered
 * event and a complaint two days later), orphan events and unmatched notifications of the same
 * age, expired sessions, stale login failures and idempotency keys; and rows inside their
 * retention in every table, which must survive.
 */
function purgeSeed(now: number) {
	const e = config.purgeEmails;
	const tenth = Math.max(1, Math.round(e / 10));
	const fiftieth = Math.max(1, Math.round(e / 50));
	const expired: TableCounts = {
		emails: e,
		events: e * EVENTS_PER_EMAIL + tenth,
		unmatched: tenth,
		sessions: fiftieth,
		loginFailures: fiftieth,
		idempotencyKeys: tenth,
	};
	const kept: TableCounts = {
		emails: fiftieth,
		events: fiftieth * 2,
		unmatched: fiftieth,
		sessions: fiftieth,
		loginFailures: fiftieth,
		idempotencyKeys: fiftieth,
	};
	const oldFrom = now - 180 * DAY_MS;
	const oldSpan = 89 * DAY_MS;
	const keptFrom = now - 89 * DAY_MS;
	const keptSpan = 88 * DAY_MS;
	const account = `'${DEMO.accountId}'`;
	const html = `'<html><body><h1>Your receipt</h1><p>${"Thank you for your order. ".repeat(14)}</p></body></html>'`;
	const text = `'${"Thank you for your order. ".repeat(8)}'`;
	const emailsInsert = (count: number, from: number, span: number, offset: number) =>
		`${numbered(count, from, span)}
INSERT INTO emails (id, account_id, domain_id, from_address, to_addresses, subject, html, text_body,
  status, last_event, created_at, sent_at, delivered_at)
SELECT ${uuidSql("t", `n + ${offset}`)}, ${account}, '${DEMO.domainId}', 'Bench <bench@${DEMO.domain}>',
  '["r' || n || '@example.org"]', 'Purge benchmark ' || n, ${html}, ${text}, 'sent', 'delivered',
  t, t + 1000, t + 2000
FROM rows;`;
	const eventsInsert = (count: number, from: number, span: number, offset: number, kinds: string) =>
		`${numbered(count, from, span)}, kinds(k, type, delay) AS (VALUES ${kinds})
INSERT INTO email_events (id, email_id, account_id, type, recipient, occurred_at, created_at)
SELECT ${uuidSql("t + delay", `${offset} + 4 + n * 4 + k`)}, ${uuidSql("t", `n + ${offset}`)}, ${account},
  type, 'r' || n || '@example.org', t + delay, t + delay
FROM rows, kinds;`;
	const sql = [
		emailsInsert(e, oldFrom, oldSpan, 0),
		eventsInsert(
			e,
			oldFrom,
			oldSpan,
			0,
			`(0, 'sent', 1000), (1, 'delivered', 2000), (2, 'complained', ${2 * DAY_MS})`,
		),
		// Orphans: events of emails that are gone (their email ids exist nowhere).
		`${numbered(tenth, oldFrom, oldSpan)}
INSERT INTO email_events (id, email_id, account_id, type, occurred_at, created_at)
SELECT ${uuidSql("t", "n + 100000000")}, ${uuidSql("t - 5000", "n + 200000000")}, ${account},
  'complained', t, t
FROM rows;`,
		`${numbered(tenth, oldFrom, oldSpan)}
INSERT INTO unmatched_notifications (id, sns_message_id, topic_arn, type, payload, created_at)
SELECT ${uuidSql("t", "n")}, 'bench-' || n, 'arn:aws:sns:us-east-1:000000000000:bench', 'Bounce',
  '{"notificationType":"Bounce"}', t
FROM rows;`,
		`INSERT INTO users (id, email, password_hash, role, account_id, created_at)
VALUES ('bench-purge-user', 'purge-bench@example.org', 'x', 'user', ${account}, ${now});`,
		`${numbered(fiftieth, now - 30 * DAY_MS, 29 * DAY_MS)}
INSERT INTO sessions (id, token_hash, csrf_token, user_id, created_at, expires_at)
SELECT 'expired-' || n, 'expired-' || n, 'x', 'bench-purge-user', t - 14 * ${DAY_MS}, t
FROM rows;`,
		`${numbered(fiftieth, now - 10 * DAY_MS, 8 * DAY_MS)}
INSERT INTO login_failures (key, count, first_at) SELECT 'ip:stale-' || n, 3, t FROM rows;`,
		`${numbered(tenth, now - 3 * DAY_MS, DAY_MS)}
INSERT INTO idempotency_keys (account_id, key, endpoint, request_hash, response_status,
  response_body, created_at)
SELECT ${account}, 'expired-' || n, 'POST /emails', 'hash', 200, '{"id":"x"}', t FROM rows;`,
		// Inside their retention: must all be there after the purge.
		emailsInsert(fiftieth, keptFrom, keptSpan, 300000000),
		eventsInsert(
			fiftieth,
			keptFrom,
			keptSpan,
			300000000,
			"(0, 'sent', 1000), (1, 'delivered', 2000)",
		),
		`${numbered(fiftieth, keptFrom, keptSpan)}
INSERT INTO unmatched_notifications (id, sns_message_id, topic_arn, type, payload, created_at)
SELECT ${uuidSql("t", "n + 300000000")}, 'kept-' || n, 'arn:aws:sns:us-east-1:000000000000:bench',
  'Bounce', '{"notificationType":"Bounce"}', t
FROM rows;`,
		`${numbered(fiftieth, now, 13 * DAY_MS)}
INSERT INTO sessions (id, token_hash, csrf_token, user_id, created_at, expires_at)
SELECT 'live-' || n, 'live-' || n, 'x', 'bench-purge-user', t, t + ${DAY_MS} FROM rows;`,
		`${numbered(fiftieth, now - 20 * 60_000, 10 * 60_000)}
INSERT INTO login_failures (key, count, first_at) SELECT 'ip:recent-' || n, 1, t FROM rows;`,
		`${numbered(fiftieth, now - 20 * 60 * 60_000, 10 * 60 * 60_000)}
INSERT INTO idempotency_keys (account_id, key, endpoint, request_hash, response_status,
  response_body, created_at)
SELECT ${account}, 'kept-' || n, 'POST /emails', 'hash', 200, '{"id":"x"}', t FROM rows;`,
	].join("\n");
	return { sql, expired, kept };
}

/** Every `purge: {…}` report the Worker has logged so far, oldest first. */
function loggedPurgeReports(): PurgeReport[] {
	if (!existsSync(PURGE_LOG_DIR)) return [];
	const reports: PurgeReport[] = [];
	for (const name of readdirSync(PURGE_LOG_DIR).sort()) {
		const log = readFileSync(`${PURGE_LOG_DIR}/${name}`, "utf8");
		for (const [, json] of log.matchAll(/purge: (\{[^\n]*\})/g)) {
			if (json) reports.push(JSON.parse(json) as PurgeReport);
		}
	}
	return reports;
}

interface Invocation {
	ms: number;
	report: PurgeReport;
	/** From /__metrics: every D1 statement of the invocation, the cron's other jobs included. */
	d1Statements: number;
	d1RowsWritten: number;
}

interface PurgeRun {
	seedSeconds: number;
	expired: TableCounts;
	kept: TableCounts;
	seeded: TableCounts;
	left: TableCounts;
	invocations: Invocation[];
	finished: boolean;
	stoppedBecause: string;
}

async function phaseC(): Promise<PurgeRun> {
	if (interrupted) throw new Error("interrupted");
	const deadline = performance.now() + PURGE_TIMEOUT_MS;
	console.log("Phase C: retention purge (metrics on). Seeding a fresh local database…");
	rmSync(PURGE_STATE_DIR, { recursive: true, force: true });
	wranglerLocal(PURGE_STATE_DIR, ["d1", "migrations", "apply", "DB"]);
	const { sql, expired, kept } = purgeSeed(Date.now());
	const seedFile = `${PURGE_STATE_DIR}/purge-seed.sql`;
	writeFileSync(seedFile, sql);
	const seedStarted = performance.now();
	wranglerLocal(PURGE_STATE_DIR, ["d1", "execute", "DB", `--file=${seedFile}`]);
	const seedSeconds = (performance.now() - seedStarted) / 1000;
	const seeded = tableCounts();

	// The Worker's console output reaches wrangler's debug log, where its reports are read.
	const previousLogPath = process.env.WRANGLER_LOG_PATH;
	process.env.WRANGLER_LOG_PATH = PURGE_LOG_DIR;
	try {
		stack = await startLocalStack({
			port: config.port,
			simulatorPort: config.simulatorPort,
			persistTo: PURGE_STATE_DIR,
			quiet: true,
			vars: { SES_MAX_SEND_RATE, SENDFLEET_METRICS: "true" },
		});
	} finally {
		if (previousLogPath === undefined) delete process.env.WRANGLER_LOG_PATH;
		else process.env.WRANGLER_LOG_PATH = previousLogPath;
	}
	const s = stack;
	if (new URL(s.apiUrl).hostname !== "127.0.0.1") {
		throw new Error(`refusing to load ${s.apiUrl}: not loopback`);
	}
	console.log(
		`  ${fixed(sumCounts(seeded))} rows seeded in ${fixed(seedSeconds, 1)} s; firing the five-minute cron until the purge finishes…`,
	);

	const invocations: Invocation[] = [];
	let stoppedBecause = "";
	const reportsBefore = loggedPurgeReports().length;
	while (!stoppedBecause) {
		if (invocations.length >= config.purgeMaxInvocations) {
			stoppedBecause = `stopped after ${config.purgeMaxInvocations} invocations (--purge-max-invocations)`;
			break;
		}
		if (performance.now() > deadline) {
			stoppedBecause = `stopped after ${PURGE_TIMEOUT_MS / 60_000} minutes`;
			break;
		}
		const before = await metrics(s);
		const started = performance.now();
		const response = await fetch(`${s.apiUrl}/__scheduled?cron=${encodeURIComponent(PURGE_CRON)}`, {
			signal: AbortSignal.timeout(120_000),
		});
		const body = await response.text();
		const ms = performance.now() - started;
		if (!response.ok) throw new Error(`/__scheduled answered ${response.status}: ${body}`);
		const after = await metrics(s);
		// The response comes once the handler and its waitUntil work are done; the log line
		// follows within moments.
		const wanted = reportsBefore + invocations.length + 1;
		const logged = await waitFor(() => loggedPurgeReports().length >= wanted);
		const report = loggedPurgeReports()[wanted - 1];
		if (logged === undefined || !report) {
			throw new Error(
				`no purge report in wrangler's log (${PURGE_LOG_DIR}) after invocation ${wanted}`,
			);
		}
		invocations.push({
			ms,
			report,
			d1Statements: after.d1.statements - before.d1.statements,
			d1RowsWritten: after.d1.rowsWritten - before.d1.rowsWritten,
		});
		if (report.finished) stoppedBecause = "finished";
	}
	await stopStack();
	const left = tableCounts();
	rmSync(PURGE_STATE_DIR, { recursive: true, force: true });

	const finished = stoppedBecause === "finished";
	if (!finished) problems.push(`purge: ${stoppedBecause} without finishing`);
	if (finished && JSON.stringify(left) !== JSON.stringify(kept)) {
		problems.push(`purge: rows left ${JSON.stringify(left)}, expected ${JSON.stringify(kept)}`);
	}
	if (JSON.stringify(seeded) !== JSON.stringify(addCounts(expired, kept))) {
		problems.push(
			`purge: seeded ${JSON.stringify(seeded)}, planned ${JSON.stringify(addCounts(expired, kept))}`,
		);
	}
	return { seedSeconds, expired, kept, seeded, left, invocations, finished, stoppedBecause };
}

function addCounts(a: TableCounts, b: TableCounts): TableCounts {
	return {
		emails: a.emails + b.emails,
		events: a.events + b.events,
		unmatched: a.unmatched + b.unmatched,
		sessions: a.sessions + b.sessions,
		loginFailures: a.loginFailures + b.loginFailures,
		idempotencyKeys: a.idempotencyKeys + b.idempotencyKeys,
	};
}

const deletedBy = (r: PurgeReport) =>
	r.emails + r.events + r.unmatchedNotifications + r.sessions + r.loginFailures + r.idempotencyKeys;

function purgeReport(run: PurgeRun) {
	const inv = run.invocations;
	const total = (pick: (i: Invocation) => number) => inv.reduce((sum, i) => sum + pick(i), 0);
	const max = (pick: (i: Invocation) => number) => Math.max(0, ...inv.map(pick));
	const n = Math.max(1, inv.length);
	const deleted = total((i) => deletedBy(i.report));
	const seconds = total((i) => i.ms) / 1000;
	const batches = total((i) => i.report.batches);
	const rows: string[][] = [
		[
			"invocation",
			"time",
			"emails",
			"events",
			"other rows",
			"batches",
			"statements",
			"D1 statements",
			"finished",
		],
	];
	const shown = inv.length <= 12 ? inv : [...inv.slice(0, 9), ...inv.slice(-2)];
	for (const i of shown) {
		const r = i.report;
		if (shown.length < inv.length && i === inv[inv.length - 2]) rows.push(["…"]);
		rows.push([
			`#${inv.indexOf(i) + 1}`,
			`${fixed(i.ms / 1000, 2)} s`,
			fixed(r.emails),
			fixed(r.events),
			fixed(deletedBy(r) - r.emails - r.events),
			fixed(r.batches),
			fixed(r.statements),
			fixed(i.d1Statements),
			r.finished ? "yes" : "no",
		]);
	}
	console.log(`
Retention purge (src/cron/purge.ts), metrics on: ${fixed(sumCounts(run.expired))} expired rows (${fixed(run.expired.emails)} emails with ${fixed(run.expired.events)} events, orphans included, and ${fixed(sumCounts(run.expired) - run.expired.emails - run.expired.events)} other rows)
  and ${fixed(sumCounts(run.kept))} rows inside their retention, seeded in ${fixed(run.seedSeconds, 1)} s; cron "${PURGE_CRON}" fired through /__scheduled.
${table(rows)}
  "statements" is the purge's own count; "D1 statements" (from /__metrics) adds the cron's other jobs.

  invocations needed        ${fixed(inv.length)} (${run.finished ? "finished" : run.stoppedBecause})
  rows deleted              ${fixed(deleted)} in ${fixed(seconds, 1)} s of invocations: ${fixed(deleted / Math.max(seconds, 0.001))} rows/s
  time per invocation       ${fixed(seconds / n, 2)} s average, ${fixed(max((i) => i.ms) / 1000, 2)} s longest
  statements per invocation ${fixed(total((i) => i.report.statements) / n, 1)} average, ${fixed(max((i) => i.report.statements))} most (D1, all jobs: ${fixed(total((i) => i.d1Statements) / n, 1)} average)
  time per batch            ${fixed((seconds * 1000) / Math.max(1, batches), 1)} ms average over ${fixed(batches)} batches
  D1 rows written           ${fixed(total((i) => i.d1RowsWritten))} (as local D1 reports them)
  left afterwards           ${JSON.stringify(run.left)}${run.finished && JSON.stringify(run.left) === JSON.stringify(run.kept) ? ": exactly the rows inside their retention" : ""}`);
}

// --- Main -----------------------------------------------------------------------------------

try {
	if (config.phases.has("send")) {
		console.log(
			`SendFleet benchmark: ${config.singles} singles and ${config.batches} batches of ${BATCH_SIZE} (throughput), ${config.metricsSingles} singles and ${config.metricsBatches} batch(es) (usage),
  round-robin over ${fixed(accounts.length)} benchmark accounts (per-account rate limits: Pro allows bursts of ${PRO_LIMITS.requestBurst}, refilled at ${PRO_LIMITS.requestsPerSecond}/s).`,
		);
		const a = await phaseA();
		const b = await phaseB();
		report(a, b);
	}
	if (config.phases.has("purge")) purgeReport(await phaseC());
	if (problems.length) {
		console.log(`\nProblems:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
		process.exitCode = 1;
	}
} catch (error) {
	console.error("bench failed:", error);
	process.exitCode = 1;
} finally {
	await stopStack();
	clearTimeout(watchdog);
}
