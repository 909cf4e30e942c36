/**
 * Safety net for "nothing accepted is ever lost": an email left `queued` with no queue message
 * (a message lost between the queue and the consumer) is queued again once it is three hours
 * old. Three hours is past the send queue's whole retry window (about an hour), so a message
 * still on its way is rarely doubled, and a doubled one is harmless: the consumer sends only
 * emails that are still `queued`.
 *
 * It walks the emails in the log's order (`seq`, their ids' order: creation order) from where
 * its last run stopped (`cron_cursors`, the last email's id) up to three hours ago, reading each
 * email once, ever: a range of the rowid, bounded per run, with no index of queued emails for
 * every insert and every send to write (that index cost two rows written per email). After a gap (the cron down for days) it
 * looks back at most LOOK_BACK.
 *
 * The cron hands it the bulk lane's queue (src/domain/lanes.ts): these emails are hours late
 * already, and a sweep after an incident may find many, which must not hold up express mail.
 */
import { asc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { seqFloor, seqOf } from "../db/queries/email-seq.ts";
import { sendMarkOf } from "../db/queries/send-marks.ts";
import { cronCursors, emails } from "../db/schema.ts";
import { queueEmails, type SendMessage } from "../domain/send-message.ts";
import { idFloor } from "../lib/ids.ts";
import { DAY, HOUR } from "../lib/time.ts";

export const STUCK_AFTER = 3 * HOUR;
const LOOK_BACK = 7 * DAY;
const CURSOR = "stuck-emails";

export interface SweepOptions {
	/** Emails read per statement. */
	pageSize?: number;
	/** Statements per run (the five-minute cron shares D1's 1,000 queries an invocation). */
	maxPages?: number;
}

export async function requeueStuckEmails(
	db: Db,
	queue: Queue<SendMessage>,
	now = Date.now(),
	{ pageSize = 1000, maxPages = 100 }: SweepOptions = {},
): Promise<number> {
	const until = idFloor(now - STUCK_AFTER);
	const floor = idFloor(now - LOOK_BACK);
	const [saved] = await db
		.select({ position: cronCursors.position })
		.from(cronCursors)
		.where(eq(cronCursors.name, CURSOR));
	let after = saved && saved.position > floor ? saved.position : floor;
	let requeued = 0;
	for (let page = 0; page < maxPages; page++) {
		const rows = await db
			.select({ id: emails.id, lastEvent: emails.lastEvent, sendMark: sendMarkOf(emails) })
			.from(emails)
			.where(sql`${emails.seq} > ${seqOf(after)} AND ${emails.seq} < ${seqFloor(until)}`)
			.orderBy(asc(emails.seq))
			.limit(pageSize);
		const last = rows.at(-1);
		if (!last) break;
		// A send mark the tally has not stored yet (it is behind) is a send all the same.
		const stuck = rows
			.filter((r) => r.lastEvent === "queued" && r.sendMark === null)
			.map((r) => r.id);
		await queueEmails(
			queue,
			stuck.map((id) => ({ id })),
		);
		requeued += stuck.length;
		// Saved after the page is queued: a run that dies re-reads at most one page.
		after = last.id;
		await db
			.insert(cronCursors)
			.values({ name: CURSOR, position: after })
			.onConflictDoUpdate({ target: cronCursors.name, set: { position: after } });
		if (rows.length < pageSize) break;
	}
	if (requeued) console.warn(`requeued ${requeued} emails that were never sent`);
	return requeued;
}
