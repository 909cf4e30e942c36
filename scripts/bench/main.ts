/**
 * `npm run bench`: SendFleet's throughput and its Cloudflare bill per email, on this machine.
 *
 * Runs the local stack (scripts/local-stack.ts: wrangler dev and the SES simulator, loopback
 * only) once per phase, each time on a fresh state folder so runs are comparable:
 *
 * - Phase A, metrics off (scripts/bench/throughput.ts): the product entry, wrangler.toml's main
 *   (src/index.ts), exactly as deployed. A bare endpoint (`GET /`, no auth, no D1) and then
 *   `POST /emails` and `POST /emails/batch` under the same client concurrency, so accepted
 *   emails/s can be read as a ratio to what the same Worker does with no work at all; then end
 *   to end, from the first accepted request until the simulator holds every email. Then, on a
 *   fresh stack, the request path alone (bench/request-path.ts: the send queues' consumers
 *   acknowledge their messages unsent, so no SES call and no notification shares the machine):
 *   a bare endpoint and singles again.
 * - Every phase runs wrangler dev without its local trace store (X_LOCAL_OBSERVABILITY=false):
 *   a dev-only collector on the Worker's own thread, not part of what is deployed.
 * - Phase B, metrics on (scripts/bench/usage.ts): the metered entry, bench/worker.ts (the
 *   product Worker wrapped by bench/metrics/, with the same wrangler.toml). A smaller run of
 *   each path, drained until every queue message is acked, then D1 statements, rows read and
 *   written (D1's own result metadata), queue operations and Durable Object calls per email,
 *   and the cost per million emails at the list prices in scripts/bench/prices.ts. Counting
 *   runs read queries twice, which is why throughput comes from phase A. One of its runs sends
 *   singles each carrying one 100 KB attachment (`content`, base64), for what an attachment
 *   costs: R2 operations counted by method (a put at acceptance, a get at the send), 90 days of
 *   storage, the purge's lists (src/cron/purge-attachments.ts) and the D1 rows it adds.
 * - Phase C, the retention purge (src/cron/purge.ts) over a million expired rows
 *   (scripts/bench/purge.ts): a fresh state folder seeded with `wrangler d1 execute`
 *   (recursive-CTE INSERT … SELECT, before wrangler dev starts), then the five-minute cron
 *   fired through `wrangler dev --test-scheduled` (`GET /__scheduled`) on the metered entry
 *   until the purge reports `finished`. The Worker logs each run's report (`purge: {…}`), read
 *   back from wrangler's log file (WRANGLER_LOG_PATH); D1 statements per invocation come from
 *   /__metrics. Afterwards every row still inside its retention must be there and nothing
 *   expired may be.
 *
 * - Phase D, the whole lifecycle (scripts/bench/lifecycle.ts), metered entry: singles and then
 *   batches of 100 to addresses SES answers with a Delivery, a Bounce (2%) or a Delivery and a
 *   Complaint (0.05%) (scripts/bench/lifecycle-mix.ts), drained until every email is `sent` or
 *   `failed` and every SNS notification about them is answered; priced per million emails next
 *   to phase B's table (Worker requests by entry point, CPU as estimated, D1 rows, queue
 *   operations, Durable Object requests and the guard's SQLite rows), with the D1 rows written
 *   per email split into accept, send and notification (scripts/bench/lifecycle-report.ts). Then
 *   singles one at a time with the `x-bench-trace` header (scripts/bench/call-trace.ts): the D1,
 *   Durable Object and queue calls on the path of `POST /emails` and the longest chain of them
 *   made one after another (scripts/bench/call-chain.ts).
 * - Phase E, fairness (scripts/bench/fairness.ts), product entry: one account's backlog of
 *   --fairness-batches batches of 100, then one single from another account; seconds from its
 *   200 until the simulator holds it ("> 120 s" past the bound). Then a campaign of 1,000 from a
 *   third account on another bulk queue: seconds until the simulator holds all of it.
 * - Phase F, the email log (scripts/bench/email-log.ts), product entry: GET /emails unfiltered
 *   and with each dashboard filter, for an account with 1,000 emails and one with 1,000,000
 *   (seeded with `wrangler d1 execute` like phase C), the median time of each and their ratio.
 *
 * Phases A and B send as many benchmark accounts, in turn (round-robin), not as the one demo
 * account: each account's request rate is limited by its own Durable Object (src/middleware/
 * rate-limit.ts, src/durable-objects/account-guard.ts; Pro: bursts of 200 requests refilled at
 * 50/s, src/domain/plans.ts), and real traffic from many customers spreads over many accounts
 * too (scripts/bench/accounts.ts). By default there are enough that no account gets more than
 * half a burst of send requests in a run, so none depends on the refill rate however fast this
 * machine is. Every answer is counted by HTTP status: a 429 (or any other refusal) is printed,
 * never silently left out of the accepted figures.
 *
 * Bounded: at most 10,000 emails per path, 120 s per load or drain, 10 minutes for phases A
 * and B, 8 for D, 5 for E (its single waited for 120 s at most), 8 for F; phase C stops after
 * 10 minutes or --purge-max-invocations runs, whichever comes first.
 * Prints tables; asserts nothing about timing. Options (flag or environment variable):
 *   --phases LIST (BENCH_PHASES, "send,lifecycle,fairness,log,purge", all of them, 6 to 9
 *     minutes on 2 cores: "send" is phases A and B, "lifecycle" D, "fairness" E, "log" F,
 *     "purge" C, which runs last)
 *   --lifecycle-singles N (BENCH_LIFECYCLE_SINGLES, 2000)   --lifecycle-batches N
 *     (BENCH_LIFECYCLE_BATCHES, 20, of 100 emails)   --trace-singles N (BENCH_TRACE_SINGLES, 50)
 *   --fairness-batches N (BENCH_FAIRNESS_BATCHES, 100, of 100 emails, from one account)
 *   --log-emails N (BENCH_LOG_EMAILS, 1000000)   --log-small-emails N (BENCH_LOG_SMALL_EMAILS,
 *     1000)   --log-requests N (BENCH_LOG_REQUESTS, 15: requests per query, the median printed)
 *   --log-adversarial-emails N (BENCH_LOG_ADVERSARIAL_EMAILS, 100000: a third account, 99.9% of
 *     its emails canceled, where `status=sent` and `last_event=delivered` read past them; 0: none)
 *   --log-run N (BENCH_LOG_RUN, 64: the seeded emails stored as runs of 64, as batches store
 *     them; 1: each alone, as singles)
 *   --singles N (BENCH_SINGLES, 2000)   --batches N (BENCH_BATCHES, 20, of 100 emails)
 *   --concurrency N (BENCH_CONCURRENCY, 24)
 *   --accounts N (BENCH_ACCOUNTS: at least 32, more when the phase A load would give an account
 *     over half a burst)
 *   --metrics-singles N (BENCH_METRICS_SINGLES, 200)  --metrics-batches N (BENCH_METRICS_BATCHES, 2)
 *   --metrics-attachments N (BENCH_METRICS_ATTACHMENTS, 100: singles with a 100 KB attachment)
 *   --cpu-ms-per-invocation X (BENCH_CPU_MS_PER_INVOCATION, 2)
 *   --cpu-ms-per-email X (BENCH_CPU_MS_PER_EMAIL, 1)
 *   --purge-emails N (BENCH_PURGE_EMAILS, 250000: with 3 events each and the other tables,
 *     about 1.08 million expired rows)   --purge-max-invocations N (BENCH_PURGE_MAX_INVOCATIONS, 100)
 *   --port N (PORT, 8797)   --simulator-port N (SIMULATOR_PORT, 8798): the Worker's and the
 *     simulator's loopback ports, apart from npm start's 8787 and 8788 by default
 */
import { accounts } from "./accounts.ts";
import { emailLogReport, phaseF } from "./email-log.ts";
import { fairnessReport, phaseE } from "./fairness.ts";
import { phaseD } from "./lifecycle.ts";
import { lifecycleReport } from "./lifecycle-report.ts";
import { BATCH_SIZE, config, PRO_LIMITS } from "./options.ts";
import { fixed, problems } from "./outcome.ts";
import { phaseC, purgeReport } from "./purge.ts";
import { report } from "./report.ts";
import { guardRun, stopStack } from "./stack.ts";
import { phaseA } from "./throughput.ts";
import { type PhaseB, phaseB } from "./usage.ts";

const watchdog = guardRun();
/** Phase B's usage, which the lifecycle table prints its own next to. */
let b: PhaseB | undefined;
try {
	if (config.phases.has("send")) {
		console.log(
			`SendFleet benchmark: ${config.singles} singles and ${config.batches} batches of ${BATCH_SIZE} (throughput), ${config.metricsSingles} singles and ${config.metricsBatches} batch(es) (usage),
  round-robin over ${fixed(accounts.length)} benchmark accounts (per-account rate limits: Pro allows bursts of ${PRO_LIMITS.requestBurst}, refilled at ${PRO_LIMITS.requestsPerSecond}/s).`,
		);
		const a = await phaseA();
		b = await phaseB();
		report(a, b);
	}
	if (config.phases.has("lifecycle")) lifecycleReport(await phaseD(), b);
	if (config.phases.has("fairness")) {
		const fairness = await phaseE();
		if (fairness) fairnessReport(fairness);
	}
	if (config.phases.has("log")) {
		const log = await phaseF();
		if (log) emailLogReport(log);
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
