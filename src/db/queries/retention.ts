/**
 * The retention purge's deletes (src/cron/purge.ts). Each one picks the oldest rows below a
 * bound through a primary-key or index range with `ORDER BY … LIMIT` in a subquery, so a call
 * touches at most `limit` rows (plus the events of those emails) however large the table is,
 * never scans it and never uses OFFSET; the next call simply continues from the new oldest row.
 *
 * Ids are UUIDv7 (src/lib/ids.ts): `id < idFloor(t)` is exactly "created before t", a range on
 * the primary key's index.
 */
import { asc, inArray, lt } from "drizzle-orm";
import type { Db } from "../client.ts";
import {
	emailEvents,
	emails,
	loginFailures,
	unmatchedNotifications,
	webhookAttempts,
	webhookDeliveries,
	webhookEvents,
} from "../schema.ts";

/**
 * Deletes the `limit` oldest emails with ids below `beforeId` and every event of those emails
 * (by `email_id`, so an event recorded after the bound, such as a late complaint, goes with its
 * email). One D1 batch, so one transaction: both deletes commit or neither does. The events go
 * first, while the subquery still finds their emails; both subqueries read the same rows.
 * The emails' lookup rows for GET /emails's `to` and `tag` filters (`email_recipients`,
 * `email_tags`) go with them by ON DELETE CASCADE, through those tables' primary keys, so they
 * cost no statement of their own.
 */
export async function deleteOldestEmailsWithEvents(
	db: Db,
	beforeId: string,
	limit: number,
): Promise<{ emails: number; events: number }> {
	const oldest = () =>
		db
			.select({ id: emails.id })
			.from(emails)
			.where(lt(emails.id, beforeId))
			.orderBy(asc(emails.id))
			.limit(limit);
	const [events, gone] = await db.batch([
		db.delete(emailEvents).where(inArray(emailEvents.emailId, oldest())),
		// D1's `changes` counts the cascaded lookup rows too; RETURNING counts the emails alone.
		db.delete(emails).where(inArray(emails.id, oldest())).returning({ id: emails.id }),
	]);
	return { emails: gone.length, events: events.meta.changes };
}

/**
 * Events whose own id is below `beforeId` whatever their email: those whose email is already
 * gone (orphans). An event is recorded after its email, so an event this old belongs to an
 * email that is older still and due for deletion anyway.
 */
export function deleteOldestEvents(db: Db, beforeId: string, limit: number): Promise<number> {
	return deleteOldestById(db, emailEvents, beforeId, limit);
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
	table: typeof emailEvents | typeof unmatchedNotifications | typeof webhookAttempts,
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
