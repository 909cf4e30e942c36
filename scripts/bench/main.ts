/**
 * `npm run bench`: SendFleet's throughput and its Cloudflare bill per email, on this machine.
 *
 * Runs the local stack (scripts/local-stack.ts: wrangler dev and the SES simulator, loopback
 * only) once per phase, each time on a fresh state folder so runs are comparable:
 *
 * - Phase A, metrics off (scripts/bench/phases.ts): the product entry, wrangler.toml's main
 *   (src/index.ts), exactly as deployed. A bare endpoint (`GET /`, no auth, no D1) and then
 *   `POST /emails` and `POST /emails/batch` under the same client concurrency, so accepted
 *   emails/s can be read as a ratio to what the same Worker does with no work at all; then end
 *   to end, from the first accepted request until the simulator holds every email.
 * - Phase B, metrics on (scripts/bench/phases.ts): the metered entry, bench/worker.ts (the
 *   product Worker wrapped by bench/metrics.ts, with the same wrangler.toml). A smaller run of
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
 * and B; phase C stops after 10 minutes or --purge-max-invocations runs, whichever comes first.
 * Prints tables; asserts nothing about timing. Options (flag or environment variable):
 *   --phases LIST (BENCH_PHASES, "send,purge": "send" is phases A and B, "purge" phase C)
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
import { BATCH_SIZE, config, PRO_LIMITS } from "./options.ts";
import { fixed, problems } from "./outcome.ts";
import { phaseA, phaseB } from "./phases.ts";
import { phaseC, purgeReport } from "./purge.ts";
import { report } from "./report.ts";
import { guardRun, stopStack } from "./stack.ts";

const watchdog = guardRun();
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
