/**
 * Phase D, the whole email lifecycle on the metered entry (bench/worker.ts), on a fresh stack
 * seeded with the benchmark accounts: singles, then batches of 100, each email to an address
 * that SES answers with a Delivery, a Bounce (2%) or a Delivery and a Complaint (0.05%)
 * (scripts/bench/lifecycle-mix.ts); each run drained until every email is in the simulator,
 * every SNS notification about them has been answered by /hooks/sns, every queue message is acked
 * and the counters stand still; only then are the counters read, and then the API is asked that
 * no email of the run is still `pending` (every one `sent` or `failed`).
 *
 * Then the remote calls on the path of a single send: singles sent one at a time with the
 * `x-bench-trace` header, each from an account that has sent before (a warm API key), and the
 * calls the metered entry recorded for each (D1, Durable Object, queue, with their order).
 */
import type { MetricsTotals } from "../../bench/metrics/totals.ts";
import type { RequestTrace } from "../../bench/metrics/traces.ts";
import type { LocalStack } from "../local-stack.ts";
import { accountFor, accounts, STATE_DIR, seedBenchAccounts } from "./accounts.ts";
import { type PathCalls, pathCalls } from "./call-chain.ts";
import { lifecycleOutcome, lifecycleRecipient, notificationsFor } from "./lifecycle-mix.ts";
import { email, load, post, waitFor } from "./load.ts";
import type { Usage } from "./measure-usage.ts";
import { BATCH_SIZE, config, DRAIN_TIMEOUT_MS, METERED_ENTRY } from "./options.ts";
import { check, fixed, money, problems, table } from "./outcome.ts";
import { costPerMillion, PRICES, perEmail } from "./prices.ts";
import {
	EVERY_MINUTE,
	fireCron,
	metrics,
	startStack,
	stopStack,
	TALLY_NOW_VARS,
	throwIfInterrupted,
} from "./stack.ts";
import type { PhaseB } from "./usage.ts";
import { snsQuiet } from "./webhooks.ts";

export interface LifecycleUsage extends Usage {
	/** The accepted emails by what SES answers, and the SNS notifications that makes. */
	mix: { delivery: number; bounce: number; complaint: number; notifications: number };
	/** Emails of the run by status once drained (from GET /emails). */
	statuses: RunStatuses;
}

export interface CallsOnPath {
	requests: number;
	/** Averages per request. */
	d1: number;
	durableObjects: number;
	queue: number;
	total: number;
	sequential: number;
	afterResponse: number;
	/** The most sequential request's calls, in order, for the report. */
	example: { what: string; kind: string; start: number; end: number }[];
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

// --- Remote calls on a single send's path -------------------------------------------------

async function traceSingles(s: LocalStack): Promise<CallsOnPath | undefined> {
	await metrics(s, true); // also forgets earlier traces
	let ok = 0;
	for (let i = 0; i < config.traceSingles; i++) {
		const account = accountFor(i);
		const response = await fetch(`${s.apiUrl}/emails`, {
			method: "POST",
			headers: {
				authorization: `Bearer ${account.apiKey}`,
				"content-type": "application/json",
				"x-bench-trace": "1",
			},
			body: JSON.stringify(email(account, `trace-${i}@example.org`)),
			signal: AbortSignal.timeout(30_000),
		});
		await response.text();
		if (response.ok) ok += 1;
	}
	if (ok < config.traceSingles) {
		problems.push(`trace: ${config.traceSingles - ok} of ${config.traceSingles} singles refused`);
	}
	// Let waitUntil work finish, so calls made after the response are recorded as such.
	await new Promise((r) => setTimeout(r, 1_000));
	const response = await fetch(`${s.apiUrl}/__metrics/traces`);
	const traces = ((await response.json()) as RequestTrace[]).filter(
		(t) => t.request === "POST /emails" && t.status === 200,
	);
	if (traces.length === 0) {
		problems.push("trace: the metered entry recorded no POST /emails");
		return undefined;
	}
	const each: { trace: RequestTrace; path: PathCalls }[] = traces.map((trace) => ({
		trace,
		path: pathCalls(trace.calls, trace.respondedAt),
	}));
	const mean = (pick: (p: PathCalls) => number) =>
		each.reduce((sum, e) => sum + pick(e.path), 0) / each.length;
	const worst = each.reduce((a, b) => (b.path.sequential > a.path.sequential ? b : a));
	return {
		requests: each.length,
		d1: mean((p) => p.byKind.d1 ?? 0),
		durableObjects: mean((p) => p.byKind.do ?? 0),
		queue: mean((p) => p.byKind.queue ?? 0),
		total: mean((p) => p.total),
		sequential: mean((p) => p.sequential),
		afterResponse: mean((p) => p.afterResponse),
		example: worst.trace.calls
			.filter((c) => c.start < worst.trace.respondedAt)
			.map(({ what, kind, start, end }) => ({ what, kind, start, end })),
	};
}

// --- Report -------------------------------------------------------------------------------

/**
 * wrangler.toml's queue names (src/queues/index.ts has them too, but it imports the Worker's
 * modules, which Node cannot load).
 */
const SEND_QUEUES = [
	"sendfleet-send",
	"sendfleet-send-bulk",
	"sendfleet-send-bulk-1",
	"sendfleet-send-bulk-2",
	"sendfleet-send-bulk-3",
];
const FEEDBACK_QUEUE = "sendfleet-feedback";

/** Where each entry point's usage belongs in an email's life. */
function stageOf(source: string): "accept" | "send" | "notification" | "other" {
	if (source === "API") return "accept";
	if (SEND_QUEUES.some((queue) => source === `queue ${queue}`)) return "send";
	if (source === "POST /hooks/sns" || source === `queue ${FEEDBACK_QUEUE}`) return "notification";
	return "other";
}

/** Phase B's cost (the guard's SQLite rows not counted there) and the lifecycle's, per million. */
function lifecycleCost(u: Usage) {
	const c = costPerMillion(u);
	const per = (n: number) => n / u.emails;
	const doRows =
		per(u.totals.durableObjects.storageRowsWritten) * PRICES.durableObjectRowsWrittenPerMillion +
		per(u.totals.durableObjects.storageRowsRead) * PRICES.durableObjectRowsReadPerMillion;
	return { ...c, doRows, withDoRows: c.total + doRows };
}

export function lifecycleReport(d: PhaseD, b: PhaseB | undefined) {
	const runs = [
		["single", b?.single, d.single],
		[`batch of ${BATCH_SIZE}`, b?.batch, d.batch],
	] as const;
	const usageRows: string[][] = [
		[
			"per email",
			"requests (API/consumers/hooks)",
			"D1 calls",
			"rows read",
			"rows written",
			"queue ops",
			"DO calls",
			"DO rows r/w",
		],
	];
	const costRows: string[][] = [
		[
			"per million emails",
			"requests",
			"CPU*",
			"D1 reads",
			"D1 writes",
			"queues",
			"DO",
			"R2",
			"total",
			"DO rows**",
			"with DO rows",
		],
	];
	const stageRows: string[][] = [
		["D1 rows written per email", "accept", "send", "notification", "other", "total"],
	];
	for (const [label, accepted, whole] of runs) {
		for (const [what, usage] of [
			["phase B (today's table)", accepted],
			["whole lifecycle", whole],
		] as const) {
			if (!usage) continue;
			const per = (n: number) => n / usage.emails;
			const p = perEmail(usage);
			const by = (stage: ReturnType<typeof stageOf>) =>
				Object.entries(usage.totals.bySource)
					.filter(([source]) => stageOf(source) === stage)
					.reduce(
						(sum, [, u]) => ({
							invocations: sum.invocations + u.invocations,
							rowsWritten: sum.rowsWritten + u.rowsWritten,
						}),
						{ invocations: 0, rowsWritten: 0 },
					);
			const name = `${label}, ${what} (${fixed(usage.emails)})`;
			const dObj = usage.totals.durableObjects;
			usageRows.push([
				name,
				`${fixed(per(by("accept").invocations), 2)}/${fixed(per(by("send").invocations), 2)}/${fixed(per(by("notification").invocations), 2)}`,
				fixed(p.calls, 2),
				fixed(p.rowsRead, 2),
				fixed(p.rowsWritten, 2),
				fixed(p.queueOps, 2),
				fixed(p.doCalls, 2),
				dObj.storageRowsRead || dObj.storageRowsWritten
					? `${fixed(per(dObj.storageRowsRead), 2)}/${fixed(per(dObj.storageRowsWritten), 2)}`
					: "not counted",
			]);
			const c = lifecycleCost(usage);
			costRows.push([
				name,
				money(c.requests),
				money(c.cpu),
				money(c.rowsRead),
				money(c.rowsWritten),
				money(c.queues),
				money(c.durableObjects),
				money(c.r2),
				money(c.total),
				money(c.doRows),
				money(c.withDoRows),
			]);
			stageRows.push([
				name,
				fixed(per(by("accept").rowsWritten), 2),
				fixed(per(by("send").rowsWritten), 2),
				fixed(per(by("notification").rowsWritten), 2),
				fixed(per(by("other").rowsWritten), 2),
				fixed(p.rowsWritten, 2),
			]);
		}
	}
	const measured = [d.single, d.batch].flatMap((u) => (u ? [u] : []));
	const mixLine = (u: LifecycleUsage) =>
		`${fixed(u.mix.delivery)} delivered, ${fixed(u.mix.bounce)} bounced (${fixed((u.mix.bounce / u.emails) * 100, 2)}%), ${fixed(u.mix.complaint)} complained (${fixed((u.mix.complaint / u.emails) * 100, 2)}%); after the drain ${fixed(u.statuses.sent)} sent, ${fixed(u.statuses.failed)} failed, ${fixed(u.statuses.pending)} pending`;
	console.log(`
The whole email lifecycle per million emails (metrics on): accepted, sent, and SES's events back
${measured.map((u) => `  ${u === d.single ? "single" : "batch"}: ${mixLine(u)};\n    ${snsCounts(u)}`).join("\n")}
${table(usageRows)}
  requests: Worker invocations per email, billed alike: API requests / queue consumer batches
  (send, webhooks) / SNS posts to /hooks/sns and the feedback queue's batches. DO rows r/w: rows
  the AccountGuard's SQLite storage read and wrote (bench/metrics/durable-objects.ts countDurableObjectStorage).

Cloudflare cost per million emails, today's table (phase B) next to the whole lifecycle
${table(costRows)}
  Columns as in the table above (same prices, same CPU assumption*); "total" is priced exactly as
  phase B's table is. ** The guard's SQLite rows at $${PRICES.durableObjectRowsWrittenPerMillion.toFixed(2)}/M written and $${PRICES.durableObjectRowsReadPerMillion}/M read
  (Durable Objects pricing), which phase B's table leaves out. Phase B's rows already include each
  email's Delivery notification (every address there is delivered); the lifecycle adds the 2%
  bounces (the email fails, the address is suppressed) and 0.05% complaints (a second
  notification). Bounces and complaints go to SES's mailbox simulator addresses, which the
  reputation window skips (scripts/bench/lifecycle-mix.ts): with counted addresses each would add
  one guard request (recordFeedback) and its rows, about $${fixed(0.0205 * PRICES.durableObjectRequestsPerMillion, 4)} per million emails in requests.

D1 rows written per email by stage (the same totals split by entry point)
${table(stageRows)}
  accept: POST /emails or /emails/batch (and their waitUntil work); send: the sendfleet-send(-bulk)
  consumer; notification: POST /hooks/sns and the sendfleet-feedback consumer; other: the
  minute's cron, fired once the run is drained (its tally of the run's daily figures).`);
	if (d.calls) console.log(callsReport(d.calls));
}

/** "2,001 SNS notifications answered (Delivery 1,960, Bounce 40, Complaint 1)". */
function snsCounts(u: LifecycleUsage): string {
	const types = [...u.sns.byType].map(([type, n]) => `${type} ${fixed(n)}`).join(", ");
	return `${fixed(u.sns.notifications)} SNS notifications answered by /hooks/sns (${types}), ${fixed(u.sns.notifications / u.emails, 4)} per email`;
}

function callsReport(c: CallsOnPath): string {
	return `
Remote calls on the path of POST /emails (a single, warm API key; ${fixed(c.requests)} requests one at a time)
  per request   D1 ${fixed(c.d1, 2)}   Durable Object ${fixed(c.durableObjects, 2)}   queue ${fixed(c.queue, 2)}   total ${fixed(c.total, 2)}
  sequential remote calls (longest chain, each started after the previous ended): ${fixed(c.sequential, 2)} per request
  off the path (started after the response, waitUntil): ${fixed(c.afterResponse, 2)} per request
  One request's calls in order (start–end ticks):
${c.example.map((call, i) => `    ${i + 1}. ${call.kind.padEnd(5)} ${String(call.start).padStart(2)}–${String(call.end).padEnd(2)} ${call.what}`).join("\n")}
  Counted by the metered entry (bench/metrics/): each prepare().run/all/first/raw or batch is one
  D1 call, each stub method one Durable Object call, each send/sendBatch one queue call. Issue 15's
  target: at most 2 sequential.`;
}
