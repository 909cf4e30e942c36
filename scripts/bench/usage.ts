/**
 * Phase B, usage per email, on a fresh stack seeded with the benchmark accounts: a smaller run
 * of each path on the metered entry (bench/worker.ts), singles with one 100 KB attachment each,
 * then singles again from accounts with one webhook endpoint each (scripts/bench/webhooks.ts),
 * each drained before its counters are read (scripts/bench/measure-usage.ts).
 */
import { startSeededStack, webhookAccounts } from "./accounts.ts";
import { attachmentOf, receiptBodies, sendBatches, sendSingles } from "./load.ts";
import { measureUsage, type Usage } from "./measure-usage.ts";
import {
	ATTACHMENT_BYTES,
	BATCH_SIZE,
	config,
	METERED_ENTRY,
	RECEIPT_HTML_BYTES,
} from "./options.ts";
import { problems } from "./outcome.ts";
import { stopStack, TALLY_NOW_VARS } from "./stack.ts";
import { connectBenchWebhooks } from "./webhooks.ts";

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
	// Each run's emails are the minute's tally's, as in production (`measureOnce` in
	// scripts/bench/measure-usage.ts).
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
