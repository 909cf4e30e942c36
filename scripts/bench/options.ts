/**
 * The benchmark's bounds and options: the fixed limits every phase keeps to, and the flags and
 * BENCH_* environment variables (listed in scripts/bench/main.ts) parsed once, at start.
 */
import { parseArgs } from "node:util";
import { PLAN_LIMITS } from "../../src/domain/plans.ts";

export const BATCH_SIZE = 100; // POST /emails/batch's maximum (MAX_BATCH_SIZE, src/routes/emails/schemas.ts)
export const MAX_EMAILS_PER_PATH = 10_000; // what the simulator keeps
export const LOAD_TIMEOUT_MS = 120_000;
export const DRAIN_TIMEOUT_MS = 120_000;
export const RUN_TIMEOUT_MS = 10 * 60_000;
export const PURGE_TIMEOUT_MS = 10 * 60_000;
/** The lifecycle phase (D), the fairness phase (E) and the email log phase (F), each. */
export const LIFECYCLE_TIMEOUT_MS = 8 * 60_000;
export const FAIRNESS_TIMEOUT_MS = 5 * 60_000;
export const LOG_TIMEOUT_MS = 8 * 60_000;
/** How long the fairness probe may take to reach SES before the figure is "> 120 s". */
export const FAIRNESS_PROBE_TIMEOUT_MS = 120_000;
export const SES_MAX_SEND_RATE = "1000";
/** The Worker entry with usage counters (phases B and C); phase A runs wrangler.toml's main. */
export const METERED_ENTRY = "bench/worker.ts";
/** The product Worker with its send queues' consumers off: the request path alone (phase A). */
export const REQUEST_PATH_ENTRY = "bench/request-path.ts";
/**
 * The Pro plan's request rate, which every benchmark account has; check() compares its burst
 * with the `ratelimit-limit` header the API answers. src/domain/plans.ts loads under Node's
 * type stripping because it imports nothing but types.
 */
export const PRO_LIMITS = PLAN_LIMITS.pro;
/** Warm-up singles of phase A (at least one per account, so every guard exists beforehand). */
export const WARM_UP_SINGLES = 50;
/** The attachment of phase B's attachment run: 100 KB (decimal, as R2 bills GB) of bytes. */
export const ATTACHMENT_BYTES = 100_000;
/** The HTML of the receipt-body run (a 20 KB transactional email, scripts/bench/load.ts). */
export const RECEIPT_HTML_BYTES = 20_000;

const { values: flags } = parseArgs({
	options: {
		singles: { type: "string" },
		batches: { type: "string" },
		concurrency: { type: "string" },
		accounts: { type: "string" },
		"metrics-singles": { type: "string" },
		"metrics-batches": { type: "string" },
		"metrics-attachments": { type: "string" },
		"cpu-ms-per-invocation": { type: "string" },
		"cpu-ms-per-email": { type: "string" },
		"purge-emails": { type: "string" },
		"lifecycle-singles": { type: "string" },
		"lifecycle-batches": { type: "string" },
		"trace-singles": { type: "string" },
		"fairness-batches": { type: "string" },
		"log-emails": { type: "string" },
		"log-small-emails": { type: "string" },
		"log-requests": { type: "string" },
		"log-adversarial-emails": { type: "string" },
		"log-run": { type: "string" },
		"purge-max-invocations": { type: "string" },
		port: { type: "string" },
		"simulator-port": { type: "string" },
		phases: { type: "string" },
	},
	strict: true,
});

function logRunOption(): number {
	const run = option("log-run", "BENCH_LOG_RUN", 64, 64);
	if (!Number.isInteger(run) || run < 1 || 4096 % run !== 0) {
		throw new Error(`--log-run (BENCH_LOG_RUN) must be 1, 2, 4, … or 64, not ${run}`);
	}
	return run;
}

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

/** What a run without --phases runs: all of them, 6 to 9 minutes on a 2-core machine (2026-11-29). */
const DEFAULT_PHASES = ["send", "lifecycle", "fairness", "log", "purge"];

function phasesOption(): Set<string> {
	const known = ["send", "lifecycle", "fairness", "log", "purge"];
	const raw = flags.phases ?? process.env.BENCH_PHASES ?? DEFAULT_PHASES.join(",");
	const phases = new Set(raw.split(",").map((p) => p.trim()));
	for (const p of phases) {
		if (!known.includes(p)) throw new Error(`--phases (BENCH_PHASES): unknown phase "${p}"`);
	}
	return phases;
}

const singles = Math.floor(option("singles", "BENCH_SINGLES", 2000, MAX_EMAILS_PER_PATH));
const batches = Math.floor(
	option("batches", "BENCH_BATCHES", 20, MAX_EMAILS_PER_PATH / BATCH_SIZE),
);

export const config = {
	singles,
	batches,
	concurrency: Math.max(1, Math.floor(option("concurrency", "BENCH_CONCURRENCY", 24, 256))),
	metricsSingles: Math.floor(option("metrics-singles", "BENCH_METRICS_SINGLES", 200, 2000)),
	metricsBatches: Math.floor(option("metrics-batches", "BENCH_METRICS_BATCHES", 2, 20)),
	metricsAttachments: Math.floor(
		option("metrics-attachments", "BENCH_METRICS_ATTACHMENTS", 100, 1000),
	),
	cpuMsPerInvocation: option("cpu-ms-per-invocation", "BENCH_CPU_MS_PER_INVOCATION", 2, 1000),
	cpuMsPerEmail: option("cpu-ms-per-email", "BENCH_CPU_MS_PER_EMAIL", 1, 1000),
	purgeEmails: Math.floor(option("purge-emails", "BENCH_PURGE_EMAILS", 250_000, 2_000_000)),
	/**
	 * The lifecycle phase's singles and batches: 2,000 emails each so that the 0.05% complaint
	 * share is one whole email (scripts/bench/lifecycle-mix.ts).
	 */
	lifecycleSingles: Math.floor(
		option("lifecycle-singles", "BENCH_LIFECYCLE_SINGLES", 2000, MAX_EMAILS_PER_PATH),
	),
	lifecycleBatches: Math.floor(
		option("lifecycle-batches", "BENCH_LIFECYCLE_BATCHES", 20, MAX_EMAILS_PER_PATH / BATCH_SIZE),
	),
	/** Singles sent one at a time with the trace header, for the remote calls on the path. */
	traceSingles: Math.floor(option("trace-singles", "BENCH_TRACE_SINGLES", 50, 1000)),
	/** The fairness phase's backlog: batches of 100 from one account. */
	fairnessBatches: Math.floor(
		option("fairness-batches", "BENCH_FAIRNESS_BATCHES", 100, MAX_EMAILS_PER_PATH / BATCH_SIZE),
	),
	/** The email log phase: the large and the small account's emails, and requests per query. */
	logEmails: Math.floor(option("log-emails", "BENCH_LOG_EMAILS", 1_000_000, 5_000_000)),
	logSmallEmails: Math.floor(option("log-small-emails", "BENCH_LOG_SMALL_EMAILS", 1000, 100_000)),
	logRequests: Math.max(1, Math.floor(option("log-requests", "BENCH_LOG_REQUESTS", 15, 1000))),
	/**
	 * Emails per run in the seeded log (src/db/queries/email-runs.ts): 64, as batches store
	 * them, or 1, as singles do. A divisor of 4,096, so a run's ids share a millisecond.
	 */
	logRun: logRunOption(),
	/** A third account whose emails are almost all canceled: the partial list indexes' worst case. */
	logAdversarialEmails: Math.floor(
		option("log-adversarial-emails", "BENCH_LOG_ADVERSARIAL_EMAILS", 100_000, 5_000_000),
	),
	purgeMaxInvocations: Math.max(
		1,
		Math.floor(option("purge-max-invocations", "BENCH_PURGE_MAX_INVOCATIONS", 100, 1000)),
	),
	phases: phasesOption(),
	/**
	 * Enough accounts that phase A, the larger load, gives none more than half a burst of send
	 * requests: the run then never depends on the refill rate, however fast this machine is.
	 */
	accounts: Math.max(
		1,
		Math.floor(
			option(
				"accounts",
				"BENCH_ACCOUNTS",
				Math.max(
					32,
					Math.ceil((WARM_UP_SINGLES + singles + batches) / (PRO_LIMITS.requestBurst / 2)),
				),
				1000,
			),
		),
	),
	// Not npm start's 8787/8788, so the two can run side by side.
	port: Math.floor(option("port", "PORT", 8797, 65_535)),
	simulatorPort: Math.floor(option("simulator-port", "SIMULATOR_PORT", 8798, 65_535)),
};
