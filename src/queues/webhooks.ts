/**
 * The webhook queue: one message per (event, endpoint), ids only. Each endpoint's messages in
 * a batch go one after another, endpoints side by side, so an endpoint has at most one
 * delivery in flight per consumer run and a slow receiver (10 s at worst) holds up nobody
 * else's. Retries are new delayed messages sent by the delivery itself (src/domain/webhook-delivery.ts);
 * a message is retried by the queue only when our own side failed (D1 down), and what still
 * fails lands in the dead-letter queue, whose consumer marks the delivery failed.
 */
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client.ts";
import { webhookDeliveries } from "../db/schema.ts";
import { attemptDelivery, type WebhookDeliveryDeps } from "../domain/webhook-delivery.ts";
import { retryDelaySeconds } from "./retry.ts";

export const WebhookMessageBody = z.object({ endpointId: z.string(), eventId: z.string() });

export async function consumeWebhooks(batch: MessageBatch<unknown>, deps: WebhookDeliveryDeps) {
	const byEndpoint = new Map<
		string,
		{ message: Message<unknown>; body: z.infer<typeof WebhookMessageBody> }[]
	>();
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
	await Promise.all(
		[...byEndpoint.values()].map(async (items) => {
			for (const { message, body } of items) {
				try {
					await attemptDelivery(deps, body);
					message.ack();
				} catch (cause) {
					console.error("webhook queue: not delivered yet", body, cause);
					message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
				}
			}
		}),
	);
}

/** Out of retries on our side: the delivery is marked failed, for the customer to replay. */
export async function consumeWebhookDeadLetters(batch: MessageBatch<unknown>, db: Db) {
	for (const message of batch.messages) {
		const body = WebhookMessageBody.safeParse(message.body);
		if (body.success) {
			console.error("webhook dead letter: marked failed", body.data);
			await db
				.update(webhookDeliveries)
				.set({ status: "failed", nextAttemptAt: null })
				.where(
					and(
						eq(webhookDeliveries.endpointId, body.data.endpointId),
						eq(webhookDeliveries.eventId, body.data.eventId),
						inArray(webhookDeliveries.status, ["pending", "attempting"]),
					),
				);
		}
		message.ack();
	}
}
