/**
 * The daily figures (`account_day_counts`, GET /account/metrics) of recent emails, counted once
 * from their rows instead of one upsert per event.
 *
 * An email's events arrive one request or consumer run at a time: counting each as it is
 * recorded costs a row written per event (the `sent` and `delivered` figures of a delivered
 * single, 2 of its 10 rows) because other emails of the same account rarely share that write.
 * Instead, each minute this walks the emails created up to `lag` ago, in the log's order (`seq`:
 * creation order) from where it stopped (`cron_cursors`, a window's first id), and adds what
 * their timelines hold in one upsert per account, day and figure for the whole page.
 *
 * Exactly once, with the recorder (src/domain/email-recorder.ts): an event of an email before
 * the cursor is counted as it is recorded, in the recorder's batch; one of an email at or past
 * it is left in the row for this walk (`countsStatement` compares the email's id with the
 * cursor in the same batch). The walk counts a page and moves the cursor past it in one batch,
 * so every event is recorded either before that batch (in the row it reads) or after (counted
 * by the recorder). Before the first walk there is no cursor and the recorder counts every
 * event; the first walk only places the cursor at the present.
 *
 * An email keeps the last 500 entries of its timeline (src/domain/email-recorder.ts): one that
 * gathers more within the lag would have its oldest ones go uncounted (fifty recipients with ten
 * events each in two minutes).
 *
 * A run counts at most 50 pages (50,000 emails a minute, several times what one D1 database
 * can accept, docs/scaling.md), so after an outage it catches up within minutes.
 *
 * Send marks (src/db/queries/send-marks.ts): the page's emails whose SES acceptance is still
 * only in a mark get it in their row first, in the same batch, so the page's `sent` figures
 * count it. An email whose delivery is in a mark keeps it there: its figures are counted from
 * the mark (its send and the delivery's timeline entries), and it gets no state key, as an
 * email delivered in its row.
 *
 * What it costs: each email read once (rows read, a thousandth of a row written's price), and
 * a row written per account, day and figure a page holds. Figures trail by the lag plus a
 * minute; an event later than that (a soft bounce retried for hours, a complaint, a scheduled
 * email's send) is counted as it is recorded, as before.
 */
import { and, asc, eq, isNull, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { nextWindowFloorId, seqFloor, windowFloorId } from "../db/queries/email-seq.ts";
import { EVENT_FIGURES, TALLY_CURSOR, tallyCursor } from "../db/queries/metrics.ts";
import { deliveryMarkOf, foldSendMarksStatement } from "../db/queries/send-marks.ts";
import { accountDayCounts, cronCursors, emails, ON_ITS_WAY_KEY } from "../db/schema.ts";
import { idFloor } from "../lib/ids.ts";
import { DAY, MINUTE } from "../lib/time.ts";

/** How long after an email's creation its figures are counted: most events are in by then. */
export const TALLY_LAG = 2 * MINUTE;

export interface TallyOptions {
	lag?: number;
	/** Emails per page (one batch: the counts and the cursor). */
	pageSize?: number;
	/** Pages per run (the minute's cron shares D1's 1,000 queries an invocation). */
	maxPages?: number;
}

/** Tallies the emails created up to `lag` before `now`; returns how many pages it counted. */
export async function tallyDayFigures(
	db: Db,
	now = Date.now(),
	{ lag = TALLY_LAG, pageSize = 1000, maxPages = 50 }: TallyOptions = {},
): Promise<number> {
	const [saved] = await db
		.select({ position: cronCursors.position })
		.from(cronCursors)
		.where(eq(cronCursors.name, TALLY_CURSOR));
	if (!saved) {
		// Every event so far was counted as it was recorded: start from the present.
		await db
			.insert(cronCursors)
			.values({ name: TALLY_CURSOR, position: idFloor(now) })
			.onConflictDoNothing();
		return 0;
	}
	const until = idFloor(now - lag);
	let from = saved.position;
	let pages = 0;
	while (pages < maxPages && from < until) {
		const [next] = await db
			.select({ id: emails.id })
			.from(emails)
			.where(inRange(from, until))
			.orderBy(asc(emails.seq))
			.limit(1)
			.offset(pageSize);
		const to = next ? pageEnd(from, next.id) : until;
		const [, , , moved] = await db.batch([
			foldSendMarksStatement(db, sql`${inRange(from, to)} AND ${tallyCursor} = ${from}`),
			tallyStatement(db, from, to),
			keyOnItsWay(db, from, to),
			db
				.update(cronCursors)
				.set({ position: to })
				.where(and(eq(cronCursors.name, TALLY_CURSOR), eq(cronCursors.position, from)))
				.returning({ position: cronCursors.position }),
		]);
		// Another run moved the cursor first: it counted this page, and this batch added nothing.
		if (moved.length === 0) break;
		pages += 1;
		from = to;
	}
	return pages;
}

/**
 * Where a page that reaches the email with id `next` ends: at its window's first id, so the
 * cursor is always a window's first id (or a time's), where the recorder's comparison of ids
 * with the cursor and this walk's range of seqs agree (src/db/queries/email-seq.ts).
 */
function pageEnd(from: string, next: string): string {
	const start = windowFloorId(next);
	return start > from ? start : nextWindowFloorId(next);
}

/** The emails with ids in [from, to), both a window's first id or a time's: a range of seqs. */
const inRange = (from: string, to: string, e: { seq: SQLWrapper } = emails) =>
	sql`${e.seq} >= ${seqFloor(from)} AND ${e.seq} < ${seqFloor(to)}`;

/**
 * Gives the emails with ids in [from, to) still on their way (queued or sent, not yet
 * delivered) the state key they were stored without (`ON_ITS_WAY_KEY`), if the cursor is still
 * at `from`: behind the cursor, the list finds them in the state index like every other email.
 * The revision moves, so a lifecycle write that read the row before decides again on this one.
 */
function keyOnItsWay(db: Db, from: string, to: string) {
	return db
		.update(emails)
		.set({ stateKey: ON_ITS_WAY_KEY, revision: sql`${emails.revision} + 1` })
		.where(
			and(
				inRange(from, to),
				isNull(emails.stateKey),
				eq(emails.status, "pending"),
				sql`${deliveryMarkOf(emails)} IS NULL`,
				sql`${tallyCursor} = ${from}`,
			),
		);
}

/** The delivery mark of `e`, the tally's alias of `emails` (the page's fold stored the sends). */
const markOfE = deliveryMarkOf({
	id: sql`e.id`,
	sendGroup: sql`e.send_group`,
	sesMessageId: sql`e.ses_message_id`,
});

/**
 * Adds the figures of the emails with ids in [from, to) to their accounts' days, if the cursor
 * is still at `from` (a run that lost the race to another adds nothing): each timeline entry
 * with a figure on its day (src/db/queries/metrics.ts `figureOf`), and the recipients of an
 * email SES accepted as `sent` on the day it did. Acceptance stores each recipient once
 * (`dedupeRecipients`), so the lengths of to, cc and bcc are the recorder's recipient count.
 */
function tallyStatement(db: Db, from: string, to: string) {
	const figure = sql.raw(
		`CASE json_extract(entry.value, '$.type') ${Object.entries(EVENT_FIGURES)
			.map(([type, name]) => `WHEN '${type}' THEN '${name}'`)
			.join(" ")} END`,
	);
	const day = (ms: SQL) => sql`CAST(${ms} / ${sql.raw(String(DAY))} AS INTEGER)`;
	const inPage = sql`${inRange(from, to, { seq: sql`e.seq` })} AND ${tallyCursor} = ${from}`;
	return db
		.insert(accountDayCounts)
		.select(
			sql`SELECT account_id, day, figure, SUM(n) FROM (
				SELECT e.account_id, ${day(sql`json_extract(entry.value, '$.at')`)} AS day, ${figure} AS figure, 1 AS n
				FROM ${emails} e, json_each(e.timeline) entry WHERE ${inPage}
				UNION ALL
				SELECT e.account_id, ${day(sql`json_extract(entry.value, '$.at')`)}, ${figure}, 1
				FROM ${emails} e, json_each(json_extract(${markOfE}, '$[2].timeline')) entry WHERE ${inPage}
				UNION ALL
				SELECT account_id, ${day(sql`sent_at`)}, 'sent', recipients FROM (
					SELECT e.account_id, COALESCE(e.sent_at, json_extract(${markOfE}, '$[1]')) AS sent_at,
						json_array_length(e.to_addresses) + COALESCE(json_array_length(e.cc_addresses), 0)
						+ COALESCE(json_array_length(e.bcc_addresses), 0) AS recipients
					FROM ${emails} e WHERE ${inPage}
				) WHERE sent_at IS NOT NULL
			) WHERE figure IS NOT NULL GROUP BY 1, 2, 3`,
		)
		.onConflictDoUpdate({
			target: [accountDayCounts.accountId, accountDayCounts.day, accountDayCounts.figure],
			set: { count: sql`${accountDayCounts.count} + excluded.count` },
		});
}
