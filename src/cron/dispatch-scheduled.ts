/**
 * Each minute: names on the send queue every scheduled email due within the next minute, each
 * message delayed to its email's time, so it is sent within a second or two of it (the send
 * consumer claims it then, src/queues/send.ts).
 *
 * Why an index and a one-minute cron rather than an alarm per account: the partial index
 * `emails_scheduled` holds only emails still waiting (`last_event = 'scheduled'`), ordered by
 * time, so each run reads exactly the emails due in the next minute and nothing else, however
 * many emails the log holds or how far ahead the rest are. An email leaves the index when it is
 * claimed, canceled or purged. A per-account Durable Object alarm would cost a DO call on every
 * schedule, reschedule and cancel, plus a D1 read per account per alarm, for the same result.
 *
 * The same email may be named twice (a run while its message is still waiting in the queue);
 * the consumer's claim is conditional, so it is sent once. Bounded: at most MAX_PER_RUN emails a
 * run, read and queued in pages of PAGE; past that, the rest are due already and go in the next
 * minute's run, oldest first.
 *
 * Lanes (src/domain/lanes.ts): an account with more than BULK_AFTER_RECIPIENTS emails due in a
 * page is a scheduled campaign and goes to its bulk queue; the rest go express, so a quiet
 * account's scheduled email is not behind someone's 9 a.m. newsletter. Counted in emails, not
 * recipients (the page reads ids only), a lower bound of the recipients the guard would count.
 */
import { and, asc, eq, lt, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { seqOf } from "../db/queries/email-seq.ts";
import { emails } from "../db/schema.ts";
import { DISPATCH_AHEAD_MS, delayUntil } from "../domain/email-storage.ts";
import { BULK_AFTER_RECIPIENTS, type LaneQueues, laneQueue } from "../domain/lanes.ts";
import { queueEmails, type SendMessage } from "../domain/send-message.ts";

const PAGE = 1000;
export const MAX_PER_RUN = 50_000;

export async function dispatchScheduledEmails(
	db: Db,
	queues: LaneQueues<SendMessage> | Queue<SendMessage>,
	now = Date.now(),
): Promise<number> {
	const lanes = "sendBatch" in queues ? { express: queues, bulk: [queues] } : queues;
	const until = now + DISPATCH_AHEAD_MS;
	// Keyset over the index: each page starts after the last (time, id) of the one before.
	let after: { at: number; id: string } | null = null;
	let dispatched = 0;
	while (dispatched < MAX_PER_RUN) {
		const page = await db
			.select({ id: emails.id, accountId: emails.accountId, scheduledAt: emails.scheduledAt })
			.from(emails)
			.where(
				and(
					eq(emails.lastEvent, "scheduled"),
					lt(emails.scheduledAt, until),
					after
						? sql`(${emails.scheduledAt}, ${emails.seq}) > (${after.at}, ${seqOf(after.id)})`
						: undefined,
				),
			)
			.orderBy(asc(emails.scheduledAt), asc(emails.seq))
			.limit(PAGE);
		if (page.length === 0) break;
		const perAccount = new Map<string, number>();
		for (const e of page) perAccount.set(e.accountId, (perAccount.get(e.accountId) ?? 0) + 1);
		const isBulk = (e: { accountId: string }) =>
			(perAccount.get(e.accountId) ?? 0) > BULK_AFTER_RECIPIENTS;
		const byQueue = new Map<Queue<SendMessage>, { id: string; delaySeconds: number }[]>();
		for (const e of page) {
			const queue = laneQueue(lanes, isBulk(e) ? "bulk" : "express", e.accountId);
			const due = byQueue.get(queue) ?? [];
			due.push({ id: e.id, delaySeconds: delayUntil(e.scheduledAt, now) });
			byQueue.set(queue, due);
		}
		for (const [queue, due] of byQueue) await queueEmails(queue, due);
		dispatched += page.length;
		const last = page[page.length - 1] as { id: string; scheduledAt: number | null };
		after = { at: last.scheduledAt ?? 0, id: last.id };
		if (page.length < PAGE) break;
	}
	return dispatched;
}
