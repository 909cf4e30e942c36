/**
 * Phase B's tables: usage per email (also per queue, and what the simulator posted and
 * received meanwhile), the Cloudflare cost per million emails, and the same totals by entry
 * point, one row per measured run.
 */
import { webhookAccounts } from "./accounts.ts";
import type { Usage } from "./measure-usage.ts";
import { BATCH_SIZE, config } from "./options.ts";
import { fixed, money, table } from "./outcome.ts";
import { costPerMillion, PRICES, perEmail, r2PerEmail } from "./prices.ts";
import type { PhaseB } from "./usage.ts";

/** A measured run of phase B: its label in the tables and its usage. */
export type Measured = readonly [string, Usage];

/** Phase B's runs that were measured, in the tables' order. */
export function measuredUsages(b: PhaseB): Measured[] {
	const usages = [
		["single", b.single],
		[`batch of ${BATCH_SIZE}`, b.batch],
		["single, one 100 KB attachment", b.attachment],
		["single, a 20 KB receipt", b.receipt],
		["single, one webhook endpoint", b.webhookSingle],
		[`batch of ${BATCH_SIZE}, one webhook endpoint`, b.webhookBatch],
	] as const;
	return usages.flatMap(([label, usage]) => (usage ? [[label, usage] as const] : []));
}

/** Usage per email and the cost per million emails it gives, with their notes. */
export function usageReport(b: PhaseB, measured: readonly Measured[]): string {
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
	for (const [label, usage] of measured) {
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
	return `
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
  Not priced: Durable Object duration and SQLite storage (the guard's own rows), and its hourly alarm.`;
}

/** The same totals, split by what the Worker was running. */
export function entryPointReport(measured: readonly Measured[]): string {
	return `
Usage per email by entry point (the same totals, split by what the Worker was running)
${table(sourceRows(measured))}
  API: requests to the API (POST /emails, /emails/batch) and the work they leave running; a queue:
  its consumer's batches; POST /hooks/sns: the SNS notifications. Queue writes count where the
  message was written; its read and delete count under its queue.`;
}

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

function sourceRows(measured: readonly Measured[]): string[][] {
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
