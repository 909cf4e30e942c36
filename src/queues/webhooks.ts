/**
 * The webhook queue: one message per (event, endpoint), ids only. Each endpoint's messages in
 * a batch go one after another, endpoints side by side, and the consumer runs at most
 * `max_concurrency` (wrangler.toml) batches at once: an endpoint has at most that many
 * deliveries in flight. An endpoint gets a bounded share of a run: after a failed attempt
 * (its receiver is down or slow, 10 s at worst) or past its time budget, its other messages in
 * the batch are sent again with a delay instead of tried now, so a bad receiver cannot keep a
 * run, and the endpoints after it, waiting. A deferral is not an attempt: it neither counts on
 * the delivery's schedule nor shows in its attempts.
 *
 * Retries are new delayed messages sent by the delivery itself (src/domain/webhook-delivery.ts);
 * a message is retried by the queue only when our own side failed (D1 down), and what still
 * fails lands in the dead-letter queue, whose consumer marks the delivery failed.
 */
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client.ts";
import { webhookDeliveries } from "../db/schema.ts";
import { attemptDelivery, type WebhookDeliveryDeps } from "../domain/webhook-delivery.ts";
import { retryDelaySeconds } from "./retry.ts";

export const WebhookMessageBody = z.object({
	endpointId: z.string(),
	eventId: z.string(),
	/** How often this delivery was put back unattempted: its next wait doubles. */
	deferrals: z.number().int().min(0).optional(),
});
type Body = z.infer<typeof WebhookMessageBody>;

/** How long one endpoint may keep a run busy with deliveries that succeed. */
const ENDPOINT_BUDGET_MS = 15_000;
/** A deferral's wait: short while the endpoint answers, doubling while it fails, ≤ 12 h. */
const BUSY_DELAY_SECONDS = 5;
const FAILING_DELAY_SECONDS = 30;
const MAX_DELAY_SECONDS = 12 * 3600;

export async function consumeWebhooks(batch: MessageBatch<unknown>, deps: WebhookDeliveryDeps) {
	const byEndpoint = new Map<string, { message: Message<unknown>; body: Body }[]>();
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
	items: { message: Message<unknown>; body: Body }[],
) {
	const started = Date.now();
	let failing = false;
	for (const { message, body } of items) {
		try {
			if (failing || Date.now() - started > ENDPOINT_BUDGET_MS) {
				await defer(deps, body, failing);
			} else {
				const outcome = await attemptDelivery(deps, body);
				failing = outcome.kind === "retrying" || outcome.kind === "failed";
			}
			message.ack();
		} catch (cause) {
			console.error("webhook queue: not delivered yet", body, cause);
			message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
		}
	}
}

async function defer(deps: WebhookDeliveryDeps, body: Body, failing: boolean) {
	const deferrals = (body.deferrals ?? 0) + 1;
	const delaySeconds = failing
		? Math.min(MAX_DELAY_SECONDS, FAILING_DELAY_SECONDS * 2 ** (deferrals - 1))
		: BUSY_DELAY_SECONDS;
	await deps.queue.send(
		{ endpointId: body.endpointId, eventId: body.eventId, deferrals },
		{ delaySeconds },
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
