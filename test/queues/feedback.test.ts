/**
 * The feedback queue keeps verified SES notifications that could not be processed when they
 * arrived: its consumer retries them, and what runs out of retries is kept for review.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../../simulator/app.ts";
import { createApp } from "../../src/app.ts";
import { emails, unmatchedNotifications } from "../../src/db/schema.ts";
import type { Bindings } from "../../src/env.ts";
import { FEEDBACK_DEAD_LETTER_QUEUE, FEEDBACK_QUEUE, SEND_QUEUE } from "../../src/queues/index.ts";
import { createQueuedEmail, createSender, db } from "../helpers/factories.ts";
import { runQueue } from "../helpers/queue.ts";
import { installSimulator } from "../helpers/simulator.ts";

const bindings = env as Bindings;
let sim: SesSimulator;
let restore: () => void;
afterEach(() => restore());

/** A Worker whose D1 fails every statement, and whose feedback queue records what it gets. */
function outage(queueWorks: boolean) {
	const parked: unknown[] = [];
	const broken = {
		...bindings,
		DB: new Proxy(bindings.DB, {
			get(target, prop) {
				if (prop === "prepare" || prop === "batch") {
					return () => {
						throw new Error("D1 unavailable");
					};
				}
				const value = Reflect.get(target, prop);
				return typeof value === "function" ? value.bind(target) : value;
			},
		}),
		FEEDBACK_QUEUE: {
			send: async (body: unknown) => {
				if (!queueWorks) throw new Error("queue unavailable");
				parked.push(body);
			},
		},
	} as unknown as Bindings;
	const deliver = async (request: Request) => {
		const ctx = createExecutionContext();
		const response = await createApp().fetch(request, broken, ctx);
		await waitOnExecutionContext(ctx);
		return response;
	};
	return { parked, deliver };
}

describe("a delivery notification that arrives while D1 is down", () => {
	let parked: unknown[];
	beforeEach(() => {
		let deliver: (request: Request) => Promise<Response>;
		({ parked, deliver } = outage(true));
		({ sim, restore } = installSimulator({ sns: { deliver: (r) => deliver(r) } }));
	});

	it("is acknowledged, parked, and applied by the feedback queue's consumer", async () => {
		const sender = await createSender();
		const email = await createQueuedEmail(sender, { to: ["success@simulator.amazonses.com"] });
		await runQueue(SEND_QUEUE, [{ emailId: email.id }]);
		expect((await sim.sns.flush()).map((p) => [p.eventType, p.status])).toEqual([
			["Delivery", 200],
		]);
		expect(parked).toHaveLength(1);
		const run = await runQueue(FEEDBACK_QUEUE, parked);
		expect(run.result.explicitAcks).toEqual(run.ids);
		const [row] = await db().select().from(emails).where(eq(emails.id, email.id));
		expect(row).toMatchObject({ status: "sent", lastEvent: "delivered" });
	});
});

describe("when the feedback queue refuses too", () => {
	it("answers 503 so that SNS retries", async () => {
		const { deliver } = outage(false);
		({ sim, restore } = installSimulator({ sns: { deliver: (r) => deliver(r) } }));
		const sender = await createSender();
		const email = await createQueuedEmail(sender, { to: ["success@simulator.amazonses.com"] });
		await runQueue(SEND_QUEUE, [{ emailId: email.id }]);
		expect((await sim.sns.flush()).map((p) => [p.eventType, p.status])).toEqual([
			["Delivery", 503],
		]);
	});
});

describe("the feedback dead-letter queue", () => {
	beforeEach(() => {
		({ sim, restore } = installSimulator());
	});

	it("keeps what ran out of retries for review, never drops it", async () => {
		const parked = {
			messageId: `sns-${crypto.randomUUID()}`,
			topicArn: "arn:aws:sns:us-east-1:000000000000:sendfleet-ses-events",
			message: '{"eventType":"Delivery"}',
		};
		const run = await runQueue(FEEDBACK_DEAD_LETTER_QUEUE, [parked]);
		expect(run.result.ackAll).toBe(true);
		const kept = await db()
			.select()
			.from(unmatchedNotifications)
			.where(eq(unmatchedNotifications.snsMessageId, parked.messageId));
		expect(kept).toMatchObject([{ type: "dead_letter", payload: parked.message }]);
	});
});
