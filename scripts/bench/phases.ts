/**
 * Phases A and B, each on a fresh stack seeded with the benchmark accounts. A: throughput on
 * the product entry (wrangler.toml's main, no counters), a bare endpoint and then the two send
 * paths, and end to end until the simulator holds every email. B: a smaller run of each path on
 * the metered entry (bench/worker.ts), singles with one 100 KB attachment each, then singles
 * again from accounts with one webhook endpoint each (scripts/bench/webhooks.ts), each drained until its emails are in the
 * simulator, the SNS notifications (SES events) the simulator posts about them have been
 * answered, every queue message is acked and the counters stand still, for the usage per email.
 */
import type { MetricsTotals } from "../../bench/metrics/totals.ts";
import type { LocalStack } from "../local-stack.ts";
import { STATE_DIR, seedBenchAccounts, warmUpSingles, webhookAccounts } from "./accounts.ts";
import {
	attachmentOf,
	delivered,
	type LoadResult,
	load,
	missingStatuses,
	receiptBodies,
	sendBatches,
	sendSingles,
	waitFor,
} from "./load.ts";
import {
	ATTACHMENT_BYTES,
	BATCH_SIZE,
	config,
	DRAIN_TIMEOUT_MS,
	METERED_ENTRY,
	RECEIPT_HTML_BYTES,
} from "./options.ts";
import { check, problems } from "./outcome.ts";
import {
	EVERY_MINUTE,
	fireCron,
	metrics,
	startStack,
	stopStack,
	TALLY_NOW_VARS,
	throwIfInterrupted,
} from "./stack.ts";
import {
	connectBenchWebhooks,
	type ReceiverTally,
	receiverTally,
	type SnsTally,
	snsQuiet,
	snsSeen,
	snsTally,
} from "./webhooks.ts";

/** A stack on a fresh state folder holding the benchmark accounts. */
function startSeededStack(entry?: string, vars?: Record<string, string>): Promise<LocalStack> {
	throwIfInterrupted();
	seedBenchAccounts();
	return startStack({ persistTo: STATE_DIR, entry, vars });
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
	/** The SNS notifications (SES events) the simulator posted to the Worker meanwhile. */
	sns: SnsTally;
	/** What the benchmark's webhook receivers got (the "one webhook endpoint" measurement). */
	webhooks?: ReceiverTally;
}

/** How long the counters must stand still before a drained measurement is read. */
const SETTLE_MS = 1_000;
/** Runs of a measurement when wrangler dev reloads the Worker (and its counters) meanwhile. */
const MAX_RUNS = 3;

/**
 * Runs notes: wrangler dev reloads the Worker when a source file changes, which zeroes the
 * counters (they live in the isolate); a run that saw one is discarded and run again.
 */
export const reloads: string[] = [];

interface Measurement {
	label: string;
	prefix: string;
	emailsPerRequest: number;
	/** Sends the run's requests, recipients named `<prefix>-<n>@…`. */
	send: (prefix: string) => Promise<LoadResult>;
	requests: number;
	withWebhooks?: boolean;
}

/** One measurement, run again (new recipients) when the Worker reloaded during it. */
async function measureUsage(s: LocalStack, m: Measurement): Promise<Usage | undefined> {
	for (let run = 1; ; run++) {
		const label = run === 1 ? m.label : `${m.label} (run ${run})`;
		const prefix = run === 1 ? m.prefix : `${m.prefix}${run}`;
		const firstProblem = problems.length;
		const usage = await measureOnce(s, { ...m, label, prefix });
		if (usage !== "reloaded") return usage;
		// What went wrong in a discarded run is the reload's doing: noted, not a failure.
		const lost = problems.splice(firstProblem);
		reloads.push(
			`${label}: the Worker reloaded (a source file changed), counters lost; ${run < MAX_RUNS ? "run again" : "given up"}${lost.length ? ` (${lost.join("; ")})` : ""}`,
		);
		if (run >= MAX_RUNS) {
			problems.push(`${m.label}: the Worker reloaded during each of ${MAX_RUNS} runs`);
			return undefined;
		}
		// Let what the discarded run queued (consumer batches, webhook posts) finish first.
		await new Promise((r) => setTimeout(r, 5_000));
	}
}

async function measureOnce(s: LocalStack, m: Measurement): Promise<Usage | "reloaded" | undefined> {
	const { label, prefix, withWebhooks = false } = m;
	const snsBefore = snsSeen(s);
	if (withWebhooks) s.simulator.webhooks.clearDeliveries();
	// Before the counters start: the minute's tally's cursor at the present, so the run's emails
	// are the tally's (it counts their figures, and keeps those on their way out of the list's
	// state index until it passes them), and once the run is drained it tallies them.
	await fireCron(s, EVERY_MINUTE);
	const { since } = await metrics(s, true);
	const started = performance.now();
	const result = await m.send(prefix);
	check(label, result, m.requests);
	// Per email means per accepted email: refusals are reported by check(), not averaged in.
	const emails = result.ok * m.emailsPerRequest;
	if (emails === 0) return (await metrics(s)).since === since ? undefined : "reloaded";
	// Drained: every email in the simulator; every SNS notification the simulator posts about
	// them answered (what /hooks/sns does with them counts, and none is left to land in the next
	// measurement); every queue message acked (consumers ack after their D1 writes and webhook
	// posts, so the receivers have what was delivered); then the counters and the receivers
	// unchanged for SETTLE_MS, for work a request left running (waitUntil).
	let last: MetricsTotals | undefined;
	let seen = "";
	let stillSince = 0;
	let tallied = false;
	const drained = await waitFor(async () => {
		if (delivered(s, prefix) < emails || !snsQuiet(s)) return false;
		if (!tallied) {
			await fireCron(s, EVERY_MINUTE);
			tallied = true;
		}
		last = await metrics(s);
		if (last.since !== since) return true;
		if (last.queue.acked < last.queue.written) return false;
		const now = JSON.stringify([last, withWebhooks ? receiverTally(s).deliveries : 0]);
		if (now !== seen) {
			seen = now;
			stillSince = performance.now();
			return false;
		}
		return performance.now() - stillSince >= SETTLE_MS;
	});
	const took = `${((performance.now() - started) / 1000).toFixed(1)} s`;
	if (last !== undefined && last.since !== since) {
		console.log(`  ${label}: the Worker reloaded meanwhile (${took})`);
		return "reloaded";
	}
	console.log(
		`  ${label}: ${emails} emails, ${drained === undefined ? "not drained" : "drained"} after ${took}`,
	);
	if (drained === undefined || last === undefined) {
		const q = last?.queue;
		problems.push(
			`${label}: did not drain in ${DRAIN_TIMEOUT_MS / 1000} s (${delivered(s, prefix)} of ${emails} emails in the simulator, ${s.simulator.sns.pending().length} SNS notifications queued${q ? `, ${q.acked} of ${q.written} queue messages acked` : ""})`,
		);
		return undefined;
	}
	const sns = snsTally(s, snsBefore);
	if (sns.failed) problems.push(`${label}: ${sns.failed} SNS notifications refused by the Worker`);
	if (!withWebhooks) return { emails, totals: last, sns };
	const webhooks = receiverTally(s);
	if (webhooks.deliveries < emails) {
		problems.push(
			`${label}: the receivers got ${webhooks.deliveries} deliveries for ${emails} emails`,
		);
	}
	const refused = [...webhooks.statuses].filter(([status]) => status !== 200);
	if (refused.length) {
		problems.push(
			`${label}: receivers answered ${refused.map(([status, n]) => `${status} ×${n}`).join(", ")}`,
		);
	}
	return { emails, totals: last, sns, webhooks };
}

export interface PhaseB {
	single?: Usage;
	batch?: Usage;
	/** Singles each carrying one ATTACHMENT_BYTES attachment (`content`, base64). */
	attachment?: Usage;
	/**
	 * The same number of plain singles from the same accounts just before, what the attachment
	 * run is compared with: the first run (`single`) also pays each account's first-send rows.
	 */
	attachmentBaseline?: Usage;
	/** Singles with RECEIPT_HTML_BYTES of HTML and its text: what D1 stores of a real body. */
	receipt?: Usage;
	/** Singles from accounts with one webhook endpoint each. */
	webhookSingle?: Usage;
	/** Batches from those accounts. */
	webhookBatch?: Usage;
}

export async function phaseB(): Promise<PhaseB> {
	console.log("Phase B: usage per email (metrics on). Restarting the local stack…");
	// Each run's emails are the minute's tally's, as in production (`measureOnce`).
	const s = await startSeededStack(METERED_ENTRY, TALLY_NOW_VARS);
	const single = config.metricsSingles
		? await measureUsage(s, {
				label: "B POST /emails",
				prefix: "msingle",
				emailsPerRequest: 1,
				send: (prefix) => sendSingles(s, prefix, config.metricsSingles),
				requests: config.metricsSingles,
			})
		: undefined;
	const batch = config.metricsBatches
		? await measureUsage(s, {
				label: "B POST /emails/batch",
				prefix: "mbatch",
				emailsPerRequest: BATCH_SIZE,
				send: (prefix) => sendBatches(s, prefix, config.metricsBatches),
				requests: config.metricsBatches,
			})
		: undefined;
	// The smaller runs of singles, each from the main accounts with `extra` in every email.
	const singlesWith = (label: string, prefix: string, extra: Record<string, unknown> = {}) =>
		config.metricsAttachments
			? measureUsage(s, {
					label,
					prefix,
					emailsPerRequest: 1,
					send: (p) => sendSingles(s, p, config.metricsAttachments, undefined, extra),
					requests: config.metricsAttachments,
				})
			: undefined;
	const attachmentBaseline = await singlesWith(
		"B POST /emails (no attachment, baseline)",
		"mplain",
	);
	const attachment = await singlesWith("B POST /emails (one 100 KB attachment)", "mattach", {
		attachments: [attachmentOf(ATTACHMENT_BYTES)],
	});
	if (attachment) checkAttachmentOps(attachment);
	const receipt = await singlesWith(
		"B POST /emails (a 20 KB receipt)",
		"mreceipt",
		receiptBodies(RECEIPT_HTML_BYTES),
	);
	// Endpoints only now, on accounts of their own: the accounts above never had one.
	if (config.metricsSingles || config.metricsBatches) await connectBenchWebhooks(s);
	let webhookSingle: Usage | undefined;
	if (config.metricsSingles) {
		webhookSingle = await measureUsage(s, {
			label: "B POST /emails (one webhook endpoint)",
			prefix: "mwebhook",
			emailsPerRequest: 1,
			send: (prefix) => sendSingles(s, prefix, config.metricsSingles, webhookAccounts),
			requests: config.metricsSingles,
			withWebhooks: true,
		});
	}
	const webhookBatch = config.metricsBatches
		? await measureUsage(s, {
				label: "B POST /emails/batch (one webhook endpoint)",
				prefix: "mwhbatch",
				emailsPerRequest: BATCH_SIZE,
				send: (prefix) => sendBatches(s, prefix, config.metricsBatches, webhookAccounts),
				requests: config.metricsBatches,
				withWebhooks: true,
			})
		: undefined;
	await stopStack();
	return {
		single,
		batch,
		attachment,
		attachmentBaseline,
		receipt,
		webhookSingle,
		webhookBatch,
	};
}

/**
 * What src/domain/email-storage.ts and src/queues/send-to-ses.ts do with one attachment: one
 * `put` of its bytes at acceptance and one `get` at the send, nothing else.
 */
function checkAttachmentOps(usage: Usage) {
	const { r2 } = usage.totals;
	const expected = {
		put: usage.emails,
		get: usage.emails,
		bytesPut: usage.emails * ATTACHMENT_BYTES,
	};
	for (const [op, n] of Object.entries(expected) as [keyof typeof expected, number][]) {
		if (r2[op] !== n) problems.push(`attachment run: R2 ${op} ${r2[op]}, expected ${n}`);
	}
	const others = r2.list + r2.head + r2.delete + r2.other;
	if (others) problems.push(`attachment run: ${others} R2 operations besides put and get`);
}
