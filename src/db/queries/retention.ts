/**
 * The retention purge's deletes (src/cron/purge.ts). Each one picks the oldest rows below a
 * bound through a primary-key or index range with `ORDER BY … LIMIT` in a subquery, so a call
 * touches at most `limit` rows (plus those emails' lookup rows) however large the table is,
 * never scans it and never uses OFFSET; the next call simply continues from the new oldest row.
 *
 * Ids are UUIDv7 (src/lib/ids.ts): `id < idFloor(t)` is exactly "created before t", a range on
 * the primary key's index; for emails, `seq < seqFloor(idFloor(t))`, a range of the rowid
 * (src/db/queries/email-seq.ts).
 */
import { asc, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import {
	accountDayCounts,
	emails,
	loginFailures,
	unmatchedNotifications,
	webhookDeliveries,
	webhookEndpoints,
} from "../schema.ts";
import { seqFloor } from "./email-seq.ts";
import { deleteEmailsStatements, lookupRows, runBatch } from "./emails.ts";

/** Lookup keys one purge batch deletes at most: its JSON parameter stays far below D1's 2 MB. */
const MAX_LOOKUP_KEYS = 10_000;

/**
 * Deletes the oldest emails with ids below `beforeId` (at most `limit`), their timelines with
 * them (in the row), their lookup rows for GET /emails's `to` and `tag` filters by their keys
 * (`email_recipients`, `email_tags` have no index by email), their attachments' metadata, and
 * the send marks no email is left in.
 * One read, then one batch: the lookup rows and the emails go together.
 * An email with many recipients may end the batch early (at `maxKeys` keys; the first email
 * always goes); answers the emails read (`limit` means there may be more) and deleted.
 */
export async function deleteOldestEmails(
	db: Db,
	beforeId: string,
	limit: number,
	maxKeys = MAX_LOOKUP_KEYS,
): Promise<{ read: number; deleted: number }> {
	const oldest = await db
		.select({
			id: emails.id,
			accountId: emails.accountId,
			to: emails.to,
			cc: emails.cc,
			bcc: emails.bcc,
			tags: emails.tags,
			firstRecipient: emails.firstRecipient,
			firstTag: emails.firstTag,
			sendGroup: emails.sendGroup,
		})
		.from(emails)
		.where(sql`${emails.seq} < ${seqFloor(beforeId)}`)
		.orderBy(asc(emails.seq))
		.limit(limit);
	const batch: typeof oldest = [];
	let keys = 0;
	for (const email of oldest) {
		const { recipients, tags } = lookupRows([email]);
		if (batch.length > 0 && keys + recipients.length + tags.length > maxKeys) break;
		batch.push(email);
		keys += recipients.length + tags.length;
	}
	if (batch.length === 0) return { read: 0, deleted: 0 };
	await runBatch(db, deleteEmailsStatements(db, batch));
	return { read: oldest.length, deleted: batch.length };
}

/**
 * Accounts' daily figures (`account_day_counts`) of days before `beforeDay`, at most `limit`:
 * account by account on the key, which starts with the account and the day, so each account's
 * old days are one range and no index of days is written with every day's first figure. The
 * accounts come from the table itself (a recursive skip, one seek each), so a deleted
 * account's figures go too.
 */
export async function deleteOldDayCounts(
	db: Db,
	beforeDay: number,
	limit: number,
): Promise<number> {
	const gone = await db.run(sql`DELETE FROM ${accountDayCounts} WHERE (account_id, day, figure) IN (
		WITH RECURSIVE a(id) AS (
			SELECT (SELECT s.account_id FROM ${accountDayCounts} s ORDER BY s.account_id LIMIT 1)
			UNION ALL
			SELECT (SELECT s.account_id FROM ${accountDayCounts} s WHERE s.account_id > a.id ORDER BY s.account_id LIMIT 1) FROM a WHERE a.id IS NOT NULL
		)
		SELECT c.account_id, c.day, c.figure FROM a CROSS JOIN ${accountDayCounts} c
		WHERE c.account_id = a.id AND c.day < ${beforeDay} LIMIT ${limit}
	)`);
	return gone.meta.changes;
}

/**
 * At most `limit` webhook deliveries (each an event for one endpoint, its attempts logged in
 * it) of events below `beforeId`. Deliveries are keyed by endpoint and event, so they are found
 * endpoint by endpoint, each a primary-key range (`CROSS JOIN` keeps the endpoints outside):
 * no table is scanned, and an endpoint with nothing to purge costs one seek. An endpoint's
 * deliveries go with the endpoint when it is deleted.
 */
export async function deleteOldestWebhookDeliveries(
	db: Db,
	beforeId: string,
	limit: number,
): Promise<number> {
	const oldest = sql`SELECT d."endpoint_id", d."event_id" FROM ${webhookEndpoints} AS w CROSS JOIN ${webhookDeliveries} AS d ON d."endpoint_id" = w."id" AND d."event_id" < ${beforeId} LIMIT ${limit}`;
	const gone = await db
		.delete(webhookDeliveries)
		.where(sql`(${webhookDeliveries.endpointId}, ${webhookDeliveries.eventId}) IN (${oldest})`);
	return gone.meta.changes;
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
	table: typeof unmatchedNotifications,
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
