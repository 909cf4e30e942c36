/**
 * Phase C's workload, as SQL for `wrangler d1 execute`: over a million expired rows across the
 * tables the retention purge (src/cron/purge.ts) works on, and rows inside their retention in
 * every one of them, which must survive. Recursive-CTE INSERT … SELECT, so seeding a million
 * rows takes seconds.
 */
import { windowStartText } from "../../src/db/queries/email-seq.ts";
import { DEMO } from "../demo-account.ts";
import { config } from "./options.ts";

const DAY_MS = 24 * 60 * 60_000;
/** The daily figures each seeded day has (`account_day_counts`, one row per figure). */
const EXPIRED_FIGURES = ["sent", "delivered", "complained"];
const KEPT_FIGURES = ["sent", "delivered"];
/** One email in this many has a second recipient, in cc (a lookup row). */
export const CC_EVERY = 10;
/**
 * Emails per send group, each group with one mark: a batch's queue message, whose deliveries
 * stay in a mark until the purge (src/db/queries/send-marks.ts).
 */
const GROUP_SIZE = 50;

/** Row counts of the tables the purge works on. */
export interface TableCounts {
	emails: number;
	/**
	 * The emails' lookup rows for GET /emails?to= (`email_recipients`): one for each tenth email,
	 * whose second recipient (in cc) has one; first recipients are in the email's row.
	 */
	recipients: number;
	/** Their send groups' marks (`send_marks`), one per group of `GROUP_SIZE` emails. */
	marks: number;
	dayCounts: number;
	unmatched: number;
	sessions: number;
	loginFailures: number;
	idempotencyKeys: number;
}

export const sumCounts = (c: TableCounts) => Object.values(c).reduce((x, y) => x + y, 0);

export function addCounts(a: TableCounts, b: TableCounts): TableCounts {
	return {
		emails: a.emails + b.emails,
		recipients: a.recipients + b.recipients,
		marks: a.marks + b.marks,
		dayCounts: a.dayCounts + b.dayCounts,
		unmatched: a.unmatched + b.unmatched,
		sessions: a.sessions + b.sessions,
		loginFailures: a.loginFailures + b.loginFailures,
		idempotencyKeys: a.idempotencyKeys + b.idempotencyKeys,
	};
}

/** The query that counts them, for `wrangler d1 execute --json`. */
export const COUNT_TABLES_SQL = `SELECT (SELECT count(*) FROM emails) AS emails, (SELECT count(*) FROM email_recipients) AS recipients, (SELECT count(*) FROM send_marks) AS marks, (SELECT count(*) FROM account_day_counts) AS dayCounts, (SELECT count(*) FROM unmatched_notifications) AS unmatched, (SELECT count(*) FROM sessions) AS sessions, (SELECT count(*) FROM login_failures) AS loginFailures, (SELECT count(*) FROM idempotency_keys) AS idempotencyKeys`;

/**
 * SQL for a UUIDv7 at time `t` (ms) whose random bits are the number `n`: the shape of
 * src/lib/ids.ts's ids, so the purge's primary-key ranges see realistic keys.
 */
export const uuidSql = (t: string, n: string) =>
	`substr(printf('%012x', ${t}), 1, 8) || '-' || substr(printf('%012x', ${t}), 9, 4) || '-7' || printf('%03x', (${n}) % 4096) || '-8' || printf('%03x', ((${n}) / 4096) % 4096) || '-' || printf('%012x', ${n})`;

/**
 * `count` rows numbered n = 0 … count-1 with a time t spread over [from, from + span): each row
 * its own, or the same for each `together` rows in a row (n / together, as a batch's emails).
 */
export const numbered = (count: number, from: number, span: number, together = 1) =>
	`WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < ${count - 1}), rows AS (SELECT n, ${from} + (n / ${together}) * ${together * Math.max(1, Math.floor(span / count))} AS t FROM seq)`;

/**
 * The purge's workload: expired emails (180 to 91 days old, each with a timeline of a delivery
 * and a complaint two days later in its row, its first recipient in its row and, for one in
 * ten, a second recipient's lookup row, and a mark per send group of fifty), the account's daily figures of those days,
 * unmatched notifications of the same age, expired sessions, stale login failures and
 * idempotency keys; and rows inside their retention in every table, which must survive.
 */
export function purgeSeed(now: number) {
	const e = config.purgeEmails;
	const tenth = Math.max(1, Math.round(e / 10));
	const fiftieth = Math.max(1, Math.round(e / 50));
	const day = (t: number) => Math.floor(t / DAY_MS);
	// Days before the purge's cutoff day (dayOf(now - 90 days)) go; from it on they stay.
	const cutoffDay = day(now - 90 * DAY_MS);
	const expiredDays = [cutoffDay - 90, cutoffDay - 1] as const;
	const keptDays = [cutoffDay, day(now)] as const;
	const span = ([a, b]: readonly [number, number]) => b - a + 1;
	const expired: TableCounts = {
		emails: e,
		recipients: Math.ceil(e / CC_EVERY),
		marks: Math.ceil(e / GROUP_SIZE),
		dayCounts: span(expiredDays) * EXPIRED_FIGURES.length,
		unmatched: tenth,
		sessions: fiftieth,
		loginFailures: fiftieth,
		idempotencyKeys: tenth,
	};
	const kept: TableCounts = {
		emails: fiftieth,
		recipients: Math.ceil(fiftieth / CC_EVERY),
		marks: Math.ceil(fiftieth / GROUP_SIZE),
		dayCounts: span(keptDays) * KEPT_FIGURES.length,
		unmatched: fiftieth,
		sessions: fiftieth,
		loginFailures: fiftieth,
		idempotencyKeys: fiftieth,
	};
	const oldFrom = now - 180 * DAY_MS;
	const oldSpan = 89 * DAY_MS;
	const keptFrom = now - 89 * DAY_MS;
	const keptSpan = 88 * DAY_MS;
	const account = `'${DEMO.accountId}'`;
	const html = `'<html><body><h1>Your receipt</h1><p>${"Thank you for your order. ".repeat(14)}</p></body></html>'`;
	const text = `'${"Thank you for your order. ".repeat(8)}'`;
	const emailsInsert = (count: number, from: number, span: number, offset: number) =>
		`${numbered(count, from, span)}
INSERT INTO emails (seq, id, account_id, domain_id, from_address, to_addresses, cc_addresses, first_recipient,
  subject, html, text_body, status, last_event, created_at, sent_at, delivered_at, send_group, timeline)
SELECT ${windowStartText(uuidSql("t", `n + ${offset}`))}, ${uuidSql("t", `n + ${offset}`)}, ${account}, '${DEMO.domainId}', 'Bench <bench@${DEMO.domain}>',
  '["r' || n || '@example.org"]', CASE WHEN n % ${CC_EVERY} = 0 THEN '["cc' || n || '@example.org"]' END,
  'r' || n || '@example.org', 'Purge benchmark ' || n, ${html}, ${text}, 'sent', 'delivered',
  t, t + 1000, t + 2000, (n + ${offset}) / ${GROUP_SIZE},
  json_array(
    json_object('type', 'delivered', 'recipient', 'r' || n || '@example.org', 'details', json('null'), 'at', t + 2000, 'key', 'sns-d-' || n),
    json_object('type', 'complained', 'recipient', 'r' || n || '@example.org', 'details', json('null'), 'at', t + ${2 * DAY_MS}, 'key', 'sns-c-' || n)
  )
FROM rows;
${numbered(count, from, span)}
INSERT INTO email_recipients (email_id, address, account_id)
SELECT ${uuidSql("t", `n + ${offset}`)}, 'cc' || n || '@example.org', ${account} FROM rows WHERE n % ${CC_EVERY} = 0;
INSERT INTO send_marks (group_key, part, results)
SELECT send_group, 0, json_group_object(id, json_array('ses-' || id, sent_at)) FROM emails
WHERE send_group BETWEEN ${offset / GROUP_SIZE} AND ${(offset + count - 1) / GROUP_SIZE} GROUP BY send_group;`;
	const dayCountsInsert = ([first, last]: readonly [number, number], figures: string[]) =>
		`WITH RECURSIVE d(day) AS (SELECT ${first} UNION ALL SELECT day + 1 FROM d WHERE day < ${last}),
  f(figure) AS (VALUES ${figures.map((f) => `('${f}')`).join(", ")})
INSERT INTO account_day_counts (account_id, day, figure, count) SELECT ${account}, day, figure, 10 FROM d, f;`;
	const sql = [
		emailsInsert(e, oldFrom, oldSpan, 0),
		dayCountsInsert(expiredDays, EXPIRED_FIGURES),
		`${numbered(tenth, oldFrom, oldSpan)}
INSERT INTO unmatched_notifications (id, sns_message_id, topic_arn, type, payload, created_at)
SELECT ${uuidSql("t", "n")}, 'bench-' || n, 'arn:aws:sns:us-east-1:000000000000:bench', 'Bounce',
  '{"notificationType":"Bounce"}', t
FROM rows;`,
		`INSERT INTO users (id, email, password_hash, account_id, created_at)
VALUES ('bench-purge-user', 'purge-bench@example.org', 'x', ${account}, ${now});`,
		`${numbered(fiftieth, now - 30 * DAY_MS, 29 * DAY_MS)}
INSERT INTO sessions (id, token_hash, csrf_token, user_id, created_at, expires_at)
SELECT 'expired-' || n, 'expired-' || n, 'x', 'bench-purge-user', t - 14 * ${DAY_MS}, t
FROM rows;`,
		`${numbered(fiftieth, now - 10 * DAY_MS, 8 * DAY_MS)}
INSERT INTO login_failures (key, count, first_at) SELECT 'ip:stale-' || n, 3, t FROM rows;`,
		`${numbered(tenth, now - 3 * DAY_MS, DAY_MS)}
INSERT INTO idempotency_keys (account_id, key, endpoint, request_hash, response_status,
  response_body, created_at)
SELECT ${account}, 'expired-' || n, 'POST /emails', 'hash', 200, '{"id":"x"}', t FROM rows;`,
		// Inside their retention: must all be there after the purge.
		emailsInsert(fiftieth, keptFrom, keptSpan, 300000000),
		dayCountsInsert(keptDays, KEPT_FIGURES),
		`${numbered(fiftieth, keptFrom, keptSpan)}
INSERT INTO unmatched_notifications (id, sns_message_id, topic_arn, type, payload, created_at)
SELECT ${uuidSql("t", "n + 300000000")}, 'kept-' || n, 'arn:aws:sns:us-east-1:000000000000:bench',
  'Bounce', '{"notificationType":"Bounce"}', t
FROM rows;`,
		`${numbered(fiftieth, now, 13 * DAY_MS)}
INSERT INTO sessions (id, token_hash, csrf_token, user_id, created_at, expires_at)
SELECT 'live-' || n, 'live-' || n, 'x', 'bench-purge-user', t, t + ${DAY_MS} FROM rows;`,
		`${numbered(fiftieth, now - 20 * 60_000, 10 * 60_000)}
INSERT INTO login_failures (key, count, first_at) SELECT 'ip:recent-' || n, 1, t FROM rows;`,
		`${numbered(fiftieth, now - 20 * 60 * 60_000, 10 * 60 * 60_000)}
INSERT INTO idempotency_keys (account_id, key, endpoint, request_hash, response_status,
  response_body, created_at)
SELECT ${account}, 'kept-' || n, 'POST /emails', 'hash', 200, '{"id":"x"}', t FROM rows;`,
	].join("\n");
	return { sql, expired, kept };
}
