/**
 * Phase C's workload, as SQL for `wrangler d1 execute`: over a million expired rows across the
 * tables the retention purge (src/cron/purge.ts) works on, and rows inside their retention in
 * every one of them, which must survive. Recursive-CTE INSERT … SELECT, so seeding a million
 * rows takes seconds.
 */
import { DEMO } from "../local-stack.ts";
import { config } from "./options.ts";

const EVENTS_PER_EMAIL = 3;
const DAY_MS = 24 * 60 * 60_000;

/** Row counts of the tables the purge works on. */
export interface TableCounts {
	emails: number;
	events: number;
	unmatched: number;
	sessions: number;
	loginFailures: number;
	idempotencyKeys: number;
}

export const sumCounts = (c: TableCounts) => Object.values(c).reduce((x, y) => x + y, 0);

export function addCounts(a: TableCounts, b: TableCounts): TableCounts {
	return {
		emails: a.emails + b.emails,
		events: a.events + b.events,
		unmatched: a.unmatched + b.unmatched,
		sessions: a.sessions + b.sessions,
		loginFailures: a.loginFailures + b.loginFailures,
		idempotencyKeys: a.idempotencyKeys + b.idempotencyKeys,
	};
}

/** The query that counts them, for `wrangler d1 execute --json`. */
export const COUNT_TABLES_SQL = `SELECT (SELECT count(*) FROM emails) AS emails, (SELECT count(*) FROM email_events) AS events, (SELECT count(*) FROM unmatched_notifications) AS unmatched, (SELECT count(*) FROM sessions) AS sessions, (SELECT count(*) FROM login_failures) AS loginFailures, (SELECT count(*) FROM idempotency_keys) AS idempotencyKeys`;

/**
 * SQL for a UUIDv7 at time `t` (ms) whose random bits are the number `n`: the shape of
 * src/lib/ids.ts's ids, so the purge's primary-key ranges see realistic keys.
 */
export const uuidSql = (t: string, n: string) =>
	`substr(printf('%012x', ${t}), 1, 8) || '-' || substr(printf('%012x', ${t}), 9, 4) || '-7' || printf('%03x', (${n}) % 4096) || '-8' || printf('%03x', ((${n}) / 4096) % 4096) || '-' || printf('%012x', ${n})`;

/** `count` rows numbered n = 0 … count-1 with a time t spread over [from, from + span). */
export const numbered = (count: number, from: number, span: number) =>
	`WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < ${count - 1}), rows AS (SELECT n, ${from} + n * ${Math.max(1, Math.floor(span / count))} AS t FROM seq)`;

/**
 * The purge's workload: expired emails (180 to 91 days old, each with a sent and a delivered
 * event and a complaint two days later), orphan events and unmatched notifications of the same
 * age, expired sessions, stale login failures and idempotency keys; and rows inside their
 * retention in every table, which must survive.
 */
export function purgeSeed(now: number) {
	const e = config.purgeEmails;
	const tenth = Math.max(1, Math.round(e / 10));
	const fiftieth = Math.max(1, Math.round(e / 50));
	const expired: TableCounts = {
		emails: e,
		events: e * EVENTS_PER_EMAIL + tenth,
		unmatched: tenth,
		sessions: fiftieth,
		loginFailures: fiftieth,
		idempotencyKeys: tenth,
	};
	const kept: TableCounts = {
		emails: fiftieth,
		events: fiftieth * 2,
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
INSERT INTO emails (id, account_id, domain_id, from_address, to_addresses, subject, html, text_body,
  status, last_event, created_at, sent_at, delivered_at)
SELECT ${uuidSql("t", `n + ${offset}`)}, ${account}, '${DEMO.domainId}', 'Bench <bench@${DEMO.domain}>',
  '["r' || n || '@example.org"]', 'Purge benchmark ' || n, ${html}, ${text}, 'sent', 'delivered',
  t, t + 1000, t + 2000
FROM rows;`;
	const eventsInsert = (count: number, from: number, span: number, offset: number, kinds: string) =>
		`${numbered(count, from, span)}, kinds(k, type, delay) AS (VALUES ${kinds})
INSERT INTO email_events (id, email_id, account_id, type, recipient, occurred_at, created_at)
SELECT ${uuidSql("t + delay", `${offset} + 4 + n * 4 + k`)}, ${uuidSql("t", `n + ${offset}`)}, ${account},
  type, 'r' || n || '@example.org', t + delay, t + delay
FROM rows, kinds;`;
	const sql = [
		emailsInsert(e, oldFrom, oldSpan, 0),
		eventsInsert(
			e,
			oldFrom,
			oldSpan,
			0,
			`(0, 'sent', 1000), (1, 'delivered', 2000), (2, 'complained', ${2 * DAY_MS})`,
		),
		// Orphans: events of emails that are gone (their email ids exist nowhere).
		`${numbered(tenth, oldFrom, oldSpan)}
INSERT INTO email_events (id, email_id, account_id, type, occurred_at, created_at)
SELECT ${uuidSql("t", "n + 100000000")}, ${uuidSql("t - 5000", "n + 200000000")}, ${account},
  'complained', t, t
FROM rows;`,
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
		eventsInsert(
			fiftieth,
			keptFrom,
			keptSpan,
			300000000,
			"(0, 'sent', 1000), (1, 'delivered', 2000)",
		),
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
