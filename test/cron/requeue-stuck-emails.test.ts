import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { requeueStuckEmails, STUCK_AFTER } from "../../src/cron/requeue-stuck-emails.ts";
import type { SendMessage } from "../../src/domain/sending.ts";
import type { Bindings } from "../../src/env.ts";
import worker from "../../src/index.ts";
import { HOUR } from "../../src/lib/time.ts";
import { createQueuedEmail, createSender, db } from "../helpers/factories.ts";

/** Records what the job puts on the queue. */
function recordingQueue() {
	const sent: string[] = [];
	const queue = {
		sendBatch: async (messages: { body: SendMessage }[]) => {
			sent.push(...messages.map((m) => m.body.emailId));
		},
	} as unknown as Queue<SendMessage>;
	return { sent, queue };
}

describe("requeueStuckEmails", () => {
	it("re-queues emails still queued after 3 hours, and only those", async () => {
		const sender = await createSender();
		const now = Date.now() + 30 * 24 * HOUR; // a window of time no other test writes into
		const stuck = await createQueuedEmail(sender, { createdAt: now - STUCK_AFTER - 1000 });
		const fresh = await createQueuedEmail(sender, { createdAt: now - STUCK_AFTER + 60_000 });
		const sent = await createQueuedEmail(sender, {
			createdAt: now - STUCK_AFTER - 2000,
			lastEvent: "sent",
		});
		const ancient = await createQueuedEmail(sender, { createdAt: now - 8 * 24 * HOUR });
		const { sent: requeued, queue } = recordingQueue();
		const count = await requeueStuckEmails(db(), queue, now);
		expect(requeued).toEqual([stuck.id]);
		expect(count).toBe(1);
		expect(requeued).not.toContain(fresh.id);
		expect(requeued).not.toContain(sent.id);
		expect(requeued).not.toContain(ancient.id);
	});

	it("runs from the Worker's scheduled handler on the five-minute cron", async () => {
		const controller = createScheduledController({ cron: "*/5 * * * *" });
		const waits: Promise<unknown>[] = [];
		await worker.scheduled(
			controller,
			env as Bindings,
			{
				waitUntil: (p: Promise<unknown>) => waits.push(p),
				passThroughOnException: () => {},
			} as unknown as ExecutionContext,
		);
		await expect(Promise.all(waits)).resolves.toBeDefined();
		expect(waits).toHaveLength(1);
	});
});
