/**
 * Routes each queue batch to its consumer. The names must match `wrangler.toml`. The two send
 * lanes (src/domain/lanes.ts) share one consumer, told which lane it runs for: the pacer serves
 * express first and what a run hands back goes to its own lane. Both dead-letter queues share
 * the dead-letter consumer.
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
	switch (batch.queue) {
		case SEND_QUEUE:
			return consumeSendBatch(batch, sendDepsFromEnv(env, waitUntil, "express"));
		case SEND_BULK_QUEUE:
			return consumeSendBatch(batch, sendDepsFromEnv(env, waitUntil, "bulk"));
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
