/**
 * The customer's webhook events besides the email lifecycle's (which the email recorder
 * writes in its own batch): suppressions, domains, the account's standing. Each event is
 * `{type, created_at, data}` as Resend sends it, with an id derived from what caused it (`key`)
 * so the same cause twice is one event. Written only for accounts with an endpoint subscribed
 * to the type (src/db/queries/webhooks.ts); the deliveries created go on the webhook queue.
 */
import type { Db } from "../db/client.ts";
import type { DomainRow } from "../db/queries/domains.ts";
import { runBatch } from "../db/queries/emails.ts";
import { emitEventStatements } from "../db/queries/webhooks.ts";
import { derivedUuidv7 } from "../lib/ids.ts";
import { recordsWithStatus } from "./domain-checks.ts";
import { domainStatus } from "./domains.ts";
import { type DeliveryRef, queueDeliveries, type WebhookMessage } from "./webhook-delivery.ts";
import type { OutwardEvent } from "./webhooks.ts";

/** Where events are written and their deliveries queued. */
export interface WebhookStore {
	db: Db;
	webhookQueue: Queue<WebhookMessage>;
}

export async function storedEvent(event: OutwardEvent) {
	return {
		id: await derivedUuidv7(event.idAt ?? event.at, `webhook:${event.key}:${event.type}`),
		accountId: event.accountId,
		type: event.type,
		payload: JSON.stringify({
			type: event.type,
			created_at: new Date(event.at).toISOString(),
			data: event.data,
		}),
		createdAt: event.at,
	};
}

/** The statements of each event, to add to a caller's batch; `deliveriesIn` reads the result. */
export async function outwardEventStatements(db: Db, events: OutwardEvent[]) {
	const groups = await Promise.all(
		events.map(async (e) => emitEventStatements(db, await storedEvent(e), e.onlyIf)),
	);
	return {
		statements: groups.flat(),
		/**
		 * The new deliveries, from the batch results of `statements` starting at `offset`: each
		 * group's first statement answers them.
		 */
		deliveriesIn: (results: unknown[], offset: number) => {
			let at = offset;
			return groups.flatMap((group) => {
				const deliveries = (results[at] ?? []) as DeliveryRef[];
				at += group.length;
				return deliveries;
			});
		},
	};
}

/** Writes the events in one batch and queues their deliveries. */
export async function emitEvents(store: WebhookStore, events: OutwardEvent[]) {
	if (events.length === 0) return;
	const { statements, deliveriesIn } = await outwardEventStatements(store.db, events);
	const results = await runBatch(store.db, statements);
	await enqueueDeliveries(store, deliveriesIn(results, 0));
}

/** Queues the deliveries a batch emitted: one message per endpoint (a few for very many). */
export async function enqueueDeliveries(store: WebhookStore, deliveries: DeliveryRef[]) {
	await queueDeliveries(store.webhookQueue, deliveries);
}

/** Resend's suppression event data. */
export function suppressionData(row: {
	id: string;
	email: string;
	origin: "bounce" | "complaint" | "manual";
	sourceId: string | null;
	createdAt: number;
}) {
	return {
		id: row.id,
		email: row.email,
		origin: row.origin,
		source_id: row.sourceId,
		created_at: new Date(row.createdAt).toISOString(),
	};
}

/** Resend's domain event data: the domain with its status and records' statuses. */
export function domainEventData(row: DomainRow) {
	return {
		id: row.id,
		name: row.name,
		status: domainStatus(row),
		created_at: new Date(row.createdAt).toISOString(),
		region: row.region,
		records: recordsWithStatus(row, row.region).map(({ spec, status }) => ({
			record: spec.record,
			name: spec.name,
			type: spec.type,
			value: spec.value,
			ttl: "Auto",
			...(spec.priority === undefined ? {} : { priority: spec.priority }),
			status,
		})),
	};
}

/** Whether anything `domain.updated` reports changed: the domain's or a record's status. */
export function domainStatusesChanged(before: DomainRow, after: DomainRow): boolean {
	return (
		before.ownershipStatus !== after.ownershipStatus ||
		before.dkimStatus !== after.dkimStatus ||
		before.spfStatus !== after.spfStatus ||
		before.mailFromStatus !== after.mailFromStatus ||
		before.dmarcStatus !== after.dmarcStatus ||
		(before.releasedAt === null) !== (after.releasedAt === null)
	);
}

/** `domain.created|updated|deleted` for the domain as it is now. */
export function domainEvent(
	type: "domain.created" | "domain.updated" | "domain.deleted",
	row: DomainRow,
	at: number,
): OutwardEvent {
	return {
		accountId: row.accountId,
		type,
		key: `${type}:${row.id}:${at}`,
		at,
		data: domainEventData(row),
	};
}
