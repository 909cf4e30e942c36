/**
 * Phase A, throughput, on a fresh stack seeded with the benchmark accounts: the product entry
 * (wrangler.toml's main, no counters), a bare endpoint and then the two send paths, and end to
 * end until the simulator holds every email. Then, on another fresh stack, the request path
 * alone (bench/request-path.ts: the send queues' consumers off): a bare endpoint and singles
 * again, for the ratio of what the send path itself does.
 */
import type { LocalStack } from "../local-stack.ts";
import { startSeededStack, warmUpSingles } from "./accounts.ts";
import {
	delivered,
	type LoadResult,
	load,
	missingStatuses,
	sendBatches,
	sendSingles,
	waitFor,
} from "./load.ts";
import { BATCH_SIZE, config, DRAIN_TIMEOUT_MS, REQUEST_PATH_ENTRY } from "./options.ts";
import { check, problems } from "./outcome.ts";
import { stopStack } from "./stack.ts";

export interface Throughput {
	bare: LoadResult;
	/** The request path alone: its own bare endpoint and singles. */
	requestPath: { bare: LoadResult; single: LoadResult };
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
	const warm = await warmUp(s, "");
	await waitFor(() => delivered(s, "warm") >= warm.ok);
	s.simulator.store.clearMessages();

	const bare = await bareLoad(s, "");

	const single = await sendSingles(s, "single", config.singles);
	check("A POST /emails", single, config.singles);
	const singleEndToEnd = await endToEnd(s, "single", single, single.ok);
	s.simulator.store.clearMessages();

	const batch = await sendBatches(s, "batch", config.batches);
	check("A POST /emails/batch", batch, config.batches);
	const batchEndToEnd = await endToEnd(s, "batch", batch, batch.ok * BATCH_SIZE);

	await stopStack();
	const requestPath = await requestPathAlone();
	return { bare, requestPath, single, singleEndToEnd, batch, batchEndToEnd };
}

async function requestPathAlone() {
	console.log("Phase A: the request path alone (send consumers off). Starting the local stack…");
	const s = await startSeededStack(REQUEST_PATH_ENTRY);
	await warmUp(s, " (request path)");
	const bare = await bareLoad(s, " (request path)");
	const single = await sendSingles(s, "alone", config.singles);
	check("A POST /emails (request path)", single, config.singles);
	await stopStack();
	return { bare, single };
}

/** Warms the JIT, the D1 file and every account's guard: bare requests, then a few singles. */
async function warmUp(s: LocalStack, label: string) {
	await load(50, () => fetch(`${s.apiUrl}/`));
	const warm = await sendSingles(s, "warm", warmUpSingles);
	check(`A warm-up POST /emails${label}`, warm, warmUpSingles);
	return warm;
}

/** The bare endpoint (`GET /`: no auth, no D1) under the singles' load. */
async function bareLoad(s: LocalStack, label: string) {
	const bare = await load(config.singles, () =>
		fetch(`${s.apiUrl}/`, { signal: AbortSignal.timeout(30_000) }),
	);
	check(`A bare GET /${label}`, bare, config.singles);
	return bare;
}
