/**
 * Phases A and B, each on a fresh stack seeded with the benchmark accounts. A: throughput on
 * the product entry (wrangler.toml's main, no counters), a bare endpoint and then the two send
 * paths, and end to end until the simulator holds every email. B: a smaller run of each path on
 * the metered entry (bench/worker.ts), drained until every queue message is acked, for the
 * usage per email.
 */
import type { MetricsTotals } from "../../bench/metrics.ts";
import type { LocalStack } from "../local-stack.ts";
import { STATE_DIR, seedBenchAccounts, warmUpSingles } from "./accounts.ts";
import {
	delivered,
	type LoadResult,
	load,
	missingStatuses,
	sendBatches,
	sendSingles,
	waitFor,
} from "./load.ts";
import { BATCH_SIZE, config, DRAIN_TIMEOUT_MS, METERED_ENTRY } from "./options.ts";
import { check, problems } from "./outcome.ts";
import { metrics, startStack, stopStack, throwIfInterrupted } from "./stack.ts";

/** A stack on a fresh state folder holding the benchmark accounts. */
function startSeededStack(entry?: string): Promise<LocalStack> {
	throwIfInterrupted();
	seedBenchAccounts();
	return startStack({ persistTo: STATE_DIR, entry });
}

// --- Phase A: throughput, product entry ---------------------------------------------------

export interface Throughput {
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

export async function phaseA(): Promise<Throughput> {
	console.log("Phase A: throughput (metrics off). Starting the local stack…");
	const s = await startSeededStack();

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

// --- Phase B: usage per email, metered entry ----------------------------------------------

export interface Usage {
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

export async function phaseB(): Promise<{ single?: Usage; batch?: Usage }> {
	console.log("Phase B: usage per email (metrics on). Restarting the local stack…");
	const s = await startSeededStack(METERED_ENTRY);
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
