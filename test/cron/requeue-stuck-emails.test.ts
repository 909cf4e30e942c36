import { beforeEach, describe, expect, it } from "vitest";
import { EVERY_FIVE_MINUTES } from "../../src/cron/index.ts";
import { requeueStuckEmails, STUCK_AFTER } from "../../src/cron/requeue-stuck-emails.ts";
import { idsIn, type SendMessage } from "../../src/domain/send-message.ts";
import { HOUR } from "../../src/lib/time.ts";
import { runCron } from "../helpers/cron.ts";
import { createQueuedEmail, createSender, db, uuidv7At } from "../helpers/factories.ts";

/** Records what the job puts on the queue. */
function recordingQueue() {
	const sent: string[] = [];
	const queue = {
		sendBatch: async (messages: { body: SendMessage }[]) => {
			sent.push(...messages.flatMap((m) => idsIn(m.body)));
		},
	} as unknown as Queue<SendMessage>;
	return { sent, queue };
}

describe("requeueStuckEmails", () => {
	// Each test works in its own window of time, far from the others' and from real emails.
	let base = Date.now() + 30 * 24 * HOUR;
	beforeEach(() => {
		base += 30 * 24 * HOUR;
	});
	const emailAt = (
		sender: Awaited<ReturnType<typeof createSender>>,
		createdAt: number,
		lastEvent?: "sent",
	) =>
		createQueuedEmail(sender, {
			id: uuidv7At(createdAt),
			createdAt,
			...(lastEvent ? { lastEvent } : {}),
		});

	it("re-queues emails still queued after 3 hours, and only those", async () => {
		const sender = await createSender();
		const now = base;
		const stuck = await emailAt(sender, now - STUCK_AFTER - 1000);
		const fresh = await emailAt(sender, now - STUCK_AFTER + 60_000);
		const sent = await emailAt(sender, now - STUCK_AFTER - 2000, "sent");
		const ancient = await emailAt(sender, now - 8 * 24 * HOUR);
		const { sent: requeued, queue } = recordingQueue();
		const count = await requeueStuckEmails(db(), queue, now);
		expect(requeued).toEqual([stuck.id]);
		expect(count).toBe(1);
		expect(requeued).not.toContain(fresh.id);
		expect(requeued).not.toContain(sent.id);
		expect(requeued).not.toContain(ancient.id);
	});

	it("walks the emails by id once, from where it stopped: no index, each email read once", async () => {
		const sender = await createSender();
		const now = base;
		const first = await emailAt(sender, now - STUCK_AFTER - 10 * 60_000);
		const { sent: requeued, queue } = recordingQueue();
		expect(await requeueStuckEmails(db(), queue, now)).toBe(1);
		// Five minutes later: the first is behind the cursor, a newly stuck one is found.
		const second = await emailAt(sender, now - STUCK_AFTER + 60_000);
		expect(await requeueStuckEmails(db(), queue, now + 5 * 60_000)).toBe(1);
		expect(requeued).toEqual([first.id, second.id]);
	});

	it("is bounded: pages of the given size, at most the given number a run, then goes on", async () => {
		const sender = await createSender();
		const now = base;
		const ids: string[] = [];
		for (let i = 0; i < 5; i++)
			ids.push((await emailAt(sender, now - STUCK_AFTER - (10 - i) * 1000)).id);
		const { sent: requeued, queue } = recordingQueue();
		expect(await requeueStuckEmails(db(), queue, now, { pageSize: 2, maxPages: 2 })).toBe(4);
		expect(await requeueStuckEmails(db(), queue, now, { pageSize: 2, maxPages: 2 })).toBe(1);
		expect(requeued).toEqual(ids);
	});

	it("runs from the Worker's scheduled handler on the five-minute cron", async () => {
		const waits = await runCron(EVERY_FIVE_MINUTES);
		await expect(Promise.all(waits)).resolves.toBeDefined();
		expect(waits).toHaveLength(1);
	});
});
