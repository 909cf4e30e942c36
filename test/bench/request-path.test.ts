/**
 * The benchmark's request-path entry (bench/request-path.ts): its send queues' messages are
 * acknowledged unsent, and every other queue goes to the product's consumer as deployed.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import requestPath from "../../bench/request-path.ts";
import type { Bindings } from "../../src/env.ts";
import { SEND_BULK_QUEUES, SEND_QUEUE, WEBHOOK_QUEUE } from "../../src/queues/index.ts";

/** A batch of no messages on `queue` that records whether it was acknowledged as a whole. */
function batchOn(queue: string) {
	const seen = { ackedAll: false };
	const batch = {
		queue,
		messages: [],
		ackAll: () => {
			seen.ackedAll = true;
		},
		retryAll: () => {},
	} as unknown as MessageBatch;
	return { batch, seen };
}

const ctx = {
	waitUntil: () => {},
	passThroughOnException: () => {},
} as unknown as ExecutionContext;

describe("the request path's entry", () => {
	it("acknowledges the express and every bulk send queue's messages unsent", async () => {
		for (const queue of [SEND_QUEUE, ...SEND_BULK_QUEUES]) {
			const { batch, seen } = batchOn(queue);
			await requestPath.queue(batch, env as unknown as Bindings, ctx);
			expect(seen.ackedAll, queue).toBe(true);
		}
	});

	it("hands other queues to the product's consumer, which does not acknowledge them wholesale", async () => {
		const { batch, seen } = batchOn(WEBHOOK_QUEUE);
		await requestPath.queue(batch, env as unknown as Bindings, ctx);
		expect(seen.ackedAll).toBe(false);
	});
});
