/**
 * Customer webhooks: endpoints and deliveries (one per event and endpoint, the event's payload
 * and the log of its attempts in it). Lists are keyset pages on UUIDv7 ids, as everywhere.
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

/** The events sent (or being sent) to one endpoint, with their delivery status. */
export function listEndpointEvents(db: Db, endpointId: string, page: PageRequest) {
	return keysetPage(page, (where, order) =>
		db
			.select({
				id: webhookDeliveries.eventId,
				type: webhookDeliveries.type,
				createdAt: webhookDeliveries.createdAt,
				status: webhookDeliveries.status,
			})
			.from(webhookDeliveries)
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
				id: webhookDeliveries.eventId,
				type: webhookDeliveries.type,
				payload: webhookDeliveries.payload,
				createdAt: webhookDeliveries.createdAt,
			},
		})
		.from(webhookDeliveries)
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

/** A webhook event as each of its deliveries stores it. */
export interface StoredEvent {
	id: string;
	type: string;
	/** The exact JSON body sent. */
	payload: string;
	createdAt: number;
}

/** An event's pending delivery to one endpoint (a test event; emission writes its own). */
export async function insertDelivery(db: Db, endpointId: string, event: StoredEvent) {
	await db
		.insert(webhookDeliveries)
		.values({
			endpointId,
			eventId: event.id,
			type: event.type,
			payload: event.payload,
			status: "pending",
			createdAt: event.createdAt,
		})
		.onConflictDoNothing();
}

/** (Re)starts a stored delivery: pending, a new 72 h run (a replay). */
export async function restartDelivery(db: Db, endpointId: string, eventId: string, now: number) {
	await db
		.update(webhookDeliveries)
		.set({ status: "pending", nextAttemptAt: now, firstAttemptAt: null })
		.where(
			and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.eventId, eventId)),
		);
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
 * writes nothing twice. The first statement answers the enabled endpoints' deliveries that
 * still need a queue message (new, or never attempted: a retried batch sends them again);
 * disabled endpoints get theirs pending, sent when they are enabled again.
 */
export function emitEventStatements(
	db: Db,
	event: StoredEvent & { accountId: string },
	/** A condition evaluated in the same batch, e.g. "the suppression row was just inserted". */
	onlyIf?: SQL,
) {
	const subscribed = (status: "enabled" | "disabled") =>
		sql`${webhookEndpoints.accountId} = ${event.accountId} AND EXISTS (SELECT 1 FROM json_each(${webhookEndpoints.events}) WHERE value = ${event.type}) AND ${webhookEndpoints.status} = ${status}${onlyIf ? sql` AND ${onlyIf}` : sql``}`;
	// Columns in the table's order: endpoint, event, type, payload, status, attempts, next
	// attempt, first attempt, created, attempt log.
	const deliveries = (status: "enabled" | "disabled") =>
		db
			.insert(webhookDeliveries)
			.select(
				sql`SELECT ${webhookEndpoints.id}, ${event.id}, ${event.type}, ${event.payload}, 'pending', 0, ${event.createdAt}, NULL, ${event.createdAt}, NULL FROM ${webhookEndpoints} WHERE ${subscribed(status)}`,
			)
			.onConflictDoUpdate({
				target: [webhookDeliveries.endpointId, webhookDeliveries.eventId],
				set: { status: sql`${webhookDeliveries.status}` },
				setWhere: sql`${webhookDeliveries.status} = 'pending' AND ${webhookDeliveries.attempts} = 0`,
			});
	return [
		deliveries("enabled").returning({
			endpointId: webhookDeliveries.endpointId,
			eventId: webhookDeliveries.eventId,
		}),
		deliveries("disabled"),
	] as const;
}
