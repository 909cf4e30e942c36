/**
 * Phase D, the whole email lifecycle on the metered entry (bench/worker.ts), on a fresh stack
 * seeded with the benchmark accounts: singles, then batches of 100, each email to an address
 * that SES answers with a Delivery, a Bounce (2%) or a Delivery and a Complaint (0.05%)
 * (scripts/bench/lifecycle-mix.ts); each run drained until every email is in the simulator,
 * every SNS notification about them has been answered by /hooks/sns, every queue message is acked
 * and the counters stand still; only then are the counters read, and then the API is asked that
 * no email of the run is still `pending` (every one `sent` or `failed`).
 *
 * Then the remote calls on the path of a single send (scripts/bench/call-trace.ts). The phase's
 * tables are printed by scripts/bench/lifecycle-report.ts.
 */
import type { MetricsTotals } from "../../bench/metrics/totals.ts";
import type { LocalStack } from "../local-stack.ts";
import { accountFor, accounts, STATE_DIR, seedBenchAccounts } from "./accounts.ts";
import { type CallsOnPath, traceSingles } from "./call-trace.ts";
import { lifecycleOutcome, lifecycleRecipient, notificationsFor } from "./lifecycle-mix.ts";
import { email, load, post, waitFor } from "./load.ts";
import type { Usage } from "./measure-usage.ts";
import { BATCH_SIZE, config, DRAIN_TIMEOUT_MS, METERED_ENTRY } from "./options.ts";
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
import { snsQuiet } from "./webhooks.ts";

export interface LifecycleUsage extends Usage {
	/** The accepted emails by what SES answers, and the SNS notifications that makes. */
	mix: { delivery: number; bounce: number; complaint: number; notifications: number };
	/** Emails of the run by status once drained (from GET /emails). */
	statuses: RunStatuses;
}

export interface PhaseD {
	single?: LifecycleUsage;
	batch?: LifecycleUsage;
	calls?: CallsOnPath;
}

/** How long the counters must stand still before a drained measurement is read. */
const SETTLE_MS = 1_000;

export async function phaseD(): Promise<PhaseD> {
	throwIfInterrupted();
	console.log(
		"Phase D: the whole lifecycle (metrics on): 2% bounces, 0.05% complaints. Starting the local stack…",
	);
	seedBenchAccounts();
	const s = await startStack({ persistTo: STATE_DIR, entry: METERED_ENTRY, vars: TALLY_NOW_VARS });
	const single = config.lifecycleSingles
		? await measureLifecycle(s, {
				label: "D POST /emails (lifecycle)",
				requests: config.lifecycleSingles,
				emailsPerRequest: 1,
				request: (i, to) => post(s, accountFor(i), "/emails", email(accountFor(i), to(i))),
			})
		: undefined;
	const batch = config.lifecycleBatches
		? await measureLifecycle(s, {
				label: "D POST /emails/batch (lifecycle)",
				requests: config.lifecycleBatches,
				emailsPerRequest: BATCH_SIZE,
				request: (b, to) =>
					post(
						s,
						accountFor(b),
						"/emails/batch",
						Array.from({ length: BATCH_SIZE }, (_, j) =>
							email(accountFor(b), to(b * BATCH_SIZE + j)),
						),
					),
			})
		: undefined;
	const calls = config.traceSingles ? await traceSingles(s) : undefined;
	await stopStack();
	return { single, batch, calls };
}

interface LifecycleRun {
	label: string;
	requests: number;
	emailsPerRequest: number;
	/** Request i, its emails numbered i × emailsPerRequest + j, each sent to `to(n)`. */
	request: (i: number, to: (n: number) => string) => Promise<Response>;
}

async function measureLifecycle(
	s: LocalStack,
	run: LifecycleRun,
): Promise<LifecycleUsage | undefined> {
	const { label, requests, emailsPerRequest } = run;
	// Recipients named after the run, so its emails and notifications are told from the others'.
	const prefix = emailsPerRequest === 1 ? "lsingle" : "lbatch";
	const to = (n: number) => lifecycleRecipient(prefix, n);
	// Before the counters start: the tally's cursor is at the present, so the run's emails are
	// the tally's (its first run only places the cursor).
	await fireCron(s, EVERY_MINUTE);
	const { since } = await metrics(s, true);
	const started = performance.now();
	// The accepted requests' emails: the run's recipients and what SES will say about them.
	const addresses = new Set<string>();
	const mix = { delivery: 0, bounce: 0, complaint: 0, notifications: 0 };
	const result = await load(
		requests,
		(i) => run.request(i, to),
		(i) => {
			for (let n = i * emailsPerRequest; n < (i + 1) * emailsPerRequest; n++) {
				addresses.add(to(n));
				const outcome = lifecycleOutcome(n);
				mix[outcome] += 1;
				mix.notifications += notificationsFor(outcome);
			}
		},
	);
	check(label, result, requests);
	const emails = result.ok * emailsPerRequest;
	if (emails === 0) return undefined;

	const inSimulator = () => {
		const seen = new Set<string>();
		for (const m of s.simulator.store.listMessages()) {
			for (const to of m.to) if (addresses.has(to)) seen.add(to);
		}
		return seen.size;
	};
	const answered = () => {
		let n = 0;
		for (const note of s.simulator.sns.sent()) {
			if (note.type !== "Notification" || note.outcome !== "delivered") continue;
			if (note.recipients.some((r) => addresses.has(r))) n += 1;
		}
		return n;
	};
	let last: MetricsTotals | undefined;
	let seen = "";
	let stillSince = 0;
	let tallied = false;
	const drained = await waitFor(async () => {
		if (inSimulator() < emails || answered() < mix.notifications || !snsQuiet(s)) return false;
		if (!tallied) {
			// Every event is in: the minute's cron tallies the run's daily figures.
			await fireCron(s, EVERY_MINUTE);
			tallied = true;
		}
		last = await metrics(s);
		if (last.since !== since) return true;
		if (last.queue.acked < last.queue.written) return false;
		const now = JSON.stringify(last);
		if (now !== seen) {
			seen = now;
			stillSince = performance.now();
			return false;
		}
		return performance.now() - stillSince >= SETTLE_MS;
	});
	const took = `${((performance.now() - started) / 1000).toFixed(1)} s`;
	if (last !== undefined && last.since !== since) {
		problems.push(`${label}: the Worker reloaded meanwhile (a source file changed); not measured`);
		return undefined;
	}
	if (drained === undefined || last === undefined) {
		problems.push(
			`${label}: did not drain in ${DRAIN_TIMEOUT_MS / 1000} s (${inSimulator()} of ${emails} emails in the simulator, ${answered()} of ${mix.notifications} SNS notifications answered, ${s.simulator.sns.pending().length} queued)`,
		);
		return undefined;
	}
	console.log(`  ${label}: ${emails} emails, drained after ${took}`);
	const sns = { notifications: answered(), byType: new Map<string, number>(), failed: 0 };
	for (const note of s.simulator.sns.sent()) {
		if (note.type !== "Notification" || !note.recipients.some((r) => addresses.has(r))) continue;
		const type = note.eventType ?? "(no type)";
		sns.byType.set(type, (sns.byType.get(type) ?? 0) + 1);
		if (note.outcome === "failed") sns.failed += 1;
	}
	if (sns.failed) problems.push(`${label}: ${sns.failed} SNS notifications refused by the Worker`);
	// After the counters are read, so these requests are not in them.
	const statuses = await runStatuses(s, addresses);
	if (statuses.pending !== 0 || statuses.failed !== mix.bounce) {
		problems.push(
			`${label}: after the drain ${JSON.stringify(statuses)}; expected ${emails - mix.bounce} sent and ${mix.bounce} failed`,
		);
	}
	return { emails, totals: last, sns, mix, statuses };
}

interface ListPage {
	data: { id: string; to: string[]; status: string }[];
	has_more: boolean;
}

export interface RunStatuses {
	sent: number;
	pending: number;
	failed: number;
}

/**
 * The run's emails by status, read through GET /emails: each account's `failed` and `pending`
 * emails (a few), and `sent` as the run's emails that are neither.
 */
async function runStatuses(s: LocalStack, addresses: Set<string>): Promise<RunStatuses> {
	const counts = { pending: 0, failed: 0 };
	for (const account of accounts) {
		for (const status of ["pending", "failed"] as const) {
			let after: string | undefined;
			for (let page = 0; page < 50; page++) {
				const response = await fetch(
					`${s.apiUrl}/emails?status=${status}&limit=100${after ? `&after=${after}` : ""}`,
					{ headers: { authorization: `Bearer ${account.apiKey}` } },
				);
				if (!response.ok) throw new Error(`GET /emails answered ${response.status}`);
				const body = (await response.json()) as ListPage;
				for (const e of body.data) if (e.to.some((to) => addresses.has(to))) counts[status] += 1;
				after = body.data.at(-1)?.id;
				if (!body.has_more || after === undefined) break;
			}
		}
	}
	return { sent: addresses.size - counts.pending - counts.failed, ...counts };
}
