/**
 * The report of phases A and B: throughput against the bare endpoint, then phase B's usage and
 * cost tables (scripts/bench/usage-report.ts) with storage and the attachment beside them
 * (scripts/bench/storage-report.ts), and every answer by HTTP status.
 */
import { accounts, mostPerAccount, webhookAccounts } from "./accounts.ts";
import { reloads } from "./measure-usage.ts";
import { BATCH_SIZE, config, PRO_LIMITS, SES_MAX_SEND_RATE } from "./options.ts";
import { fixed, loads, refusals, table } from "./outcome.ts";
import { attachmentReport, storageReport } from "./storage-report.ts";
import type { Throughput } from "./throughput.ts";
import type { PhaseB } from "./usage.ts";
import { entryPointReport, measuredUsages, usageReport } from "./usage-report.ts";

export function report(a: Throughput, b: PhaseB) {
	const bareRps = a.bare.ok / a.bare.seconds;
	const singleEps = a.single.ok / a.single.seconds;
	const batchEps = (a.batch.ok * BATCH_SIZE) / a.batch.seconds;
	const pathBareRps = a.requestPath.bare.ok / a.requestPath.bare.seconds;
	const pathSingleEps = a.requestPath.single.ok / a.requestPath.single.seconds;
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
	[
		"request path alone: bare GET /",
		`${fixed(a.requestPath.bare.ok)} req`,
		`${fixed(a.requestPath.bare.seconds, 1)} s`,
		`${fixed(pathBareRps)} req/s`,
		"",
		"",
	],
	[
		"request path alone: single",
		`${fixed(a.requestPath.single.ok)} emails`,
		`${fixed(a.requestPath.single.seconds, 1)} s`,
		`${fixed(pathSingleEps)} emails/s`,
		`bare GET / ${fixed(pathBareRps)} req/s`,
		`ratio ${fixed(pathSingleEps / pathBareRps, 2)}`,
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
  accepted singles over the bare endpoint: the request path alone ${fixed(pathSingleEps / pathBareRps, 2)} [at least 0.50];
  with the pipeline on the same machine ${fixed(singleEps / bareRps, 2)} (every single also brings SES's notification back, a request to the
  same Worker on the same runtime thread, and its consumer's work).
  The request path alone: the send queues' consumers off (bench/request-path.ts), as API isolates run in production.`);

	const measured = measuredUsages(b);
	console.log(usageReport(b, measured));
	console.log(storageReport(measured));
	if (b.attachment) console.log(attachmentReport(b.attachment, b.attachmentBaseline));
	console.log(entryPointReport(measured));

	console.log(`
Answers by HTTP status (every request of phases A and B; only 2xx counts as accepted)
${statusTable()}`);
	if (reloads.length) {
		console.log(`
Discarded runs (wrangler dev reloads the Worker when a source file changes, zeroing its counters)
${reloads.map((r) => `  - ${r}`).join("\n")}`);
	}
}

/** End to end over accepted emails/s, or why there is no figure. */
const ratio = (endToEnd: number | undefined, accepted: number) =>
	endToEnd === undefined ? "(end to end timed out)" : fixed(endToEnd / accepted, 2);

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
