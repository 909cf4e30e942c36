/**
 * The report of phases A and B: throughput against the bare endpoint, usage per email (also per
 * queue and per entry point, and what the simulator posted and received meanwhile), the
 * Cloudflare cost per million emails, and every answer by HTTP status.
 */
import { accounts, mostPerAccount, webhookAccounts } from "./accounts.ts";
import { reloads, type Usage } from "./measure-usage.ts";
import {
	ATTACHMENT_BYTES,
	BATCH_SIZE,
	config,
	PRO_LIMITS,
	RECEIPT_HTML_BYTES,
	SES_MAX_SEND_RATE,
} from "./options.ts";
import { fixed, loads, money, refusals, table } from "./outcome.ts";
import {
	costPerMillion,
	D1_STORAGE_PER_KB_PER_MILLION,
	d1StoragePerEmail,
	PRICES,
	perEmail,
	r2CostPerMillion,
	r2PerEmail,
} from "./prices.ts";
import type { Throughput } from "./throughput.ts";
import type { PhaseB } from "./usage.ts";

export function report(a: Throughput, b: PhaseB) {
	const bareRps = a.bare.ok / a.bare.seconds;
	const singleEps = a.single.ok / a.single.seconds;
	const batchEps = (a.batch.ok * BATCH_SIZE) / a.batch.seconds;
	const e2e = (v: number | undefined) => (v === undefined ? "timed out" : `${fixed(v)} emails/s`);
	const limits = loads.flatMap(({ result }) => (result.rateLimit ? [result.rateLimit] : []));
	const lowestRemaining = limits.length
		? `${fixed(Math.min(...limits.map((l) => l.lowestRemaining)))} of ${fixed(Math.max(...limits.map((l) => l.limit)))}`
		: "none answered";

	console.log(`
SendFleet benchmark: local stack on 127.0.0.1 (wrangler dev, local D1 and Queues, SES simulator)
  ${config.concurrency} requests in flight; SES_MAX_SEND_RATE=${SES_MAX_SEND_RATE} so end to end measures our pipeline, not SES's pacing.
  ${accountsLine(lowestRemaining)}

Throughput (metrics off)
${table([
	[
		"bare GET /",
		`${fixed(a.bare.ok)} req`,
		`${fixed(a.bare.seconds, 1)} s`,
		`${fixed(bareRps)} req/s`,
		"",
		"",
	],
	[
		"accepted (single)",
		`${fixed(a.single.ok)} emails`,
		`${fixed(a.single.seconds, 1)} s`,
		`${fixed(singleEps)} emails/s`,
		`bare GET / ${fixed(bareRps)} req/s`,
		`ratio ${fixed(singleEps / bareRps, 2)}`,
	],
	[
		`accepted (batch of ${BATCH_SIZE})`,
		`${fixed(a.batch.ok * BATCH_SIZE)} emails`,
		`${fixed(a.batch.seconds, 1)} s`,
		`${fixed(batchEps)} emails/s`,
		`bare GET / ${fixed(bareRps)} req/s`,
		`ratio ${fixed(batchEps / bareRps, 2)}`,
	],
	["end to end (single)", `${fixed(a.single.ok)} emails`, "", e2e(a.singleEndToEnd), "", ""],
	[
		`end to end (batch)`,
		`${fixed(a.batch.ok * BATCH_SIZE)} emails`,
		"",
		e2e(a.batchEndToEnd),
		"",
		"",
	],
])}
  Accepted: 2xx answers only; every other answer is counted under "Answers by HTTP status".
  End to end: from the first accepted request until the SES simulator holds every email.
  Ratios (issue 15's targets in brackets): end to end over accepted, single ${ratio(a.singleEndToEnd, singleEps)}, batch ${ratio(a.batchEndToEnd, batchEps)} [at least 0.80];
  accepted singles over the bare endpoint ${fixed(singleEps / bareRps, 2)} [at least 0.50].`);

	const usages = [
		["single", b.single],
		[`batch of ${BATCH_SIZE}`, b.batch],
		["single, one 100 KB attachment", b.attachment],
		["single, a 20 KB receipt", b.receipt],
		["single, one webhook endpoint", b.webhookSingle],
		[`batch of ${BATCH_SIZE}, one webhook endpoint`, b.webhookBatch],
	] as const;
	const usageRows: string[][] = [
		[
			"per email",
			"D1 statements",
			"D1 calls",
			"rows read",
			"rows written",
			"queue ops",
			"(w/r/d)",
			"DO calls",
			"R2 A/B",
			"invocations",
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
			"R2**",
			"total",
		],
	];
	for (const [label, usage] of usages) {
		if (!usage) continue;
		const p = perEmail(usage);
		usageRows.push([
			`${label} (${fixed(usage.emails)} emails)`,
			fixed(p.statements, 2),
			fixed(p.calls, 2),
			fixed(p.rowsRead, 2),
			fixed(p.rowsWritten, 2),
			fixed(p.queueOps, 2),
			p.queueSplit,
			fixed(p.doCalls, 2),
			`${fixed(r2PerEmail(usage).classA, 2)}/${fixed(r2PerEmail(usage).classB, 2)}`,
			fixed(p.invocations, 2),
		]);
		const c = costPerMillion(usage);
		costRows.push([
			label,
			money(c.requests),
			money(c.cpu),
			money(c.rowsRead),
			money(c.rowsWritten),
			money(c.queues),
			money(c.durableObjects),
			money(c.r2),
			money(c.total),
		]);
	}
	const measured = usages.flatMap(([label, usage]) => (usage ? [[label, usage] as const] : []));
	console.log(`
Usage per email (metrics on; D1 rows from D1's result metadata)
${table(usageRows)}
  Each run is drained before it is read: its emails in the SES simulator, the SNS notifications
  (SES events) the simulator posts about them answered by /hooks/sns, every queue message acked,
  then the counters still for a second. So each row covers accepting, sending and the email's
  SES events as the simulator sends them:
${measured.map(([label, usage]) => `    ${label}: ${snsLine(usage)}`).join("\n")}
  "single" and "batch" send as accounts without a webhook endpoint (nothing is emitted for their
  emails); "one webhook endpoint" sends as ${fixed(webhookAccounts.length)} other accounts, each with one endpoint subscribed
  to every email.* event and pointed at a receiver of the simulator's (created before the run,
  not counted). Their receivers got:
${b.webhookSingle ? `    singles: ${webhookLine(b.webhookSingle)}` : "    (singles not measured: --metrics-singles 0)"}
${b.webhookBatch ? `    batches: ${webhookLine(b.webhookBatch)}` : "    (batches not measured: --metrics-batches 0)"}
  Queue ops by queue (w/r/d per email):
${measured.map(([label, usage]) => `    ${label}: ${queueLine(usage)}`).join("\n")}
  Queue ops = writes + reads (deliveries) + deletes (acks); retries would add reads.
  R2 A/B: operations on the attachments' bucket, Class A (put, list) / Class B (get, head).
  DO calls: calls on the account's AccountGuard stub and the SendPacer's, each billed as a Durable
  Object request; a send request makes one (admit: suspension, request rate, monthly quota, lane),
  whatever the number of emails; a consumer run one per 250 ms of SES sending it reserves.
  Invocations = Worker requests + queue consumer batches, each counted as a billed request.

Cloudflare cost per million emails (list prices read 2026-11-26, marginal rates beyond the
included usage; the $5/month Workers Paid minimum, D1 storage (below) and SES itself are left out)
${table(costRows)}
  Prices: Workers $${PRICES.workerRequestsPerMillion}/M requests and $${PRICES.cpuMsPerMillion}/M CPU-ms, D1 $${PRICES.d1RowsReadPerMillion}/M rows read and $${PRICES.d1RowsWrittenPerMillion.toFixed(2)}/M rows written,
  Queues $${PRICES.queueOperationsPerMillion}/M operations, Durable Objects $${PRICES.durableObjectRequestsPerMillion}/M requests, R2 (Standard) $${PRICES.r2ClassAPerMillion.toFixed(2)}/M Class A,
  $${PRICES.r2ClassBPerMillion}/M Class B operations and $${PRICES.r2StoragePerGbMonth}/GB-month.
  * CPU time cannot be measured locally: assumed ${config.cpuMsPerInvocation} ms per invocation + ${config.cpuMsPerEmail} ms per email sent
    (--cpu-ms-per-invocation, --cpu-ms-per-email); each 1 ms per email adds $${PRICES.cpuMsPerMillion} per million emails.
  ** R2: the operations measured, the purge's lists and 90 days of storage; see below.
  Not priced: Durable Object duration and SQLite storage (the guard's own rows), and its hourly alarm.`);
	console.log(storageReport(measured));
	if (b.attachment) console.log(attachmentReport(b.attachment, b.attachmentBaseline));

	console.log(`
Usage per email by entry point (the same totals, split by what the Worker was running)
${table(sourceRows(measured))}
  API: requests to the API (POST /emails, /emails/batch) and the work they leave running; a queue:
  its consumer's batches; POST /hooks/sns: the SNS notifications. Queue writes count where the
  message was written; its read and delete count under its queue.`);

	console.log(`
Answers by HTTP status (every request of phases A and B; only 2xx counts as accepted)
${statusTable()}`);
	if (reloads.length) {
		console.log(`
Discarded runs (wrangler dev reloads the Worker when a source file changes, zeroing its counters)
${reloads.map((r) => `  - ${r}`).join("\n")}`);
	}
}

/** D1 storage, beside the totals: what each run added to the database, kept 90 days. */
function storageReport(measured: (readonly [string, Usage])[]): string {
	const rows: string[][] = [["per million emails", "bytes per email", "GB-months", "cost"]];
	for (const [label, usage] of measured) {
		const d = d1StoragePerEmail(usage);
		rows.push([label, fixed(d.bytes), fixed(d.gbMonths * 1e6, 2), money(d.costPerMillion)]);
	}
	return `
D1 storage for 90 days (not in the totals above; $${PRICES.d1StoragePerGbMonth}/GB-month beyond 5 GB)
${table(rows)}
  Bytes per email: how much the database grew over the run (D1's meta.size_after), over its
  emails: the rows, index entries and timelines as SQLite stores them. The benchmark's bodies are
  a line of HTML and one of text, except the receipt's (${fixed(RECEIPT_HTML_BYTES)} bytes of HTML, a
  table of order lines, and its text), which D1 keeps gzipped (src/db/queries/email-bodies.ts).
  Each KB stored adds $${D1_STORAGE_PER_KB_PER_MILLION.toFixed(2)} per million emails (docs/scaling.md, "Storage").`;
}

/**
 * What one 100 KB attachment adds per million emails: R2 (measured operations, the purge's
 * lists, 90 days of storage, free deletes) and the D1 rows over the plain single's.
 */
function attachmentReport(withFile: Usage, plain: Usage | undefined): string {
	const r = r2PerEmail(withFile);
	const r2 = r2CostPerMillion(withFile);
	const p = perEmail(withFile);
	const base = plain ? perEmail(plain) : undefined;
	const addedRead = base ? p.rowsRead - base.rowsRead : undefined;
	const addedWritten = base ? p.rowsWritten - base.rowsWritten : undefined;
	const readCost = (addedRead ?? 0) * PRICES.d1RowsReadPerMillion;
	const writtenCost = (addedWritten ?? 0) * PRICES.d1RowsWrittenPerMillion;
	const d1 = (n: number | undefined, digits = 2) =>
		n === undefined ? "(no baseline)" : fixed(n, digits);
	const rows: string[][] = [
		["per million emails", "units per email", "cost"],
		[
			"R2 Class A: put at acceptance (measured)",
			fixed(r.classA, 3),
			money(r.classA * PRICES.r2ClassAPerMillion),
		],
		[
			"R2 Class A: the purge's list (1 per 1,000 objects)",
			fixed(r.purgeLists, 3),
			money(r.purgeLists * PRICES.r2ClassAPerMillion),
		],
		["R2 Class B: get at the send (measured)", fixed(r.classB, 3), money(r2.classB)],
		[
			`R2 storage: ${fixed(r.bytes)} bytes for 90 days`,
			`${r.gbMonths.toExponential(2)} GB-mo`,
			money(r2.storage),
		],
		["R2 deletes by the purge (free)", fixed(r.purgeLists, 3), money(0)],
		["D1 rows written over a plain single", d1(addedWritten), money(writtenCost)],
		["D1 rows read over a plain single", d1(addedRead), money(readCost)],
		["added by the attachment", "", money(r2.total + writtenCost + readCost)],
	];
	return `
One ${fixed(ATTACHMENT_BYTES)}-byte (100 KB) attachment per email, sent as \`attachments: [{ filename, content }]\` (base64)
${table(rows)}
  Measured on ${fixed(withFile.emails)} singles with the metered entry; R2 operations by method from bench/metrics/r2.ts;
  D1 rows against ${plain ? fixed(plain.emails) : "no"} plain singles from the same accounts measured just before (not the "single"
  row above, which also pays each account's first-send rows). The purge's share of R2 is counted from
  src/cron/purge-attachments.ts (one list and one free delete per page of 1,000 objects). Storage:
  the object's measured bytes, kept 90 days (3 billing months of 30 days; GB = 10^9 bytes).
  The D1 rows are the attachment's row and its primary-key index entry, written at acceptance and
  read at the send; the purge deletes them by ON DELETE CASCADE (about 2 more rows written, priced
  with the purge, phase C, like the email's own rows). Deletes are free, and so is egress.`;
}

/** End to end over accepted emails/s, or why there is no figure. */
const ratio = (endToEnd: number | undefined, accepted: number) =>
	endToEnd === undefined ? "(end to end timed out)" : fixed(endToEnd / accepted, 2);

/** "1.00 per email (Delivery 1.00)": the SNS notifications posted during a run. */
function snsLine(usage: Usage): string {
	const per = (n: number) => fixed(n / usage.emails, 2);
	const types = [...usage.sns.byType].map(([type, n]) => `${type} ${per(n)}`).join(", ");
	return `${per(usage.sns.notifications)} SNS notifications per email${types ? ` (${types})` : ""}`;
}

/** Deliveries per email by event type, and how the receivers answered them. */
function webhookLine(usage: Usage): string {
	const w = usage.webhooks;
	if (!w) return "";
	const per = (n: number) => fixed(n / usage.emails, 2);
	const types = [...w.byType]
		.sort(([x], [y]) => x.localeCompare(y))
		.map(([type, n]) => `${type} ${per(n)}`)
		.join(", ");
	const answers = [...w.statuses].map(([status, n]) => `${status} ×${fixed(n)}`).join(", ");
	return `${per(w.deliveries)} webhook deliveries per email (${types || "none"}); answered ${answers || "nothing"}, ${fixed(w.repeats)} repeated webhook-ids`;
}

function queueLine(usage: Usage): string {
	const per = (n: number) => fixed(n / usage.emails, 2);
	return Object.entries(usage.totals.queues)
		.sort(([x], [y]) => x.localeCompare(y))
		.map(([name, q]) => `${name} ${per(q.written)}/${per(q.delivered)}/${per(q.acked)}`)
		.join(", ");
}

function sourceRows(measured: readonly (readonly [string, Usage])[]): string[][] {
	const rows: string[][] = [
		[
			"per email",
			"entry point",
			"invocations",
			"D1 statements",
			"rows read",
			"rows written",
			"queue writes",
			"DO calls",
		],
	];
	for (const [label, usage] of measured) {
		const per = (n: number) => fixed(n / usage.emails, 2);
		const sources = Object.entries(usage.totals.bySource).sort(([x], [y]) => x.localeCompare(y));
		for (const [i, [source, u]] of sources.entries()) {
			rows.push([
				i === 0 ? label : "",
				source,
				per(u.invocations),
				per(u.statements),
				per(u.rowsRead),
				per(u.rowsWritten),
				per(u.queueWritten),
				per(u.doCalls),
			]);
		}
	}
	return rows;
}

/** One row per load: requests planned, then the answers by status, then what was never sent. */
function statusTable(): string {
	const statuses = [...new Set(loads.flatMap(({ result }) => [...result.statuses.keys()]))].sort();
	const header = ["request", "requests", ...statuses, "not sent", "refused"];
	const rows = loads.map(({ label, result }) => {
		const answered = [...result.statuses.values()].reduce((x, y) => x + y, 0);
		return [
			label,
			fixed(result.requests),
			...statuses.map((status) => fixed(result.statuses.get(status) ?? 0)),
			fixed(result.requests - answered),
			refusals(result) || "none",
		];
	});
	return table([header, ...rows]);
}

/** The header's account lines: how many, why, and how far each stays from its rate limit. */
function accountsLine(lowestRemaining: string): string {
	const most = Math.max(mostPerAccount.a, mostPerAccount.b);
	const headroom =
		most <= PRO_LIMITS.requestBurst / 2
			? "under half a\n  burst, so none depends on the refill"
			: most <= PRO_LIMITS.requestBurst
				? "within one\n  burst, so none depends on the refill"
				: `over a burst:\n  each relies on the refill, ${fixed(accounts.length * PRO_LIMITS.requestsPerSecond)} requests/s in all`;
	return `Sends rotate round-robin over ${fixed(accounts.length)} benchmark accounts (approved, Pro, each with a verified
  domain and its own API key; ${fixed(webhookAccounts.length)} more, each with one webhook endpoint, for that run), not one: each
  account's request rate is limited by its own Durable Object (Pro: bursts of ${PRO_LIMITS.requestBurst} requests, refilled
  at ${PRO_LIMITS.requestsPerSecond}/s), and real traffic from many customers spreads over many accounts too. At most ${fixed(most)} send requests per account per run (--accounts), ${headroom}; lowest ratelimit-remaining answered to a send: ${lowestRemaining}.`;
}
