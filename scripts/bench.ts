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
 * Bounded: at most 10,000 emails per path, 120 s per load or drain, 5 minutes in all. Prints a
 * table; asserts nothing about timing. Options (flag or environment variable):
 *   --singles N (BENCH_SINGLES, 2000)   --batches N (BENCH_BATCHES, 20, of 100 emails)
 *   --concurrency N (BENCH_CONCURRENCY, 24)
 *   --metrics-singles N (BENCH_METRICS_SINGLES, 200)  --metrics-batches N (BENCH_METRICS_BATCHES, 2)
 *   --cpu-ms-per-invocation X (BENCH_CPU_MS_PER_INVOCATION, 2)
 *   --cpu-ms-per-email X (BENCH_CPU_MS_PER_EMAIL, 1)
 */
import { rmSync } from "node:fs";
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
	// https://developers.cloudflare.com/durable-objects/platform/pricing/: requests (HTTP, RPC
	// calls, alarms) $0.15 per million beyond 1 M/month; duration ($12.50 per M GB-s) left out.
	durableObjectRequestsPerMillion: 0.15,
} as const;

const BATCH_SIZE = 100; // POST /emails/batch's maximum
const MAX_EMAILS_PER_PATH = 10_000; // what the simulator keeps
const LOAD_TIMEOUT_MS = 120_000;
const DRAIN_TIMEOUT_MS = 120_000;
const RUN_TIMEOUT_MS = 5 * 60_000;
const SES_MAX_SEND_RATE = "1000";
const STATE_DIR = ".wrangler/bench-state";

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
		"metrics-singles": { type: "string" },
		"metrics-batches": { type: "string" },
		"cpu-ms-per-invocation": { type: "string" },
		"cpu-ms-per-email": { type: "string" },
	},
	strict: true,
});

function option(flag: keyof typeof flags, envName: string, fallback: number, max: number): number {
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
	port: 8797,
	simulatorPort: 8798,
};

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
	rmSync(STATE_DIR, { recursive: true, force: true });
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

const watchdog = setTimeout(() => {
	console.error(`bench: over its ${RUN_TIMEOUT_MS / 60_000}-minute budget; stopping.`);
	interrupted = true;
	void stopStack().finally(() => process.exit(1));
}, RUN_TIMEOUT_MS);
watchdog.unref();

// --- Load -----------------------------------------------------------------------------------

interface LoadResult {
	ok: number;
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
		ok: 0,
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
				if (response.ok) {
					result.ok += 1;
					onAccepted?.(i, body);
					result.firstOkAt ??= performance.now();
				} else {
					result.failures.push(`${response.status} ${body.slice(0, 200)}`);
				}
			} catch (error) {
				result.failures.push(String(error));
			}
		}
	}
	await Promise.all(Array.from({ length: Math.min(config.concurrency, count) }, lane));
	result.seconds = (performance.now() - started) / 1000;
	return result;
}

function email(to: string) {
	return {
		from: `Bench <bench@${DEMO.domain}>`,
		to,
		subject: "SendFleet benchmark",
		html: "<p>Hello from the benchmark.</p>",
		text: "Hello from the benchmark.",
	};
}

function post(s: LocalStack, path: string, body: unknown): Promise<Response> {
	return fetch(`${s.apiUrl}${path}`, {
		method: "POST",
		headers: { authorization: `Bearer ${s.apiKey}`, "content-type": "application/json" },
		body: JSON.stringify(body),
		signal: AbortSignal.timeout(30_000),
	});
}

/** Email ids by recipient, to say where an email that never arrived got stuck. */
const acceptedIds = new Map<string, string>();

const sendSingles = (s: LocalStack, prefix: string, count: number) =>
	load(
		count,
		(i) => post(s, "/emails", email(`${prefix}-${i}@example.org`)),
		(i, body) =>
			acceptedIds.set(`${prefix}-${i}@example.org`, (JSON.parse(body) as { id: string }).id),
	);

const sendBatches = (s: LocalStack, prefix: string, count: number) =>
	load(count, (b) =>
		post(
			s,
			"/emails/batch",
			Array.from({ length: BATCH_SIZE }, (_, i) =>
				email(`${prefix}-${b * BATCH_SIZE + i}@example.org`),
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
		missing.slice(0, 3).map(async ([, id]) => {
			const response = await fetch(`${s.apiUrl}/emails/${id}`, {
				headers: { authorization: `Bearer ${s.apiKey}` },
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

function check(label: string, result: LoadResult, expected: number) {
	if (result.failures.length) {
		problems.push(`${label}: ${result.failures.length} failed, e.g. ${result.failures[0]}`);
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

	// Warm-up: JIT, D1 file and queue consumer, then a clean inbox.
	await load(50, () => fetch(`${s.apiUrl}/`));
	const warm = await sendSingles(s, "warm", 50);
	check("warm-up", warm, 50);
	await waitFor(() => delivered(s, "warm") >= 50);
	s.simulator.store.clearMessages();

	const bare = await load(config.singles, () =>
		fetch(`${s.apiUrl}/`, { signal: AbortSignal.timeout(30_000) }),
	);
	check("bare GET /", bare, config.singles);

	const single = await sendSingles(s, "single", config.singles);
	check("POST /emails", single, config.singles);
	const singleEndToEnd = await endToEnd(s, "single", single, single.ok);
	s.simulator.store.clearMessages();

	const batch = await sendBatches(s, "batch", config.batches);
	check("POST /emails/batch", batch, config.batches);
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
	prefix: string,
	emails: number,
	send: () => Promise<LoadResult>,
	requests: number,
): Promise<Usage | undefined> {
	await metrics(s, true);
	const result = await send();
	check(`metrics ${prefix}`, result, requests);
	// Drained: every email in the simulator and every queue message acked (the consumer acks
	// after its D1 write, so the counters are final).
	let last: MetricsTotals | undefined;
	const drained = await waitFor(async () => {
		if (delivered(s, prefix) < emails) return false;
		last = await metrics(s);
		return last.queue.acked >= last.queue.written;
	});
	if (drained === undefined || last === undefined) {
		problems.push(`metrics ${prefix}: the queue did not drain in ${DRAIN_TIMEOUT_MS / 1000} s`);
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
				"msingle",
				config.metricsSingles,
				() => sendSingles(s, "msingle", config.metricsSingles),
				config.metricsSingles,
			)
		: undefined;
	const batch = config.metricsBatches
		? await measureUsage(
				s,
				"mbatch",
				config.metricsBatches * BATCH_SIZE,
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

	console.log(`
SendFleet benchmark: local stack on 127.0.0.1 (wrangler dev, local D1 and Queues, SES simulator)
  ${config.concurrency} requests in flight; SES_MAX_SEND_RATE=${SES_MAX_SEND_RATE} so end to end measures our pipeline, not SES's pacing.

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
			fixed(p.doCalls, 0),
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
  DO calls: 0, as SendFleet has no Durable Object yet (the per-account guard of SPEC §8 comes later).
  Invocations = Worker requests + queue consumer batches, each counted as a billed request.

Cloudflare cost per million emails (list prices read 2026-11-26, marginal rates beyond the
included usage; the $5/month Workers Paid minimum, D1 storage and SES itself are left out)
${table(costRows)}
  Prices: Workers $${PRICES.workerRequestsPerMillion}/M requests and $${PRICES.cpuMsPerMillion}/M CPU-ms, D1 $${PRICES.d1RowsReadPerMillion}/M rows read and $${PRICES.d1RowsWrittenPerMillion.toFixed(2)}/M rows written,
  Queues $${PRICES.queueOperationsPerMillion}/M operations, Durable Objects $${PRICES.durableObjectRequestsPerMillion}/M requests.
  * CPU time cannot be measured locally: assumed ${config.cpuMsPerInvocation} ms per invocation + ${config.cpuMsPerEmail} ms per email sent
    (--cpu-ms-per-invocation, --cpu-ms-per-email); each 1 ms per email adds $${PRICES.cpuMsPerMillion} per million emails.`);
}

// --- Main -----------------------------------------------------------------------------------

try {
	console.log(
		`SendFleet benchmark: ${config.singles} singles and ${config.batches} batches of ${BATCH_SIZE} (throughput), ${config.metricsSingles} singles and ${config.metricsBatches} batch(es) (usage).`,
	);
	const a = await phaseA();
	const b = await phaseB();
	report(a, b);
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
