/** Runs the Worker's queue handler on a batch, as the Queues runtime would, and reports acks. */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Bindings } from "../../src/env.ts";
import worker from "../../src/index.ts";

let sequence = 0;

export async function runQueue(
	queue: string,
	bodies: unknown[],
	attempts = 1,
	sentAt = new Date(),
) {
	const messages = bodies.map((body) => ({
		id: `msg-${++sequence}`,
		timestamp: sentAt,
		attempts,
		body,
	}));
	const batch = createMessageBatch(queue, messages);
	const ctx = createExecutionContext();
	await worker.queue(batch, env as Bindings, ctx);
	const result = await getQueueResult(batch, ctx);
	return { ids: messages.map((m) => m.id), result };
}
