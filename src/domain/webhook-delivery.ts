/**
 * Delivering customer webhook events: one attempt (signed, posted, recorded), the next one
 * scheduled on the retry schedule (src/domain/webhooks.ts) as a new delayed queue message, so
 * a 72 h schedule never depends on the queue's `max_retries`. When a delivery has failed every
 * attempt for 72 h and the endpoint has not accepted anything in that time, the endpoint is
 * disabled, says why, and its owner gets a notice; re-enabling it requeues what was left.
 *
 * Delivery is at least once: the queue may hand a message over twice, so a receiver can see an
 * event twice, always with the same `webhook-id` to de-duplicate on.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { findOwnerEmail } from "../db/queries/accounts.ts";
import type { NoticeRow } from "../db/queries/notices.ts";
import { insertNoticeStatement } from "../db/queries/notices.ts";
import {
	findDelivery,
	findWebhookEndpointById,
	recordAttempt,
	type WebhookEndpointRow,
} from "../db/queries/webhooks.ts";
import { webhookDeliveries, webhookEndpoints } from "../db/schema.ts";
import { uuidv7 } from "../lib/ids.ts";
import type { SecretBox } from "../lib/secret-box.ts";
import { signedHeaders } from "../lib/webhook-signing.ts";
import type { PostResult, PostWebhook } from "../services/webhook-sender.ts";
import { buildNotice } from "./notices.ts";
import {
	answeredNothingFor72h,
	awaitsQueuedRetry,
	LAST_SUCCESS_EVERY_MS,
	nextAttemptAt,
} from "./webhooks.ts";

/** One event's delivery to one endpoint, by its key. */
export interface DeliveryRef {
	endpointId: string;
	eventId: string;
}

/**
 * A webhook queue message: ids only, the payloads are read from D1. It carries one endpoint's
 * deliveries, attempted in order: those a batch of D1 writes emitted together (a message each
 * would cost three queue operations per event), or one (a retry, a replay).
 */
export interface WebhookMessage {
	endpointId: string;
	eventIds: string[];
	/** Times the consumer put them back unattempted (src/queues/webhooks.ts). */
	deferrals?: number;
}

/** Event ids a message carries at most: its body stays a few KB, far below 128 KB. */
export const MAX_EVENTS_PER_MESSAGE = 100;

/**
 * Queues deliveries in as few messages as they allow: one per endpoint (split at
 * MAX_EVENTS_PER_MESSAGE), a hundred messages per call (Queues' batch limit).
 */
export async function queueDeliveries(queue: Queue<WebhookMessage>, deliveries: DeliveryRef[]) {
	const byEndpoint = new Map<string, string[]>();
	for (const { endpointId, eventId } of deliveries) {
		const ids = byEndpoint.get(endpointId) ?? [];
		ids.push(eventId);
		byEndpoint.set(endpointId, ids);
	}
	const messages = [...byEndpoint].flatMap(([endpointId, ids]) =>
		Array.from({ length: Math.ceil(ids.length / MAX_EVENTS_PER_MESSAGE) }, (_, i) => ({
			endpointId,
			eventIds: ids.slice(i * MAX_EVENTS_PER_MESSAGE, (i + 1) * MAX_EVENTS_PER_MESSAGE),
		})),
	);
	for (let i = 0; i < messages.length; i += 100) {
		await queue.sendBatch(messages.slice(i, i + 100).map((body) => ({ body })));
	}
}

export interface WebhookDeliveryDeps {
	db: Db;
	queue: Queue<WebhookMessage>;
	secretBox: () => Promise<SecretBox>;
	post: PostWebhook;
	onNotice: (notice: NoticeRow) => void;
}

export type DeliveryOutcome =
	| {
			kind: "skipped";
			why: "no_such_delivery" | "already_done" | "endpoint_disabled" | "retry_queued";
	  }
	| { kind: "delivered"; attemptId: string; result: PostResult }
	| { kind: "retrying"; attemptId: string; result: PostResult; nextAttemptAt: number }
	| { kind: "failed"; attemptId: string; result: PostResult; endpointDisabled: boolean };

/**
 * One attempt of one event to one endpoint. `retry: false` (the test event) makes exactly one
 * attempt, whatever its result and even to a disabled endpoint (to check it before enabling).
 */
export async function attemptDelivery(
	deps: WebhookDeliveryDeps,
	ref: DeliveryRef,
	options: { retry: boolean; now?: number } = { retry: true },
): Promise<DeliveryOutcome> {
	const { db } = deps;
	const now = options.now ?? Date.now();
	const [endpoint, delivery] = await Promise.all([
		findWebhookEndpointById(db, ref.endpointId),
		findDelivery(db, ref.endpointId, ref.eventId),
	]);
	if (!endpoint || !delivery) return { kind: "skipped", why: "no_such_delivery" };
	if (delivery.status === "success" || delivery.status === "failed") {
		return { kind: "skipped", why: "already_done" };
	}
	// Left pending: re-enabling the endpoint requeues it. A test event goes anyway.
	if (endpoint.status === "disabled" && options.retry)
		return { kind: "skipped", why: "endpoint_disabled" };
	if (options.retry && awaitsQueuedRetry(delivery, now))
		return { kind: "skipped", why: "retry_queued" };

	const secrets = await secretsOf(await deps.secretBox(), endpoint, now);
	const body = delivery.event.payload;
	const headers = await signedHeaders(secrets, delivery.event.id, body, now);
	const result = await deps.post(endpoint.endpoint, headers, body);

	const attemptId = uuidv7();
	const firstAttemptAt = delivery.firstAttemptAt ?? now;
	const ok = result.status >= 200 && result.status < 300;
	const next =
		ok || !options.retry ? null : nextAttemptAt(delivery.attempts + 1, firstAttemptAt, now);
	const status = ok ? "success" : next === null ? "failed" : "attempting";
	// The retry is queued before the attempt is recorded, so a delivery recorded as waiting for
	// its retry always has one (awaitsQueuedRetry). Should the record fail, the message is
	// retried: whichever of it and this retry comes first attempts again, the other then finds
	// the delivery waiting for a later retry.
	if (next !== null) {
		await deps.queue.send(
			{ endpointId: ref.endpointId, eventIds: [ref.eventId] },
			{ delaySeconds: Math.max(0, Math.ceil((next - now) / 1000)) },
		);
	}
	await recordAttempt(
		db,
		{ endpointId: endpoint.id, eventId: delivery.event.id },
		{
			id: attemptId,
			httpStatus: result.status,
			response: result.response,
			durationMs: result.durationMs,
			error: result.error,
			sentAt: now,
		},
		{ status, nextAttemptAt: next, firstAttemptAt },
		ok ? { unlessAfter: now - LAST_SUCCESS_EVERY_MS } : undefined,
	);
	if (ok) return { kind: "delivered", attemptId, result };
	if (next !== null) return { kind: "retrying", attemptId, result, nextAttemptAt: next };
	const endpointDisabled = options.retry ? await disableIfDead(deps, endpoint, now) : false;
	return { kind: "failed", attemptId, result, endpointDisabled };
}

/** The current secret, and the previous one while its rotation overlap lasts. */
async function secretsOf(box: SecretBox, endpoint: WebhookEndpointRow, now: number) {
	const secrets = [await box.open(endpoint.secretEncrypted)];
	if (
		endpoint.previousSecretEncrypted &&
		endpoint.previousSecretExpiresAt &&
		endpoint.previousSecretExpiresAt > now
	) {
		secrets.push(await box.open(endpoint.previousSecretEncrypted));
	}
	return secrets;
}

/**
 * Disables the endpoint when nothing it was sent in the last 72 h got a 2xx (one delivery that
 * gave up is not enough: the receiver may refuse one malformed event and accept the rest). Read
 * from the endpoint's stored last success, fresh (another delivery may have succeeded during
 * this one's attempt), never from its attempts: a busy endpoint has 90 days of them.
 */
async function disableIfDead(deps: WebhookDeliveryDeps, endpoint: WebhookEndpointRow, now: number) {
	const { db } = deps;
	const fresh = await findWebhookEndpointById(db, endpoint.id);
	if (!fresh || !answeredNothingFor72h(fresh.lastSuccessAt, now)) return false;
	const reason =
		"Every delivery attempt failed for 72 hours (no 2xx answer); re-enable the endpoint to resume delivery.";
	const owner = await findOwnerEmail(db, endpoint.accountId);
	const notice = owner
		? await buildNotice(
				{ key: `webhook-disabled:${endpoint.id}:${now}`, keyTime: now },
				{
					accountId: endpoint.accountId,
					to: owner,
					subject: "Your SendFleet webhook endpoint was disabled",
					text: [
						`We disabled your webhook endpoint ${endpoint.endpoint} (id ${endpoint.id}).`,
						"",
						`${reason}`,
						"",
						"Events since then are kept; when you enable the endpoint again (PATCH /webhooks/:id",
						'with {"status":"enabled"}), the events still waiting are delivered.',
					].join("\n"),
				},
				now,
			)
		: null;
	const disable = db
		.update(webhookEndpoints)
		.set({ status: "disabled", disabledReason: reason })
		.where(and(eq(webhookEndpoints.id, endpoint.id), eq(webhookEndpoints.status, "enabled")));
	if (notice) {
		await db.batch([disable, insertNoticeStatement(db, notice)]);
		deps.onNotice(notice);
	} else {
		await disable;
	}
	return true;
}

/** Re-enabled endpoint: the deliveries still waiting start a new run of attempts now. */
export async function resumeEndpoint(
	deps: Pick<WebhookDeliveryDeps, "db" | "queue">,
	endpointId: string,
	now = Date.now(),
) {
	const waiting = await deps.db
		.update(webhookDeliveries)
		.set({ status: "pending", nextAttemptAt: now, firstAttemptAt: null })
		.where(
			and(
				eq(webhookDeliveries.endpointId, endpointId),
				inArray(webhookDeliveries.status, ["pending", "attempting"]),
			),
		)
		.returning({ eventId: webhookDeliveries.eventId });
	await queueDeliveries(
		deps.queue,
		waiting.map((w) => ({ endpointId, eventId: w.eventId })),
	);
	return waiting.length;
}
