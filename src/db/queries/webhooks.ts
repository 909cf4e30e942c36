/**
 * Customer webhooks: endpoints, events (payload stored once), deliveries (one per event and
 * endpoint, each with its log of attempts). Lists are keyset pages on UUIDv7 ids, as everywhere.
 */
import { and, eq, type SQL, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import {
	MAX_LOGGED_ATTEMPTS,
	type WebhookAttempt,
	type WebhookDeliveryStatus,
	type WebhookStatus,
	webhookDeliveries,
	webhookEndpoints,
	webhookEvents,
} from "../schema.ts";
import { keysetPage, keysetPageOf, type PageRequest } from "./pagination.ts";

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type NewWebhookEndpoint = typeof webhookEndpoints.$inferInsert;

export async function insertWebhookEndpoint(db: Db, row: NewWebhookEndpoint) {
	await db.insert(webhookEndpoints).values(row);
}

export async function findWebhookEndpoint(db: Db, accountId: string, id: string) {
	const [row] = await db
		.select()
		.from(webhookEndpoints)
		.where(and(eq(webhookEndpoints.accountId, accountId), eq(webhookEndpoints.id, id)))
		.limit(1);
	return row;
}

/** The endpoint a delivery goes to, whatever its account (queue consumers). */
export async function findWebhookEndpointById(db: Db, id: string) {
	const [row] = await db
		.select()
		.from(webhookEndpoints)
		.where(eq(webhookEndpoints.id, id))
		.limit(1);
	return row;
}

export function listWebhookEndpoints(db: Db, accountId: string, page: PageRequest) {
	return keysetPage(page, (where, order) =>
		db
			.select()
			.from(webhookEndpoints)
			.where(and(eq(webhookEndpoints.accountId, accountId), where(webhookEndpoints.id)))
			.orderBy(order(webhookEndpoints.id))
			.limit(page.limit + 1),
	);
}

export async function updateWebhookEndpoint(
	db: Db,
	accountId: string,
	id: string,
	changes: Partial<{
		endpoint: string;
		events: string[];
		status: WebhookStatus;
		disabledReason: string | null;
		secretEncrypted: string;
		previousSecretEncrypted: string | null;
		previousSecretExpiresAt: number | null;
	}>,
): Promise<boolean> {
	const rows = await db
		.update(webhookEndpoints)
		.set(changes)
		.where(and(eq(webhookEndpoints.accountId, accountId), eq(webhookEndpoints.id, id)))
		.returning({ id: webhookEndpoints.id });
	return rows.length > 0;
}

/** Deletes the endpoint with its deliveries (events stay for other endpoints). */
export async function deleteWebhookEndpoint(db: Db, accountId: string, id: string) {
	// Children first, and only if the endpoint is this account's: the batch is one transaction.
	const owned = sql`IN (SELECT ${webhookEndpoints.id} FROM ${webhookEndpoints} WHERE ${webhookEndpoints.id} = ${id} AND ${webhookEndpoints.accountId} = ${accountId})`;
	const [, gone] = await db.batch([
		db.delete(webhookDeliveries).where(sql`${webhookDeliveries.endpointId} ${owned}`),
		db
			.delete(webhookEndpoints)
			.where(and(eq(webhookEndpoints.accountId, accountId), eq(webhookEndpoints.id, id)))
			.returning({ id: webhookEndpoints.id }),
	]);
	return gone.length > 0;
}

export async function findWebhookEvent(db: Db, accountId: string, id: string) {
	const [row] = await db
		.select()
		.from(webhookEvents)
		.where(and(eq(webhookEvents.accountId, accountId), eq(webhookEvents.id, id)))
		.limit(1);
	return row;
}

/** The events sent (or being sent) to one endpoint, with their delivery status. */
export function listEndpointEvents(db: Db, endpointId: string, page: PageRequest) {
	return keysetPage(page, (where, order) =>
		db
			.select({
				id: webhookEvents.id,
				type: webhookEvents.type,
				createdAt: webhookEvents.createdAt,
				status: webhookDeliveries.status,
			})
			.from(webhookDeliveries)
			.innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
			.where(and(eq(webhookDeliveries.endpointId, endpointId), where(webhookDeliveries.eventId)))
			.orderBy(order(webhookDeliveries.eventId))
			.limit(page.limit + 1),
	);
}

export async function findDelivery(db: Db, endpointId: string, eventId: string) {
	const [row] = await db
		.select({
			status: webhookDeliveries.status,
			attempts: webhookDeliveries.attempts,
			nextAttemptAt: webhookDeliveries.nextAttemptAt,
			firstAttemptAt: webhookDeliveries.firstAttemptAt,
			event: {
				id: webhookEvents.id,
				accountId: webhookEvents.accountId,
				type: webhookEvents.type,
				payload: webhookEvents.payload,
				createdAt: webhookEvents.createdAt,
			},
		})
		.from(webhookDeliveries)
		.innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
		.where(
			and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.eventId, eventId)),
		)
		.limit(1);
	return row;
}

/**
 * A page of the delivery's attempts, newest first, from its log (one row read); undefined when
 * the endpoint has no delivery of that event.
 */
export async function listAttempts(db: Db, endpointId: string, eventId: string, page: PageRequest) {
	const [row] = await db
		.select({ log: webhookDeliveries.attemptLog })
		.from(webhookDeliveries)
		.where(
			and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.eventId, eventId)),
		);
	return row ? keysetPageOf(row.log ?? [], page) : undefined;
}

/** An event and its pending deliveries, written together. */
export function insertEventStatements(
	db: Db,
	event: typeof webhookEvents.$inferInsert,
	endpointIds: string[],
) {
	return [
		db.insert(webhookEvents).values(event).onConflictDoNothing(),
		...endpointIds.map((endpointId) =>
			db
				.insert(webhookDeliveries)
				.values({ endpointId, eventId: event.id, status: "pending", createdAt: event.createdAt })
				.onConflictDoNothing(),
		),
	] as const;
}

/** (Re)starts a delivery: pending, a new 72 h run (a replay, or the first emission). */
export async function restartDelivery(db: Db, endpointId: string, eventId: string, now: number) {
	await db
		.insert(webhookDeliveries)
		.values({ endpointId, eventId, status: "pending", createdAt: now, nextAttemptAt: now })
		.onConflictDoUpdate({
			target: [webhookDeliveries.endpointId, webhookDeliveries.eventId],
			set: { status: "pending", nextAttemptAt: now, firstAttemptAt: null },
		});
}

/**
 * Records one attempt and the delivery's new state in one write of the delivery's row (its log
 * keeps the newest MAX_LOGGED_ATTEMPTS attempts; an id already logged is not counted again);
 * for a success, also the endpoint's last success, unless the one stored is at or after
 * `success.unlessAfter` (so a busy endpoint's successes write it rarely: the update then
 * matches no row and writes none).
 */
export async function recordAttempt(
	db: Db,
	of: { endpointId: string; eventId: string },
	attempt: WebhookAttempt,
	delivery: {
		status: WebhookDeliveryStatus;
		nextAttemptAt: number | null;
		firstAttemptAt: number;
	},
	success?: { unlessAfter: number },
) {
	const lastSuccess = success
		? [
				db
					.update(webhookEndpoints)
					.set({ lastSuccessAt: attempt.sentAt })
					.where(
						and(
							eq(webhookEndpoints.id, of.endpointId),
							sql`(${webhookEndpoints.lastSuccessAt} IS NULL OR ${webhookEndpoints.lastSuccessAt} < ${success.unlessAfter})`,
						),
					),
			]
		: [];
	const log = sql`COALESCE(${webhookDeliveries.attemptLog}, '[]')`;
	const entry = sql`json(${JSON.stringify(attempt)})`;
	await db.batch([
		db
			.update(webhookDeliveries)
			.set({
				status: delivery.status,
				nextAttemptAt: delivery.nextAttemptAt,
				firstAttemptAt: delivery.firstAttemptAt,
				attempts: sql`${webhookDeliveries.attempts} + 1`,
				attemptLog: sql`json_insert(CASE WHEN json_array_length(${log}) >= ${MAX_LOGGED_ATTEMPTS} THEN json_remove(${log}, '$[0]') ELSE ${log} END, '$[#]', ${entry})`,
			})
			.where(
				and(
					eq(webhookDeliveries.endpointId, of.endpointId),
					eq(webhookDeliveries.eventId, of.eventId),
					sql`NOT EXISTS (SELECT 1 FROM json_each(${log}) WHERE json_extract(value, '$.id') = ${attempt.id})`,
				),
			),
		...lastSuccess,
	]);
}

/**
 * An event for every endpoint of the account that subscribes to its type, written in the
 * caller's own batch: for an account without such endpoints these statements write nothing
 * (an index range scan that finds no row), so emitting costs it no round trip, no row and no
 * queue message. The event's id is derived from its source, so a redelivered notification
 * writes nothing twice. The second statement answers the enabled endpoints' deliveries that
 * still need a queue message (new, or never attempted: a retried batch sends them again);
 * disabled endpoints get theirs pending, sent when they are enabled again.
 */
export function emitEventStatements(
	db: Db,
	event: { id: string; accountId: string; type: string; payload: string; createdAt: number },
	/** A condition evaluated in the same batch, e.g. "the suppression row was just inserted". */
	onlyIf?: SQL,
) {
	const subscribed = (status: "enabled" | "disabled" | null) =>
		sql`${webhookEndpoints.accountId} = ${event.accountId} AND EXISTS (SELECT 1 FROM json_each(${webhookEndpoints.events}) WHERE value = ${event.type})${status ? sql` AND ${webhookEndpoints.status} = ${status}` : sql``}${onlyIf ? sql` AND ${onlyIf}` : sql``}`;
	const deliveries = (status: "enabled" | "disabled") =>
		db
			.insert(webhookDeliveries)
			.select(
				sql`SELECT ${webhookEndpoints.id}, ${event.id}, 'pending', 0, ${event.createdAt}, NULL, ${event.createdAt}, NULL FROM ${webhookEndpoints} WHERE ${subscribed(status)}`,
			)
			.onConflictDoUpdate({
				target: [webhookDeliveries.endpointId, webhookDeliveries.eventId],
				set: { status: sql`${webhookDeliveries.status}` },
				setWhere: sql`${webhookDeliveries.status} = 'pending' AND ${webhookDeliveries.attempts} = 0`,
			});
	return [
		db
			.insert(webhookEvents)
			.select(
				sql`SELECT ${event.id}, ${event.accountId}, ${event.type}, ${event.payload}, ${event.createdAt} WHERE EXISTS (SELECT 1 FROM ${webhookEndpoints} WHERE ${subscribed(null)})`,
			)
			.onConflictDoNothing(),
		deliveries("enabled").returning({
			endpointId: webhookDeliveries.endpointId,
			eventId: webhookDeliveries.eventId,
		}),
		deliveries("disabled"),
	] as const;
}
