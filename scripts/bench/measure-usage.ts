/**
 * One usage measurement of phase B on the metered entry (bench/worker.ts): the run's requests,
 * then drained until its emails are in the simulator, the SNS notifications (SES events) the
 * simulator posts about them have been answered, every queue message is acked and the counters
 * stand still, for the usage per email. A run that saw the Worker reload is run again.
 */
import type { MetricsTotals } from "../../bench/metrics/totals.ts";
import type { LocalStack } from "../local-stack.ts";
import { delivered, type LoadResult, waitFor } from "./load.ts";
import { DRAIN_TIMEOUT_MS } from "./options.ts";
import { check, problems } from "./outcome.ts";
import { EVERY_MINUTE, fireCron, metrics } from "./stack.ts";
import {
	type ReceiverTally,
	receiverTally,
	type SnsTally,
	snsQuiet,
	snsSeen,
	snsTally,
} from "./webhooks.ts";

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
export async function measureUsage(s: LocalStack, m: Measurement): Promise<Usage | undefined> {
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
