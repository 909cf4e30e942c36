/**
 * Phase F, the email log at scale: GET /emails, unfiltered and with each filter the dashboard
 * offers (status, last_event, domain_id, to, tag, created_after, created_before), for one account
 * holding --log-small-emails emails (1,000) and one holding --log-emails (1,000,000), both in one
 * database, which is seeded before wrangler dev starts with `wrangler d1 execute`
 * (recursive-CTE INSERT … SELECT, as phase C's purge seed) into `emails`, each email's recipient
 * and tag in `first_recipient` and `first_tag` (src/db/schema/emails.ts), so every index of
 * migrations/ is written as the API would. The product entry (metrics off) answers; each query is timed as the
 * median of --log-requests requests, one at a time, after one warm-up request.
 */
import { rmSync, writeFileSync } from "node:fs";
import { SLOTS, windowStartText } from "../../src/db/queries/email-seq.ts";
import { TALLY_CURSOR } from "../../src/db/queries/metrics.ts";
import { idFloor } from "../../src/lib/ids.ts";
import type { LocalStack } from "../local-stack.ts";
import { accounts, type BenchAccount, benchAccountsSql } from "./accounts.ts";
import { config, LOG_TIMEOUT_MS } from "./options.ts";
import { fixed, problems, table } from "./outcome.ts";
import { numbered, uuidSql } from "./purge-seed.ts";
import { startStack, stopStack, throwIfInterrupted, wranglerLocal } from "./stack.ts";

const LOG_STATE_DIR = ".wrangler/bench-log-state";
const DAY_MS = 24 * 60 * 60_000;
/** The emails span the last 30 days, oldest first. */
const SPAN_MS = 30 * DAY_MS;
/** The dashboard's page (dashboard/src/pages/emails.tsx PAGE_SIZE). */
const PAGE = 25;
/**
 * Emails per recipient, in either account: a `to` filter then matches as many emails in both,
 * so its two timings differ only by the account's size.
 */
const EMAILS_PER_RECIPIENT = 40;
const CATEGORIES = ["receipt", "welcome", "password-reset", "digest"];

/**
 * One account's emails, each with one recipient and one tag (its row's first ones): 97% delivered, 2% bounced, 1%
 * complained, 0.1% still in flight (SES accepted, no notification yet); recipient `user-<k>@example.org`, each with EMAILS_PER_RECIPIENT emails; tag
 * `category:<one of four>`. The accounts' times and counters can meet, so each account's
 * emails take their own `slot` of those windows (src/db/queries/email-seq.ts). The emails are
 * stored in runs of --log-run (src/db/queries/email-runs.ts): each run's emails share a time,
 * as a batch's do, and its first holds the list index's entry and the run's range. In the usual
 * mix the delivered emails' sends and deliveries are in marks (`deliveriesInMarksSql`).
 */
function emailsSql(
	account: BenchAccount,
	count: number,
	from: number,
	{ idOffset, slot }: { idOffset: number; slot: number },
	mix: "usual" | "canceled" = "usual",
): string {
	const id = uuidSql("t", `n + ${idOffset}`);
	const run = config.logRun;
	const rows = numbered(count, from, SPAN_MS, run);
	// The run's last email: the same time, its counter the last of the run's (src/db/queries/email-runs.ts).
	const last = uuidSql("t", `MIN(n + ${run - 1}, ${count - 1}) + ${idOffset}`);
	const recipients = Math.max(1, Math.floor(count / EMAILS_PER_RECIPIENT));
	const recipient = `'user-' || (n % ${recipients}) || '@example.org'`;
	const category = `CASE n % 4 ${CATEGORIES.map((c, i) => `WHEN ${i} THEN '${c}'`).join(" ")} END`;
	return `${rows}
INSERT INTO emails (seq, id, account_id, domain_id, from_address, to_addresses, subject, html, text_body,
  tags, status, last_event, state_key, created_at, sent_at, delivered_at, delivered_to, webhooks, in_run, run_end,
  first_recipient, first_tag)
SELECT ${windowStartText(id)} + ${slot}, ${id}, '${account.accountId}', '${account.domainId}', 'Bench <bench@${account.domain}>',
  '["' || ${recipient} || '"]', 'Your ' || (${category}) || ' #' || n,
  '<p>Hello from the benchmark, email ' || n || '.</p>', 'Hello from the benchmark, email ' || n || '.',
  '[{"name":"category","value":"' || (${category}) || '"}]',
  ${stateColumns(mix === "canceled" ? CANCELED_STATE : USUAL_STATE)},
  t, t + 1000, CASE WHEN n % 100 < 2 OR n % 1000 = 999 THEN NULL ELSE t + 2000 END,
  CASE WHEN n % 100 < 2 OR n % 1000 = 999 THEN NULL ELSE '["' || ${recipient} || '"]' END, 0,
  CASE WHEN n % ${run} = 0 THEN NULL ELSE 1 END,
  CASE WHEN n % ${run} = 0 AND MIN(n + ${run - 1}, ${count - 1}) > n THEN ${windowStartText(last)} + ${SLOTS - 1} END,
  ${recipient}, 'category:' || (${category})
FROM rows;${mix === "usual" ? deliveriesInMarksSql(account, count, idOffset) : ""}`;
}

/**
 * Moves an account's delivered emails' sends and deliveries into marks, a send group per run
 * (fifty consecutive emails when each is a run of one), as the API's batches leave them for an account without webhooks: the row as
 * accepted, the rest in `send_marks` (src/db/queries/send-marks.ts), which every read and the
 * list's filters apply. The group keys of the accounts differ by their `idOffset`.
 */
function deliveriesInMarksSql(account: BenchAccount, count: number, idOffset: number): string {
	const perGroup =
		(config.logRun > 1 ? config.logRun : 50) * Math.max(1, Math.floor(SPAN_MS / count));
	const group = `${idOffset} + CAST(created_at / ${perGroup} AS INTEGER)`;
	const delivered = `account_id = '${account.accountId}' AND status = 'sent' AND last_event = 'delivered'`;
	const change = `json_object('status', 'sent', 'lastEvent', 'delivered', 'deliveredAt', delivered_at,
    'deliveredTo', json(delivered_to), 'timeline', json_array(json_object('type', 'delivered',
    'recipient', json_extract(to_addresses, '$[0]'), 'details', json('null'), 'at', delivered_at, 'key', 'sns-d-' || id)))`;
	return `
INSERT INTO send_marks (group_key, part, results)
SELECT ${group}, 0, json_group_object(id, json_array('ses-' || id, sent_at, ${change}))
FROM emails WHERE ${delivered} GROUP BY 1;
UPDATE emails SET send_group = ${group}, status = 'pending', last_event = 'queued', sent_at = NULL,
  delivered_at = NULL, delivered_to = NULL WHERE ${delivered};`;
}

/** Status and last_event of email n: the usual mix, or the adversarial account's. */
const USUAL_STATE = {
	status: `CASE WHEN n % 100 < 2 THEN 'failed' WHEN n % 1000 = 999 THEN 'pending' ELSE 'sent' END`,
	lastEvent: `CASE WHEN n % 100 < 2 THEN 'bounced' WHEN n % 100 = 2 THEN 'complained'
    WHEN n % 1000 = 999 THEN 'sent' ELSE 'delivered' END`,
};
/** One in 1,000 delivered, the rest scheduled and canceled (which gives back its quota). */
const CANCELED_STATE = {
	status: `CASE WHEN n % 1000 = 0 THEN 'sent' ELSE 'failed' END`,
	lastEvent: `CASE WHEN n % 1000 = 0 THEN 'delivered' ELSE 'canceled' END`,
};

/** status, last_event and state_key, the key as src/db/schema/email-statuses.ts `emailStateKey` gives it. */
function stateColumns({ status, lastEvent }: typeof USUAL_STATE): string {
	const key = `CASE WHEN (${status}) = 'sent' AND (${lastEvent}) = 'delivered' THEN NULL
    ELSE (${status}) || ':' || CASE (${lastEvent}) WHEN 'sent' THEN 'queued' ELSE (${lastEvent}) END END`;
	return `${status},\n  ${lastEvent},\n  ${key}`;
}

export interface LogTiming {
	query: string;
	/** Median milliseconds for the small and the large account. */
	small: number;
	large: number;
	/** Emails on the first page (a filter that matched nothing would measure nothing). */
	smallRows: number;
	largeRows: number;
}

export interface EmailLog {
	small: number;
	large: number;
	seedSeconds: number;
	timings: LogTiming[];
	/** The adversarial account (--log-adversarial-emails), if any: its median per query. */
	adversarial?: { emails: number; timings: { query: string; ms: number; rows: number }[] };
}

export async function phaseF(): Promise<EmailLog | undefined> {
	throwIfInterrupted();
	const deadline = performance.now() + LOG_TIMEOUT_MS;
	const [small, large, adversary] = accounts;
	if (!small || !large || !adversary) {
		throw new Error("the email log phase needs three benchmark accounts");
	}
	console.log(
		`Phase F: the email log (metrics off), ${fixed(config.logSmallEmails)} and ${fixed(config.logEmails)} emails. Seeding a fresh local database…`,
	);
	rmSync(LOG_STATE_DIR, { recursive: true, force: true });
	wranglerLocal(LOG_STATE_DIR, ["d1", "migrations", "apply", "DB"]);
	const now = Date.now();
	const from = now - SPAN_MS - 60_000;
	const seedFile = `${LOG_STATE_DIR}/log-seed.sql`;
	writeFileSync(
		seedFile,
		[
			benchAccountsSql(now),
			emailsSql(small, config.logSmallEmails, from, { idOffset: 400_000_000, slot: 0 }),
			emailsSql(large, config.logEmails, from, { idOffset: 0, slot: 1 }),
			config.logAdversarialEmails > 0
				? emailsSql(
						adversary,
						config.logAdversarialEmails,
						from,
						{ idOffset: 800_000_000, slot: 2 },
						"canceled",
					)
				: "",
			// Where the minute's tally stands in production (a two-minute lag, run each minute):
			// the pending filters also read the account's emails past it (src/db/queries/email-list.ts).
			`INSERT INTO cron_cursors (name, position) VALUES ('${TALLY_CURSOR}', '${idFloor(now - 3 * 60_000)}');`,
		].join("\n"),
	);
	const seedStarted = performance.now();
	wranglerLocal(LOG_STATE_DIR, ["d1", "execute", "DB", `--file=${seedFile}`]);
	const seedSeconds = (performance.now() - seedStarted) / 1000;
	console.log(`  seeded in ${fixed(seedSeconds, 1)} s; timing GET /emails…`);

	const s = await startStack({ persistTo: LOG_STATE_DIR });
	const iso = (t: number) => new Date(t).toISOString();
	const queries = (a: BenchAccount): [string, string][] => [
		["unfiltered", ""],
		// Each status and a rare and a common last_event: `sent` and `delivered` filter the account's
		// emails (the list indexes leave them out), the others are ranges of their index.
		["status=failed", "status=failed"],
		["status=pending (0.1%)", "status=pending"],
		["status=sent", "status=sent"],
		["last_event=delivered", "last_event=delivered"],
		["last_event=bounced", "last_event=bounced"],
		["last_event=sent (0.1%)", "last_event=sent"],
		["domain_id", `domain_id=${a.domainId}`],
		["to", `to=user-7@example.org`],
		["tag=category:receipt", "tag=category:receipt"],
		["created_after (last 10 days)", `created_after=${iso(now - 10 * DAY_MS)}`],
		["created_before (older than 20 days)", `created_before=${iso(now - 20 * DAY_MS)}`],
	];
	const timings: LogTiming[] = [];
	for (const [i, [name]] of queries(small).entries()) {
		if (performance.now() > deadline) {
			problems.push(`email log: stopped after ${LOG_TIMEOUT_MS / 60_000} minutes`);
			break;
		}
		const time = (a: BenchAccount) => timeQuery(s, a, queries(a)[i]?.[1] ?? "");
		const [smallTime, largeTime] = [await time(small), await time(large)];
		timings.push({
			query: name,
			small: smallTime.median,
			large: largeTime.median,
			smallRows: smallTime.rows,
			largeRows: largeTime.rows,
		});
	}
	// The partial list indexes' worst case: the two states they leave out, in an account where
	// they are rare, read past the others; the rest stay ranges of an index.
	const adversarial: NonNullable<EmailLog["adversarial"]>["timings"] = [];
	if (config.logAdversarialEmails > 0 && performance.now() < deadline) {
		for (const query of ["status=sent", "last_event=delivered", "status=failed", ""]) {
			const { median, rows } = await timeQuery(s, adversary, query);
			adversarial.push({ query: query || "unfiltered", ms: median, rows });
		}
	}
	await stopStack();
	rmSync(LOG_STATE_DIR, { recursive: true, force: true });
	return {
		small: config.logSmallEmails,
		large: config.logEmails,
		seedSeconds,
		timings,
		...(adversarial.length
			? { adversarial: { emails: config.logAdversarialEmails, timings: adversarial } }
			: {}),
	};
}

/** The median of --log-requests sequential requests (after one warm-up), and the page's size. */
async function timeQuery(s: LocalStack, account: BenchAccount, query: string) {
	const url = `${s.apiUrl}/emails?limit=${PAGE}${query ? `&${query}` : ""}`;
	const once = async () => {
		const started = performance.now();
		const response = await fetch(url, {
			headers: { authorization: `Bearer ${account.apiKey}` },
			signal: AbortSignal.timeout(30_000),
		});
		const body = (await response.json()) as { data?: unknown[] };
		const ms = performance.now() - started;
		if (!response.ok) {
			problems.push(`email log: GET ${url} answered ${response.status}`);
		}
		return { ms, rows: body.data?.length ?? 0 };
	};
	const { rows } = await once();
	const times: number[] = [];
	for (let i = 0; i < config.logRequests; i++) times.push((await once()).ms);
	times.sort((a, b) => a - b);
	const median = times[Math.floor(times.length / 2)] ?? Number.NaN;
	if (rows === 0) problems.push(`email log: GET ${url} matched no email`);
	return { median, rows };
}

export function emailLogReport(log: EmailLog) {
	const rows: string[][] = [
		[
			"GET /emails?limit=25&…",
			`${fixed(log.small)} emails`,
			`${fixed(log.large)} emails`,
			"ratio",
			"page (small/large)",
		],
	];
	for (const t of log.timings) {
		rows.push([
			t.query,
			`${fixed(t.small, 1)} ms`,
			`${fixed(t.large, 1)} ms`,
			fixed(t.large / t.small, 2),
			`${t.smallRows}/${t.largeRows}`,
		]);
	}
	console.log(`
The email log at scale (metrics off): GET /emails for one account with ${fixed(log.small)} emails and one with ${fixed(log.large)}
  (same database, seeded in ${fixed(log.seedSeconds, 1)} s, each with one recipient and one tag; ${EMAILS_PER_RECIPIENT} emails per
  recipient and 4 tag values in both; 2% failed, 0.1% pending; emails over the last 30 days, ${config.logRun > 1 ? `in runs of ${config.logRun} (as batches store them)` : "each a run of one (as singles store them)"}). Median of ${config.logRequests} requests each,
  one at a time, after a warm-up; the whole request, API key lookup included.
${table(rows)}
  Issue 15's target: the ${fixed(log.large)}-email account within 1.5× of the ${fixed(log.small)}-email one, for every query.`);
	if (log.adversarial) {
		const rows = [["GET /emails?limit=25&…", `${fixed(log.adversarial.emails)} emails`, "page"]];
		for (const t of log.adversarial.timings) {
			rows.push([t.query, `${fixed(t.ms, 1)} ms`, String(t.rows)]);
		}
		console.log(`
An adversarial account: ${fixed(log.adversarial.emails)} emails, 99.9% canceled, 0.1% delivered. The list's state index leaves out
  status sent and last_event delivered, so those two filters read past the canceled emails: a page
  of 25 reads about 25,000 (docs/scaling.md, the state index's tradeoff).
${table(rows)}`);
	}
}
