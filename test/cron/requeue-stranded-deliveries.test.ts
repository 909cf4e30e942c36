import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { EVERY_FIVE_MINUTES } from "../../src/cron/index.ts";
import {
	requeueStrandedDeliveries,
	STRANDED_AFTER,
} from "../../src/cron/requeue-stranded-deliveries.ts";
import { cronCursors } from "../../src/db/schema.ts";
import type { WebhookMessage } from "../../src/domain/webhook-delivery.ts";
import { emitEvents } from "../../src/domain/webhook-events.ts";
import { idFloor } from "../../src/lib/ids.ts";
import { DAY, HOUR, MINUTE } from "../../src/lib/time.ts";
import { runCron } from "../helpers/cron.ts";
import { createSender, db } from "../helpers/factories.ts";
import { queryPlans } from "../helpers/query-plans.ts";
import { createWebhookEndpoint } from "../helpers/webhooks.ts";

const CURSOR = "stranded-webhook-deliveries";

/** Records the deliveries the job puts on the queue, as `endpoint/event`. */
function recordingQueue() {
	const sent: string[] = [];
	const queue = {
		sendBatch: async (messages: { body: WebhookMessage }[]) => {
			sent.push(
				...messages.flatMap((m) => m.body.eventIds.map((e) => `${m.body.endpointId}/${e}`)),
			);
		},
	} as unknown as Queue<WebhookMessage>;
	return { sent, queue };
}

const failingQueue = {
	sendBatch: async () => {
		throw new Error("queue unavailable");
	},
} as unknown as Queue<WebhookMessage>;

const LATE_CURSOR = "stranded-webhook-deliveries-late";

const startAt = (time: number, name = CURSOR) =>
	db()
		.insert(cronCursors)
		.values({ name, position: idFloor(time) })
		.onConflictDoUpdate({ target: cronCursors.name, set: { position: idFloor(time) } });

const cursor = async (name = CURSOR) =>
	(await db().select().from(cronCursors).where(eq(cronCursors.name, name)))[0]?.position;

describe("requeueStrandedDeliveries", () => {
	// Each test works in its own window of time, far from the others' and from real events.
	let base = Date.now() + 30 * DAY;
	beforeEach(() => {
		base += 30 * DAY;
	});

	/** An event of the sender's account at `at` whose delivery was written but not queued. */
	async function stranded(sender: Awaited<ReturnType<typeof createSender>>, at: number) {
		const key = `test:${at}:${Math.random()}`;
		const event = { accountId: sender.account.id, type: "email.delivered" as const, key, at };
		await expect(
			emitEvents({ db: db(), webhookQueue: failingQueue }, [{ ...event, data: {} }]),
		).rejects.toThrow("queue unavailable");
		const [row] = await env.DB.prepare(
			"SELECT endpoint_id, event_id FROM webhook_deliveries WHERE created_at = ?",
		)
			.bind(at)
			.all<{ endpoint_id: string; event_id: string }>()
			.then((r) => r.results);
		if (!row) throw new Error("no delivery written");
		return `${row.endpoint_id}/${row.event_id}`;
	}

	it("queues a delivery its emission could not queue once its event is an hour old, and only such", async () => {
		const sender = await createSender();
		const webhook = await createWebhookEndpoint(sender.key.token);
		const now = base;
		await startAt(now - 2 * HOUR);
		const lost = await stranded(sender, now - STRANDED_AFTER - MINUTE);
		const recent = await stranded(sender, now - STRANDED_AFTER + MINUTE);
		const done = await stranded(sender, now - STRANDED_AFTER - 2 * MINUTE);
		const retrying = await stranded(sender, now - STRANDED_AFTER - 3 * MINUTE);
		const setStatus = (delivery: string, status: string) => {
			const [endpointId, eventId] = delivery.split("/");
			return env.DB.prepare(
				"UPDATE webhook_deliveries SET status = ? WHERE endpoint_id = ? AND event_id = ?",
			)
				.bind(status, endpointId, eventId)
				.run();
		};
		await setStatus(done, "success");
		await setStatus(retrying, "attempting");

		const { sent, queue } = recordingQueue();
		expect(await requeueStrandedDeliveries(db(), queue, now)).toBe(1);
		expect(sent).toEqual([lost]);
		expect(lost.startsWith(`${webhook.id}/`)).toBe(true);
		expect(await cursor()).toBe(idFloor(now - STRANDED_AFTER));

		// Each delivery is read once: the next run starts where this one stopped.
		expect(await requeueStrandedDeliveries(db(), queue, now + 5 * MINUTE)).toBe(1);
		expect(sent).toEqual([lost, recent]);
		expect(recent).not.toBe(lost);
	});

	it("leaves a disabled endpoint's pending deliveries to its re-enabling", async () => {
		const sender = await createSender();
		const webhook = await createWebhookEndpoint(sender.key.token);
		const now = base;
		await startAt(now - 2 * HOUR);
		await stranded(sender, now - STRANDED_AFTER - MINUTE);
		await env.DB.prepare("UPDATE webhook_endpoints SET status = 'disabled' WHERE id = ?")
			.bind(webhook.id)
			.run();
		const { sent, queue } = recordingQueue();
		expect(await requeueStrandedDeliveries(db(), queue, now)).toBe(0);
		expect(sent).toEqual([]);
	});

	it("after a gap, looks back a week at most and reads four hours of events a run", async () => {
		const sender = await createSender();
		await createWebhookEndpoint(sender.key.token);
		const now = base;
		await startAt(now - 30 * DAY);
		const tooOld = await stranded(sender, now - 8 * DAY);
		const weekOld = await stranded(sender, now - 7 * DAY + MINUTE);
		const { sent, queue } = recordingQueue();
		await requeueStrandedDeliveries(db(), queue, now);
		expect(sent).toEqual([weekOld]);
		expect(sent).not.toContain(tooOld);
		expect(await cursor()).toBe(idFloor(now - 7 * DAY + 4 * HOUR));
	});

	it("a second, slower walk queues a delivery whose event was emitted after the first had passed its time", async () => {
		const sender = await createSender();
		await createWebhookEndpoint(sender.key.token);
		const now = base;
		// The first walk is up to date; the slow one is four hours behind it.
		await startAt(now - STRANDED_AFTER);
		await startAt(now - 4 * HOUR - STRANDED_AFTER, LATE_CURSOR);
		// Emitted now (a notification retried for hours), its event four hours old.
		const late = await stranded(sender, now - 4 * HOUR - 10 * MINUTE);
		const { sent, queue } = recordingQueue();
		expect(await requeueStrandedDeliveries(db(), queue, now)).toBe(1);
		expect(sent).toEqual([late]);
		expect(await cursor()).toBe(idFloor(now - STRANDED_AFTER));
		expect(await cursor(LATE_CURSOR)).toBe(idFloor(now - 3 * HOUR - STRANDED_AFTER));
	});

	it("the slower walk stays behind the first and starts over a week back once it reaches it", async () => {
		const sender = await createSender();
		await createWebhookEndpoint(sender.key.token);
		const now = base;
		await startAt(now - STRANDED_AFTER);
		await startAt(now - STRANDED_AFTER - 30 * MINUTE, LATE_CURSOR);
		const behind = await stranded(sender, now - STRANDED_AFTER - 10 * MINUTE);
		const { sent, queue } = recordingQueue();
		await requeueStrandedDeliveries(db(), queue, now);
		expect(sent).toEqual([behind]);
		expect(await cursor(LATE_CURSOR)).toBe(idFloor(now - STRANDED_AFTER));

		const weekOld = await stranded(sender, now - 7 * DAY + 5 * MINUTE);
		await requeueStrandedDeliveries(db(), queue, now + MINUTE);
		expect(sent).toEqual([behind, weekOld]);
		expect(await cursor(LATE_CURSOR)).toBe(idFloor(now + MINUTE - 7 * DAY + HOUR));
	});

	it("takes the enabled endpoints one by one and reads a key range of each one's deliveries", async () => {
		const plans = await queryPlans((d) =>
			requeueStrandedDeliveries(d, recordingQueue().queue, base),
		);
		const [plan, ...others] = plans.filter((p) => /\bwebhook_deliveries\b/.test(p));
		expect(others.every((p) => p === plan)).toBe(true);
		const steps = (plan ?? "").split("\n").filter((line) => /^(SCAN|SEARCH)/.test(line));
		expect(steps).toEqual([
			expect.stringMatching(/^SCAN webhook_endpoints\b/),
			"SEARCH webhook_deliveries USING PRIMARY KEY (endpoint_id=? AND event_id>? AND event_id<?)",
		]);
	});

	it("runs on the five-minute cron", async () => {
		await startAt(Date.now() - 2 * HOUR);
		const before = await cursor();
		await Promise.allSettled(await runCron(EVERY_FIVE_MINUTES));
		const after = await cursor();
		expect(after && before && after > before).toBe(true);
	});
});
