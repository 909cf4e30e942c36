/**
 * Safety net for "nothing accepted is ever lost": an email is stored before it is queued, so a
 * Worker that dies between the two leaves it `queued` with no queue message. Such emails are
 * queued again. Three hours is past the send queue's whole retry window (about an hour), so a
 * message still on its way is rarely doubled, and a doubled one is harmless: the consumer sends
 * only emails that are still `queued`.
 */
import { and, asc, eq, gt, lt } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { emails } from "../db/schema.ts";
import type { SendMessage } from "../domain/sending.ts";
import { chunk } from "../lib/chunk.ts";
import { DAY, HOUR } from "../lib/time.ts";

export const STUCK_AFTER = 3 * HOUR;
const LOOK_BACK = 7 * DAY;
const MAX_PER_RUN = 1000;

export async function requeueStuckEmails(db: Db, queue: Queue<SendMessage>, now = Date.now()) {
	const stuck = await db
		.select({ id: emails.id })
		.from(emails)
		.where(
			and(
				eq(emails.lastEvent, "queued"),
				lt(emails.createdAt, now - STUCK_AFTER),
				gt(emails.createdAt, now - LOOK_BACK),
			),
		)
		.orderBy(asc(emails.createdAt))
		.limit(MAX_PER_RUN);
	for (const part of chunk(stuck, 100)) {
		await queue.sendBatch(part.map(({ id }) => ({ body: { emailId: id } })));
	}
	if (stuck.length) console.warn(`requeued ${stuck.length} emails that were never sent`);
	return stuck.length;
}
