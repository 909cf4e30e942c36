/**
 * Routes each queue batch to its consumer. The names must match `wrangler.toml`.
 */
import type { Bindings } from "../env.ts";
import { consumeSendBatch, sendDepsFromEnv } from "./send.ts";
import { consumeSendDeadLetters } from "./send-dead-letter.ts";

export const SEND_QUEUE = "sendfleet-send";
export const SEND_DEAD_LETTER_QUEUE = "sendfleet-send-dlq";

export async function handleQueueBatch(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
	switch (batch.queue) {
		case SEND_QUEUE:
			return consumeSendBatch(batch, sendDepsFromEnv(env));
		case SEND_DEAD_LETTER_QUEUE:
			return consumeSendDeadLetters(batch, sendDepsFromEnv(env));
		default:
			console.error(`no consumer for queue ${batch.queue}; retrying`);
			batch.retryAll();
	}
}
