/**
 * The retention purge's deletes (src/cron/purge.ts). Each one picks the oldest rows below a
 * bound through a primary-key or index range with `ORDER BY … LIMIT` in a subquery, so a call
 * touches at most `limit` rows (plus those emails' lookup rows) however large the table is,
 * never scans it and never uses OFFSET; the next call simply continues from the new oldest row.
 *
 * Ids are UUIDv7 (src/lib/ids.ts): `id < idFloor(t)` is exactly "created before t", a range on
 * the primary key's index.
 */
import { asc, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import {
	accountDayCounts,
	emails,
	loginFailures,
	unmatchedNotifications,
	webhookAttempts,
	webhookDeliveries,
	webhookEvents,
} from "../schema.ts";

/**
 * Deletes the `limit` oldest emails with ids below `beforeId`, their timelines with them (in
 * the row). Their lookup rows for GET /emails's `to` and `tag` filters (`email_recipients`,
 * `email_tags`) and their attachments' metadata go by ON DELETE CASCADE, through those tables'
 * primary keys, so they cost no statement of their own.
 */
export async function deleteOldestEmails(db: Db, beforeId: string, limit: number): Promise<number> {
	const oldest = db
		.select({ id: emails.id })
		.from(emails)
		.where(lt(emails.id, beforeId))
		.orderBy(asc(emails.id))
		.limit(limit);
	// D1's `changes` counts the cascaded lookup rows too; RETURNING counts the emails alone.
	const gone = await db
		.delete(emails)
		.where(inArray(emails.id, oldest))
		.returning({ id: emails.id });
	return gone.length;
}

/**
 * Accounts' daily figures (`account_day_counts`) of days before `beforeDay`, through its `day`
 * index (written once per account, day and figure, not per count).
 */
export async function deleteOldDayCounts(
	db: Db,
	beforeDay: number,
	limit: number,
): Promise<number> {
	const oldest = db
		.select({ rowid: sql`rowid` })
		.from(accountDayCounts)
		.where(lt(accountDayCounts.day, beforeDay))
		.limit(limit);
	const gone = await db.delete(accountDayCounts).where(inArray(sql`rowid`, oldest));
	return gone.meta.changes;
}

/**
 * The `limit` oldest webhook events below `beforeId` with their deliveries (by the event, an
 * index range), in one batch. Attempts go by their own id (`deleteOldestWebhookAttempts`): an
 * attempt is made after its event, so an attempt this old belongs to an event due too.
 */
export async function deleteOldestWebhookEvents(
	db: Db,
	beforeId: string,
	limit: number,
): Promise<number> {
	const oldest = () =>
		db
			.select({ id: webhookEvents.id })
			.from(webhookEvents)
			.where(lt(webhookEvents.id, beforeId))
			.orderBy(asc(webhookEvents.id))
			.limit(limit);
	const [, gone] = await db.batch([
		db.delete(webhookDeliveries).where(inArray(webhookDeliveries.eventId, oldest())),
		db.delete(webhookEvents).where(inArray(webhookEvents.id, oldest())),
	]);
	return gone.meta.changes;
}

export function deleteOldestWebhookAttempts(
	db: Db,
	beforeId: string,
	limit: number,
): Promise<number> {
	return deleteOldestById(db, webhookAttempts, beforeId, limit);
}

/** Feedback notifications that matched no email, kept for diagnosis until `beforeId`. */
export function deleteOldestUnmatchedNotifications(
	db: Db,
	beforeId: string,
	limit: number,
): Promise<number> {
	return deleteOldestById(db, unmatchedNotifications, beforeId, limit);
}

/** The `limit` oldest rows of a UUIDv7-keyed table below `beforeId`: a primary-key range. */
async function deleteOldestById(
	db: Db,
	table: typeof unmatchedNotifications | typeof webhookAttempts,
	beforeId: string,
	limit: number,
): Promise<number> {
	const result = await db
		.delete(table)
		.where(
			inArray(
				table.id,
				db
					.select({ id: table.id })
					.from(table)
					.where(lt(table.id, beforeId))
					.orderBy(asc(table.id))
					.limit(limit),
			),
		);
	return result.meta.changes;
}

/**
 * Login-failure counters whose window started before `before` (epoch ms). `first_at` has no
 * index, so this reads the table until it finds `limit` such rows; the table holds one row per
 * throttled key (an email, an IP) and this purge keeps it to about a day of them.
 */
export async function deleteStaleLoginFailures(
	db: Db,
	before: number,
	limit: number,
): Promise<number> {
	const result = await db
		.delete(loginFailures)
		.where(
			inArray(
				loginFailures.key,
				db
					.select({ key: loginFailures.key })
					.from(loginFailures)
					.where(lt(loginFailures.firstAt, before))
					.limit(limit),
			),
		);
	return result.meta.changes;
}
