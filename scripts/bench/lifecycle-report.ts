/**
 * Phase D's report: the whole lifecycle's usage and Cloudflare cost per million emails next to
 * phase B's table, the D1 rows written per email by stage (accept, send, notification), then
 * the remote calls on a single send's path (scripts/bench/call-trace.ts).
 */
import { callsReport } from "./call-trace.ts";
import type { LifecycleUsage, PhaseD } from "./lifecycle.ts";
import type { Usage } from "./measure-usage.ts";
import { BATCH_SIZE } from "./options.ts";
import { fixed, money, table } from "./outcome.ts";
import { costPerMillion, PRICES, perEmail } from "./prices.ts";
import type { PhaseB } from "./usage.ts";

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
