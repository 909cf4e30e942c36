/**
 * The webhook queue: each message names one endpoint's deliveries by id (src/domain/
 * webhook-delivery.ts: those a D1 batch emitted together, or one). Each endpoint's deliveries
 * in a batch go one after another, endpoints side by side, and the consumer runs at most
 * `max_concurrency` (wrangler.toml) batches at once: an endpoint has at most that many
 * deliveries in flight. An endpoint gets a bounded share of a run: after a failed attempt
 * (its receiver is down or slow, 10 s at worst) or past its time budget, its other deliveries in
 * the batch are sent again, in one delayed message per message they came in, instead of tried
 * now, so a bad receiver cannot keep a run, and the endpoints after it, waiting. A deferral is
 * not an attempt: it neither counts on the delivery's schedule nor shows in its attempts.
 *
 * Retries are new delayed messages sent by the delivery itself (src/domain/webhook-delivery.ts);
 * a message is retried by the queue only when our own side failed (D1 down), whole: on its
 * redelivery a delivery already done is skipped, and so is one whose failed attempt already
 * queued its retry (awaitsQueuedRetry); an attempt whose record failed is made again (the
 * receiver may see it twice, as at-least-once allows, with the same `webhook-id`). What still
 * fails lands in the dead-letter queue, whose consumer marks the unfinished deliveries failed.
 */
import { and, eq, inArray, isNull, lte, or } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client.ts";
import { webhookDeliveries } from "../db/schema.ts";
import {
	attemptDelivery,
	MAX_EVENTS_PER_MESSAGE,
	type WebhookDeliveryDeps,
	type WebhookMessage,
} from "../domain/webhook-delivery.ts";
import { RETRY_CLOCK_SLACK_MS } from "../domain/webhooks.ts";
import { retryDelaySeconds } from "./retry.ts";

/** How often the deliveries were put back unattempted: their next wait doubles. */
const deferralsField = z.number().int().min(0).optional();

export const WebhookMessageBody = z.union([
	z.object({
		endpointId: z.string(),
		eventIds: z.array(z.string()).min(1).max(MAX_EVENTS_PER_MESSAGE),
		deferrals: deferralsField,
	}),
	// A message queued before deliveries were grouped: one delivery.
	z
		.object({ endpointId: z.string(), eventId: z.string(), deferrals: deferralsField })
		.transform(({ eventId, ...rest }) => ({ ...rest, eventIds: [eventId] })),
]);

/** How long one endpoint may keep a run busy with deliveries that succeed. */
const ENDPOINT_BUDGET_MS = 15_000;
/** A deferral's wait: short while the endpoint answers, doubling while it fails, ≤ 12 h. */
const BUSY_DELAY_SECONDS = 5;
const FAILING_DELAY_SECONDS = 30;
const MAX_DELAY_SECONDS = 12 * 3600;

export async function consumeWebhooks(batch: MessageBatch<unknown>, deps: WebhookDeliveryDeps) {
	const byEndpoint = new Map<string, { message: Message<unknown>; body: WebhookMessage }[]>();
	for (const message of batch.messages) {
		const body = WebhookMessageBody.safeParse(message.body);
		if (!body.success) {
			console.error("webhook queue: malformed message, dropped", message.id);
			message.ack();
			continue;
		}
		const list = byEndpoint.get(body.data.endpointId) ?? [];
		list.push({ message, body: body.data });
		byEndpoint.set(body.data.endpointId, list);
	}
	await Promise.all([...byEndpoint.values()].map((items) => deliverInTurn(deps, items)));
}

async function deliverInTurn(
	deps: WebhookDeliveryDeps,
	items: { message: Message<unknown>; body: WebhookMessage }[],
) {
	const started = Date.now();
	let failing = false;
	for (const { message, body } of items) {
		try {
			const deferred: string[] = [];
			for (const eventId of body.eventIds) {
				if (failing || Date.now() - started > ENDPOINT_BUDGET_MS) {
					deferred.push(eventId);
					continue;
				}
				const outcome = await attemptDelivery(deps, { endpointId: body.endpointId, eventId });
				failing = outcome.kind === "retrying" || outcome.kind === "failed";
			}
			if (deferred.length) await defer(deps, { ...body, eventIds: deferred }, failing);
			message.ack();
		} catch (cause) {
			console.error("webhook queue: not delivered yet", body, cause);
			message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
		}
	}
}

async function defer(deps: WebhookDeliveryDeps, body: WebhookMessage, failing: boolean) {
	const deferrals = (body.deferrals ?? 0) + 1;
	const delaySeconds = failing
		? Math.min(MAX_DELAY_SECONDS, FAILING_DELAY_SECONDS * 2 ** (deferrals - 1))
		: BUSY_DELAY_SECONDS;
	await deps.queue.send(
		{ endpointId: body.endpointId, eventIds: body.eventIds, deferrals },
		{ delaySeconds },
	);
}

/**
 * Out of retries on our side: the message's unfinished deliveries are marked failed, for the
 * customer to replay, except one waiting for a retry of its own that is already queued
 * (awaitsQueuedRetry): that retry still comes, and decides.
 */
export async function consumeWebhookDeadLetters(batch: MessageBatch<unknown>, db: Db) {
	for (const message of batch.messages) {
		const body = WebhookMessageBody.safeParse(message.body);
		if (body.success) {
			console.error("webhook dead letter: marked failed", body.data);
			const due = Date.now() + RETRY_CLOCK_SLACK_MS;
			await db
				.update(webhookDeliveries)
				.set({ status: "failed", nextAttemptAt: null })
				.where(
					and(
						eq(webhookDeliveries.endpointId, body.data.endpointId),
						inArray(webhookDeliveries.eventId, body.data.eventIds),
						or(
							eq(webhookDeliveries.status, "pending"),
							and(
								eq(webhookDeliveries.status, "attempting"),
								or(
									isNull(webhookDeliveries.nextAttemptAt),
									lte(webhookDeliveries.nextAttemptAt, due),
								),
							),
						),
					),
				);
		}
		message.ack();
	}
}
