/**
 * Fair lanes through the real Worker (issue 15): POST /emails and /emails/batch, the guard's
 * lane, both local send queues and their consumers, the one SendPacer and the SES simulator.
 */
import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SesSimulator } from "../simulator/app.ts";
import { dispatchScheduledEmails } from "../src/cron/dispatch-scheduled.ts";
import { insertEmailsStatements, type NewEmail, runBatch } from "../src/db/queries/emails.ts";
import { emails } from "../src/db/schema.ts";
import { idsIn, type SendMessage } from "../src/domain/send-message.ts";
import type { Bindings } from "../src/env.ts";
import { uuidv7 } from "../src/lib/ids.ts";
import { SEND_BULK_QUEUE } from "../src/queues/index.ts";
import { consumeSendBatch, sendDepsFromEnv } from "../src/queues/send.ts";
import { api } from "./helpers/api.ts";
import { createQueuedEmail, createSender, db } from "./helpers/factories.ts";
import { runQueue } from "./helpers/queue.ts";
import { installSimulator } from "./helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
const lanes = { express: [] as string[], bulk: [] as string[] };
beforeEach(() => {
	({ sim, restore } = installSimulator());
	lanes.express.length = 0;
	lanes.bulk.length = 0;
	const bindings = env as unknown as Bindings;
	for (const [lane, queue] of [
		["express", bindings.SEND_QUEUE],
		["bulk", bindings.SEND_BULK_QUEUE],
	] as const) {
		const sendBatch = queue.sendBatch.bind(queue);
		vi.spyOn(queue, "sendBatch").mockImplementation((messages, options) => {
			const list = [...messages];
			for (const m of list) lanes[lane].push(...idsIn(m.body as SendMessage));
			return sendBatch(list, options);
		});
	}
});
afterEach(() => {
	vi.restoreAllMocks();
	restore();
});

const BATCHES = 10;

describe("fair send lanes, end to end", () => {
	it("sends a quiet account's single while a busy account's backlog is still queued", async () => {
		const busy = await createSender();
		const quiet = await createSender();
		const backlogIds: string[] = [];
		for (let b = 0; b < BATCHES; b++) {
			const res = await api("POST", "/emails/batch", {
				key: busy.key.token,
				body: Array.from({ length: 100 }, (_, i) => ({
					from: busy.from,
					to: `backlog-${b * 100 + i}@example.org`,
					subject: "Newsletter",
					text: "Hello",
				})),
			});
			expect(res.status).toBe(200);
			for (const e of res.json.data as { id: string }[]) backlogIds.push(e.id);
		}
		const single = await api("POST", "/emails", {
			key: quiet.key.token,
			body: { from: quiet.from, to: "reset@example.org", subject: "Reset", text: "Your code" },
		});
		expect(single.status).toBe(200);

		// The first batch (100 recipients, at the threshold) went express; the rest went bulk.
		expect(lanes.express).toContain(single.json.id);
		expect(lanes.bulk).toHaveLength((BATCHES - 1) * 100);
		expect(lanes.bulk).toEqual(backlogIds.slice(100));

		const backlogSent = () =>
			sim.store.listMessages().filter((m) => m.to.some((to) => to.startsWith("backlog-"))).length;
		let sentAt = -1;
		for (let i = 0; i < 300 && sentAt < 0; i++) {
			if (sim.store.listMessages({ to: "reset@example.org" }).length > 0) sentAt = backlogSent();
			else await new Promise((r) => setTimeout(r, 50));
		}
		expect(sentAt).toBeGreaterThanOrEqual(0);
		// Sent while most of the busy account's backlog still waited in the bulk lane.
		expect(sentAt).toBeLessThan(BATCHES * 100);
		// The backlog still drains in full afterwards.
		for (let i = 0; i < 600 && backlogSent() < BATCHES * 100; i++)
			await new Promise((r) => setTimeout(r, 50));
		expect(backlogSent()).toBe(BATCHES * 100);
	}, 60_000);
});

describe("the bulk lane's consumer", () => {
	it("sends what is on the bulk queue like the express one, and acks", async () => {
		const sender = await createSender();
		const email = await createQueuedEmail(sender);
		const { ids, result } = await runQueue(SEND_BULK_QUEUE, [{ emailId: email.id }]);
		expect(result.explicitAcks).toEqual(ids);
		expect(sim.store.listMessages({ to: email.to[0] })).toHaveLength(1);
	});
});

describe("the send pacer out of reach", () => {
	it("sends nothing and leaves the email queued for the queue's retry (fail closed)", async () => {
		const sender = await createSender();
		const email = await createQueuedEmail(sender);
		const deps = {
			...sendDepsFromEnv(env as unknown as Bindings, () => {}, "bulk"),
			pace: {
				reserve: async () => {
					throw new Error("pacer unavailable");
				},
			},
		};
		const batch = createMessageBatch(SEND_BULK_QUEUE, [
			{ id: "p1", timestamp: new Date(), attempts: 1, body: { emailId: email.id } },
		]);
		await consumeSendBatch(batch, deps);
		expect(sim.store.listMessages({ to: email.to[0] })).toHaveLength(0);
		const [row] = await db().select().from(emails).where(eq(emails.id, email.id));
		expect(row?.lastEvent).toBe("queued");
	});
});

describe("the minute's dispatch of scheduled emails", () => {
	it("sends an account with more than 100 emails due to bulk (a scheduled campaign), the others express", async () => {
		const busy = await createSender();
		const quiet = await createSender();
		const now = Date.now();
		const row = (sender: typeof busy, i: number): NewEmail => ({
			id: uuidv7(),
			accountId: sender.account.id,
			domainId: sender.domain.id,
			from: sender.from,
			to: [`campaign-${i}@example.org`],
			subject: "Newsletter",
			text: "Hello",
			createdAt: now,
			scheduledAt: now + 10_000,
			lastEvent: "scheduled",
		});
		const campaign = Array.from({ length: 101 }, (_, i) => row(busy, i));
		const single = row(quiet, 999);
		await runBatch(db(), insertEmailsStatements(db(), [...campaign, single]));

		const sent = { express: [] as string[], bulk: [] as string[] };
		const capture = (into: string[]) =>
			({
				sendBatch: async (batch: { body: SendMessage }[]) => {
					for (const m of batch) into.push(...idsIn(m.body));
				},
			}) as unknown as Queue<SendMessage>;
		await dispatchScheduledEmails(
			db(),
			{ express: capture(sent.express), bulk: capture(sent.bulk) },
			now,
		);
		expect(sent.express).toEqual([single.id]);
		expect(sent.bulk.sort()).toEqual(campaign.map((e) => e.id).sort());
	});
});
