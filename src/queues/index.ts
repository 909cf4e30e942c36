/**
 * Routes each queue batch to its consumer. The names must match `wrangler.toml`. The send lanes'
 * queues (express and the bulk ones, src/domain/lanes.ts) share one consumer, told which it
 * runs for: the pacer serves express first and what a run hands back goes to its own queue. Their
 * dead-letter queues share the dead-letter consumer.
 */
import { createDb } from "../db/client.ts";
import { notificationDepsFromEnv, webhookDeliveryDepsFromEnv } from "../deps.ts";
import type { Bindings } from "../env.ts";
import { consumeFeedback, consumeFeedbackDeadLetters } from "./feedback.ts";
import { consumeSendBatch, sendDepsFromEnv } from "./send.ts";
import { consumeSendDeadLetters } from "./send-dead-letter.ts";
import { consumeWebhookDeadLetters, consumeWebhooks } from "./webhooks.ts";

/** The express lane: the original send queue, so messages already on it are consumed as before. */
export const SEND_QUEUE = "sendfleet-send";
export const SEND_DEAD_LETTER_QUEUE = "sendfleet-send-dlq";
export const SEND_BULK_QUEUE = "sendfleet-send-bulk";
/** The bulk lane's queues, in `bulkLaneOf`'s order (src/domain/lanes.ts); the first is the original. */
export const SEND_BULK_QUEUES = [
	SEND_BULK_QUEUE,
	"sendfleet-send-bulk-1",
	"sendfleet-send-bulk-2",
	"sendfleet-send-bulk-3",
] as const;
export const SEND_BULK_DEAD_LETTER_QUEUE = "sendfleet-send-bulk-dlq";
export const FEEDBACK_QUEUE = "sendfleet-feedback";
export const FEEDBACK_DEAD_LETTER_QUEUE = "sendfleet-feedback-dlq";
export const WEBHOOK_QUEUE = "sendfleet-webhooks";
export const WEBHOOK_DEAD_LETTER_QUEUE = "sendfleet-webhooks-dlq";

export async function handleQueueBatch(
	batch: MessageBatch<unknown>,
	env: Bindings,
	waitUntil: (work: Promise<unknown>) => void,
): Promise<void> {
	const bulkLane = (SEND_BULK_QUEUES as readonly string[]).indexOf(batch.queue);
	if (bulkLane >= 0) {
		return consumeSendBatch(batch, sendDepsFromEnv(env, waitUntil, "bulk", bulkLane));
	}
	switch (batch.queue) {
		case SEND_QUEUE:
			return consumeSendBatch(batch, sendDepsFromEnv(env, waitUntil, "express"));
		case SEND_DEAD_LETTER_QUEUE:
		case SEND_BULK_DEAD_LETTER_QUEUE:
			return consumeSendDeadLetters(batch, sendDepsFromEnv(env, waitUntil));
		case FEEDBACK_QUEUE:
			return consumeFeedback(batch, notificationDepsFromEnv(env, waitUntil));
		case FEEDBACK_DEAD_LETTER_QUEUE:
			return consumeFeedbackDeadLetters(batch, env.DB);
		case WEBHOOK_QUEUE:
			return consumeWebhooks(batch, webhookDeliveryDepsFromEnv(env, waitUntil));
		case WEBHOOK_DEAD_LETTER_QUEUE:
			return consumeWebhookDeadLetters(batch, createDb(env.DB));
		default:
			console.error(`no consumer for queue ${batch.queue}; retrying`);
			batch.retryAll();
	}
}
