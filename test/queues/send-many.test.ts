import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inArray } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../../simulator/app.ts";
import { emails } from "../../src/db/schema.ts";
import { idsIn, messagesFor, type SendMessage } from "../../src/domain/send-message.ts";
import { acceptEmails } from "../../src/domain/sending.ts";
import { guardFor } from "../../src/durable-objects/index.ts";
import type { Bindings } from "../../src/env.ts";
import { SEND_DEAD_LETTER_QUEUE, SEND_QUEUE } from "../../src/queues/index.ts";
import { consumeSendBatch, sendDepsFromEnv } from "../../src/queues/send.ts";
import { openLedger } from "../../src/queues/send-ledger.ts";
import { createCaller, createQueuedEmail, createSender, db } from "../helpers/factories.ts";
import { runQueue } from "../helpers/queue.ts";
import { installSimulator } from "../helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(() => {
	({ sim, restore } = installSimulator());
});
afterEach(() => restore());

const lastEvents = async (ids: string[]) =>
	Object.fromEntries(
		(
			await db()
				.select({ id: emails.id, lastEvent: emails.lastEvent })
				.from(emails)
				.where(inArray(emails.id, ids))
		).map((r) => [r.id, r.lastEvent]),
	);

/** A queue binding that records the messages it is given. */
function recordingQueue() {
	const sent: { body: SendMessage; delaySeconds?: number }[] = [];
	const queue = {
		sendBatch: async (batch: { body: SendMessage; delaySeconds?: number }[]) => {
			sent.push(...batch);
		},
	} as unknown as Queue<SendMessage>;
	return { sent, queue };
}

/** A message as the runtime hands it over, recording how it was answered. */
function message(body: unknown, attempts = 1) {
	const answer: { acked: boolean; retried: { delaySeconds?: number } | null } = {
		acked: false,
		retried: null,
	};
	return {
		answer,
		message: {
			id: crypto.randomUUID(),
			timestamp: new Date(),
			attempts,
			body,
			ack: () => {
				answer.acked = true;
			},
			retry: (options?: { delaySeconds?: number }) => {
				answer.retried = options ?? {};
			},
		} as Message<unknown>,
	};
}

describe("send messages that carry many emails", () => {
	it("a batch request's emails travel in one message", async () => {
		const { sender, caller } = await createCaller();
		const { sent, queue } = recordingQueue();
		const outcome = await acceptEmails(
			{ db: db(), queue, guard: guardFor(env as Bindings, sender.account.id) },
			caller,
			[1, 2].map((i) => ({
				from: sender.from,
				to: [`many-${i}@example.org`],
				subject: "Hi",
				text: "Hi",
			})),
			"all-or-nothing",
		);
		if (outcome.kind !== "answered") throw new Error("refused");
		const ids = outcome.results.map((r) => (r.kind === "accepted" ? r.id : ""));
		expect(sent).toEqual([{ body: { emailIds: ids }, delaySeconds: 0 }]);
	});

	it("sends each email of a message once and acks the message", async () => {
		const sender = await createSender();
		const queued = await Promise.all(
			[1, 2, 3].map((i) => createQueuedEmail(sender, { to: [`one-of-three-${i}@example.org`] })),
		);
		const ids = queued.map((e) => e.id);
		const run = await runQueue(SEND_QUEUE, [{ emailIds: ids }, { emailId: ids[0] }]);
		expect(run.result.explicitAcks.sort()).toEqual([...run.ids].sort());
		expect(Object.values(await lastEvents(ids))).toEqual(["sent", "sent", "sent"]);
		expect(sim.store.listMessages({ from: sender.from })).toHaveLength(3);
		// Redelivered whole: nothing is sent twice.
		const again = await runQueue(SEND_QUEUE, [{ emailIds: ids }], 2);
		expect(again.result.explicitAcks).toEqual(again.ids);
		expect(sim.store.listMessages({ from: sender.from })).toHaveLength(3);
	});

	it("retries the whole message when one of its emails must be tried again, and sends only that one on redelivery", async () => {
		const sender = await createSender();
		const queued = await Promise.all(
			[1, 2, 3].map((i) => createQueuedEmail(sender, { to: [`retry-one-${i}@example.org`] })),
		);
		const ids = queued.map((e) => e.id);
		// SES fails the second email's calls for the whole run (three tries in the run).
		sim.addFault({
			match: { to: "retry-one-2@example.org" },
			code: "InternalFailure",
			status: 500,
			times: 3,
		});
		const run = await runQueue(SEND_QUEUE, [{ emailIds: ids }]);
		expect(run.result.retryMessages.map((m) => m.msgId)).toEqual(run.ids);
		expect(await lastEvents(ids)).toEqual({
			[ids[0] as string]: "sent",
			[ids[1] as string]: "queued",
			[ids[2] as string]: "sent",
		});
		const again = await runQueue(SEND_QUEUE, [{ emailIds: ids }], 2);
		expect(again.result.explicitAcks).toEqual(again.ids);
		expect(Object.values(await lastEvents(ids))).toEqual(["sent", "sent", "sent"]);
		expect(sim.store.listMessages({ from: sender.from })).toHaveLength(3);
	});

	it("hands the emails past a run's bound back in messages of many ids, using no retry", async () => {
		const sender = await createSender();
		const queued = await Promise.all(
			[1, 2, 3, 4, 5].map((i) => createQueuedEmail(sender, { to: [`bound-${i}@example.org`] })),
		);
		const ids = queued.map((e) => e.id);
		const { sent, queue } = recordingQueue();
		const first = message({ emailIds: ids.slice(0, 3) });
		const second = message({ emailIds: ids.slice(3) });
		const batch = createMessageBatch(SEND_QUEUE, []);
		const deps = {
			...sendDepsFromEnv(env as Bindings, () => {}),
			queue,
			maxEmailsPerRun: 2,
		};
		await consumeSendBatch({ ...batch, messages: [first.message, second.message] }, deps);
		expect(Object.values(await lastEvents(ids)).filter((e) => e === "sent")).toHaveLength(2);
		expect(sent.flatMap((m) => idsIn(m.body)).sort()).toEqual(ids.slice(2).sort());
		expect(sent).toEqual([
			{ body: { emailId: ids[2] }, delaySeconds: 0 },
			{ body: { emailIds: ids.slice(3) }, delaySeconds: 0 },
		]);
		for (const { answer } of [first, second])
			expect(answer).toEqual({ acked: true, retried: null });
	});

	it("sends the stored emails of a message once and drops, after the grace period, an id whose row never came", async () => {
		const sender = await createSender();
		const queued = await Promise.all(
			[1, 2].map((i) => createQueuedEmail(sender, { to: [`rowless-${i}@example.org`] })),
		);
		// A request that shared this message but whose D1 insert failed: its id has no row.
		const ids = [queued[0]?.id, "0192f1a4-7c3e-7d2a-9b1e-3f5a6c7d8e9f", queued[1]?.id];
		const young = await runQueue(SEND_QUEUE, [{ emailIds: ids }]);
		// Young: the row may still come (the message may have overtaken it), so it is retried.
		expect(young.result.retryMessages.map((m) => m.msgId)).toEqual(young.ids);
		expect(sim.store.listMessages({ from: sender.from })).toHaveLength(2);
		const old = await runQueue(
			SEND_QUEUE,
			[{ emailIds: ids }],
			2,
			new Date(Date.now() - 5 * 60_000),
		);
		expect(old.result.explicitAcks).toEqual(old.ids);
		expect(sim.store.listMessages({ from: sender.from })).toHaveLength(2);
	});

	it("fails in the dead-letter queue only the emails of a message still waiting for SES", async () => {
		const sender = await createSender();
		const queued = await Promise.all(
			[1, 2].map((i) => createQueuedEmail(sender, { to: [`dead-${i}@example.org`] })),
		);
		const ids = queued.map((e) => e.id);
		await runQueue(SEND_QUEUE, [{ emailId: ids[0] }]);
		const run = await runQueue(SEND_DEAD_LETTER_QUEUE, [{ emailIds: ids }]);
		expect(run.result.ackAll).toBe(true);
		expect(await lastEvents(ids)).toEqual({
			[ids[0] as string]: "sent",
			[ids[1] as string]: "failed",
		});
	});
});

describe("the send ledger", () => {
	const batchOf = (...messages: Message<unknown>[]) =>
		({ ...createMessageBatch(SEND_QUEUE, []), messages }) as MessageBatch<unknown>;

	it("answers a message once: a retry wins (longest delay), else handed-back ids go out together, else an ack", async () => {
		const retried = message({ emailIds: ["a", "b", "c"] });
		const requeued = message({ emailIds: ["d", "e"] });
		const acked = message({ emailId: "f" });
		const copy = message({ emailId: "a" });
		const ledger = openLedger(
			batchOf(retried.message, requeued.message, acked.message, copy.message),
		);
		expect([...ledger.handles.keys()]).toEqual(["a", "b", "c", "d", "e", "f"]);
		const h = (id: string) =>
			ledger.handles.get(id) as NonNullable<ReturnType<typeof ledger.handles.get>>;
		h("a").ack();
		h("b").retry({ delaySeconds: 5 });
		h("c").requeue(15);
		h("d").requeue(15);
		h("e").requeue(15);
		h("f").ack();
		const { sent, queue } = recordingQueue();
		await ledger.settle(queue);
		expect(retried.answer).toEqual({ acked: false, retried: { delaySeconds: 5 } });
		expect(requeued.answer).toEqual({ acked: true, retried: null });
		expect(acked.answer).toEqual({ acked: true, retried: null });
		expect(copy.answer).toEqual({ acked: true, retried: null });
		expect(sent).toEqual([{ body: { emailIds: ["d", "e"] }, delaySeconds: 15 }]);
	});

	it("retries a message an email of which nobody decided, and drops a malformed one", async () => {
		const undecided = message({ emailIds: ["x", "y"] });
		const malformed = message({ emailIds: [] });
		const ledger = openLedger(batchOf(undecided.message, malformed.message));
		ledger.handles.get("x")?.ack();
		await ledger.settle(recordingQueue().queue);
		expect(undecided.answer.retried).not.toBeNull();
		expect(malformed.answer).toEqual({ acked: true, retried: null });
	});

	it("puts at most 50 ids in a message", () => {
		const ids = Array.from({ length: 120 }, (_, i) => `id-${i}`);
		expect(messagesFor(ids).map((m) => idsIn(m).length)).toEqual([50, 50, 20]);
		expect(messagesFor(["solo"])).toEqual([{ emailId: "solo" }]);
	});
});
