import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../../simulator/app.ts";
import { emails } from "../../src/db/schema.ts";
import { guardFor } from "../../src/durable-objects/index.ts";
import type { Bindings } from "../../src/env.ts";
import { SEND_DEAD_LETTER_QUEUE, SEND_QUEUE } from "../../src/queues/index.ts";
import { retryDelaySeconds } from "../../src/queues/retry.ts";
import { api } from "../helpers/api.ts";
import { createQueuedEmail, createSender, db } from "../helpers/factories.ts";
import { runQueue } from "../helpers/queue.ts";
import { installSimulator } from "../helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(() => {
	({ sim, restore } = installSimulator());
});
afterEach(() => restore());

const load = async (id: string) => {
	const [row] = await db().select().from(emails).where(eq(emails.id, id));
	if (!row) throw new Error(`email ${id} is gone`);
	return row;
};

describe("send queue consumer", () => {
	it("sends the email through SES, records the SES message id and acks", async () => {
		const sender = await createSender();
		const email = await createQueuedEmail(sender, {
			cc: ["c@example.org"],
			bcc: ["d@example.org"],
			replyTo: ["Support <support@example.org>"],
			headers: { "X-Entity-Ref-ID": "42" },
			tags: [{ name: "category", value: "receipt" }],
		});
		const { ids, result } = await runQueue(SEND_QUEUE, [{ emailId: email.id }]);
		expect(result.explicitAcks).toEqual(ids);
		expect(result.retryMessages).toEqual([]);

		const [sent] = sim.store.listMessages({ to: email.to[0] });
		expect(sent).toMatchObject({
			from: email.from,
			to: email.to,
			cc: ["c@example.org"],
			bcc: ["d@example.org"],
			replyTo: ["Support <support@example.org>"],
			subject: "Your receipt",
			html: "<p>Thanks!</p>",
			text: "Thanks!",
			headers: [{ name: "X-Entity-Ref-ID", value: "42" }],
			tags: [
				{ name: "sendfleet_email_id", value: email.id },
				{ name: "category", value: "receipt" },
			],
			configurationSetName: env.SES_CONFIGURATION_SET,
		});
		const row = await load(email.id);
		expect(row).toMatchObject({
			status: "pending",
			lastEvent: "sent",
			sesMessageId: sent?.messageId,
		});
		expect(row.sentAt).toBeTypeOf("number");

		const got = await api("GET", `/emails/${email.id}`, { key: sender.key.token });
		expect((got.json.events as { type: string }[]).map((e) => e.type)).toEqual(["queued", "sent"]);
	});

	it("slows down when SES throttles and sends the email in the same run", async () => {
		const sender = await createSender();
		const email = await createQueuedEmail(sender);
		sim.addFault({ match: { to: email.to[0] }, code: "TooManyRequestsException", times: 2 });

		const run = await runQueue(SEND_QUEUE, [{ emailId: email.id }]);
		expect(run.result.explicitAcks).toEqual(run.ids);
		expect(run.result.retryMessages).toEqual([]);
		expect((await load(email.id)).lastEvent).toBe("sent");
		expect(sim.store.listMessages({ to: email.to[0] })).toHaveLength(1);
	});

	it("rides out a brief SES outage (5xx) in the run, and leaves a longer one to the queue's retries", async () => {
		const sender = await createSender();
		const brief = await createQueuedEmail(sender);
		sim.addFault({ match: { to: brief.to[0] }, code: "InternalFailure", status: 500 });
		const first = await runQueue(SEND_QUEUE, [{ emailId: brief.id }]);
		expect(first.result.explicitAcks).toEqual(first.ids);
		expect((await load(brief.id)).lastEvent).toBe("sent");

		const long = await createQueuedEmail(sender);
		sim.addFault({ match: { to: long.to[0] }, code: "InternalFailure", status: 500, times: 5 });
		const second = await runQueue(SEND_QUEUE, [{ emailId: long.id }]);
		expect(second.result.retryMessages.map((m) => m.msgId)).toEqual(second.ids);
		expect((await load(long.id)).status).toBe("pending");
	});

	it("drains a backlog through a burst of throttling and 5xx: every email sent in one run, no retry used", async () => {
		const sender = await createSender();
		const backlog = [];
		for (let i = 0; i < 100; i++) {
			backlog.push(await createQueuedEmail(sender, { to: [`reader+${i}@example.org`] }));
		}
		// SES throttles the next 30 calls, then fails 5 with a 500, whatever they are.
		sim.addFault({ code: "TooManyRequestsException", times: 30 });
		sim.addFault({ code: "InternalFailure", status: 500, times: 5 });
		const run = await runQueue(
			SEND_QUEUE,
			backlog.map((e) => ({ emailId: e.id })),
		);
		expect(run.result.retryMessages).toEqual([]);
		expect(run.result.explicitAcks).toHaveLength(100);
		for (const email of backlog) expect((await load(email.id)).lastEvent).toBe("sent");
		expect(sim.store.listMessages({ from: sender.from })).toHaveLength(100);
		// Creating the 100 rows takes a few seconds of its own on a loaded machine.
	}, 15_000);

	it("marks the email failed with SES's reason on a permanent rejection, and acks", async () => {
		const sender = await createSender();
		const email = await createQueuedEmail(sender);
		sim.addFault({
			match: { to: email.to[0] },
			code: "MessageRejected",
			message: "Email address is not verified.",
		});
		const run = await runQueue(SEND_QUEUE, [{ emailId: email.id }]);
		expect(run.result.explicitAcks).toEqual(run.ids);
		const row = await load(email.id);
		expect(row).toMatchObject({ status: "failed", lastEvent: "failed" });
		expect(row.failureReason).toContain("MessageRejected");
		expect(row.failureReason).toContain("Email address is not verified.");

		const got = await api("GET", `/emails/${email.id}`, { key: sender.key.token });
		const events = got.json.events as { type: string; details: Record<string, unknown> | null }[];
		expect(events.map((e) => e.type)).toEqual(["queued", "failed"]);
		expect(events[1]?.details).toMatchObject({ code: "MessageRejected" });
	});

	it("is idempotent: a redelivered message for a sent email does not send it twice", async () => {
		const sender = await createSender();
		const email = await createQueuedEmail(sender);
		await runQueue(SEND_QUEUE, [{ emailId: email.id }]);
		const again = await runQueue(SEND_QUEUE, [{ emailId: email.id }, { emailId: email.id }], 2);
		expect(again.result.explicitAcks.sort()).toEqual([...again.ids].sort());
		expect(sim.store.listMessages({ to: email.to[0] })).toHaveLength(1);
		// …nor count it twice for the reputation window.
		const guard = guardFor(env as Bindings, sender.account.id);
		expect((await guard.reputation()).figures.sends).toBe(1);
	});

	it("acks messages for long-gone emails and malformed bodies without calling SES", async () => {
		const run = await runQueue(
			SEND_QUEUE,
			[{ emailId: "0192f1a4-7c3e-7d2a-9b1e-3f5a6c7d8e9f" }, { nonsense: true }, "text"],
			1,
			new Date(Date.now() - 5 * 60_000),
		);
		expect(run.result.explicitAcks.sort()).toEqual([...run.ids].sort());
		expect(sim.store.listMessages()).toEqual([]);
	});

	it("waits a little for the row of a message that overtook it (the row and the message are written at once)", async () => {
		const run = await runQueue(SEND_QUEUE, [{ emailId: "0192f1a4-7c3e-7d2a-9b1e-3f5a6c7d8e9f" }]);
		expect(run.result.retryMessages.map((m) => m.msgId)).toEqual(run.ids);
	});
});

describe("retryDelaySeconds", () => {
	it("backs off exponentially from about 5 s, with jitter, capped near 15 minutes", () => {
		for (const [attempts, base] of [
			[1, 5],
			[2, 10],
			[3, 20],
			[8, 640],
			[9, 900],
			[20, 900],
		] as const) {
			const delay = retryDelaySeconds(attempts);
			expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
			expect(delay).toBeLessThanOrEqual(Math.ceil(base * 1.2));
		}
	});
});

describe("send dead-letter consumer", () => {
	it("marks an email whose retries ran out as failed, with the reason", async () => {
		const sender = await createSender();
		const email = await createQueuedEmail(sender);
		const run = await runQueue(SEND_DEAD_LETTER_QUEUE, [{ emailId: email.id }], 11);
		expect(run.result.ackAll).toBe(true);
		const row = await load(email.id);
		expect(row).toMatchObject({ status: "failed", lastEvent: "failed" });
		expect(row.failureReason).toContain("after every retry");
		expect(sim.store.listMessages({ to: email.to[0] })).toHaveLength(0);
	});

	it("leaves an email that did reach SES alone", async () => {
		const sender = await createSender();
		const email = await createQueuedEmail(sender);
		await runQueue(SEND_QUEUE, [{ emailId: email.id }]);
		await runQueue(SEND_DEAD_LETTER_QUEUE, [{ emailId: email.id }], 11);
		expect(await load(email.id)).toMatchObject({
			status: "pending",
			lastEvent: "sent",
			failureReason: null,
		});
	});
});

describe("end to end through the local queue", () => {
	it("an email accepted by POST /emails reaches SES and shows as sent", async () => {
		const sender = await createSender();
		const to = `e2e-${Date.now()}@example.org`;
		const sent = await api("POST", "/emails", {
			key: sender.key.token,
			body: { from: sender.from, to, subject: "Hi", text: "Hello" },
		});
		expect(sent.status).toBe(200);
		// The local queue delivers after its batch timeout (1 s); poll for the outcome.
		let lastEvent = "queued";
		for (let i = 0; i < 100 && lastEvent === "queued"; i++) {
			await new Promise((r) => setTimeout(r, 100));
			lastEvent = (await load(sent.json.id as string)).lastEvent;
		}
		expect(lastEvent).toBe("sent");
		expect(sim.store.listMessages({ to })).toHaveLength(1);
	});
});
