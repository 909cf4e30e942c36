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
import { bulkQueues } from "../src/deps.ts";
import { bulkLaneOf } from "../src/domain/lanes.ts";
import { idsIn, type SendMessage } from "../src/domain/send-message.ts";
import type { Bindings } from "../src/env.ts";
import { uuidv7 } from "../src/lib/ids.ts";
import { SEND_BULK_QUEUES } from "../src/queues/index.ts";
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
	const queues: [keyof typeof lanes, Queue<SendMessage>][] = [
		["express", bindings.SEND_QUEUE],
		...bulkQueues(bindings).map((q): [keyof typeof lanes, Queue<SendMessage>] => ["bulk", q]),
	];
	for (const [lane, queue] of queues) {
		const sendBatch = queue.sendBatch.bind(queue);
		vi.spyOn(queue, "sendBatch").mockImplementation((messages, options) => {
			const list = [...messages];
			for (const m of list) lanes[lane].push(...idsIn(m.body));
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

	it("sends a second account's campaign beside a first account's, not after it", async () => {
		const first = await createSender();
		// Another account whose campaigns take another bulk queue (one in BULK_LANES shares one).
		let second = await createSender();
		while (bulkLaneOf(second.account.id) === bulkLaneOf(first.account.id))
			second = await createSender();
		const campaign = async (sender: typeof first, prefix: string, batches: number) => {
			for (let b = 0; b < batches; b++) {
				const res = await api("POST", "/emails/batch", {
					key: sender.key.token,
					body: Array.from({ length: 100 }, (_, i) => ({
						from: sender.from,
						to: `${prefix}-${b * 100 + i}@example.org`,
						subject: "Newsletter",
						text: "Hello",
					})),
				});
				expect(res.status).toBe(200);
			}
		};
		// Big enough that the first is still sending when the second is accepted.
		const firstEmails = 2 * BATCHES * 100;
		await campaign(first, "first", firstEmails / 100);
		await campaign(second, "second", 3);
		// Each account's first batch goes express (at the threshold), the rest bulk.
		expect(lanes.bulk).toHaveLength(firstEmails - 100 + 200);

		const sent = (prefix: string) =>
			sim.store.listMessages().filter((m) => m.to.some((to) => to.startsWith(`${prefix}-`))).length;
		for (let i = 0; i < 600 && sent("second") < 300; i++)
			await new Promise((r) => setTimeout(r, 50));
		expect(sent("second")).toBe(300);
		// The second campaign was done while the first still had emails waiting in its own lane
		// (one bulk queue: all 2,000 of the first went before any of the second's bulk).
		expect(sent("first")).toBeLessThan(firstEmails - 100);
		for (let i = 0; i < 600 && sent("first") < firstEmails; i++)
			await new Promise((r) => setTimeout(r, 50));
		expect(sent("first")).toBe(firstEmails);
	}, 60_000);
});

describe("the bulk lane's consumer", () => {
	it.each(SEND_BULK_QUEUES)("sends what is on %s like the express one, and acks", async (queue) => {
		const sender = await createSender();
		const email = await createQueuedEmail(sender);
		const { ids, result } = await runQueue(queue, [{ emailId: email.id }]);
		expect(result.explicitAcks).toEqual(ids);
		expect(sim.store.listMessages({ to: email.to[0] })).toHaveLength(1);
	});

	it("hands what a run leaves back to the queue it runs for", () => {
		const bindings = env as unknown as Bindings;
		for (const [i, queue] of bulkQueues(bindings).entries())
			expect(sendDepsFromEnv(bindings, () => {}, "bulk", i).queue).toBe(queue);
		expect(sendDepsFromEnv(bindings, () => {}, "express").queue).toBe(bindings.SEND_QUEUE);
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
		const batch = createMessageBatch(SEND_BULK_QUEUES[0], [
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

		const sent = { express: [] as string[], bulk: Array.from({ length: 4 }, () => [] as string[]) };
		const capture = (into: string[]) =>
			({
				sendBatch: async (batch: { body: SendMessage }[]) => {
					for (const m of batch) into.push(...idsIn(m.body));
				},
			}) as unknown as Queue<SendMessage>;
		await dispatchScheduledEmails(
			db(),
			{ express: capture(sent.express), bulk: sent.bulk.map(capture) },
			now,
		);
		expect(sent.express).toEqual([single.id]);
		// All on the busy account's own bulk queue.
		const lane = bulkLaneOf(busy.account.id, 4);
		expect(sent.bulk[lane]?.sort()).toEqual(campaign.map((e) => e.id).sort());
		expect(sent.bulk.flat()).toHaveLength(campaign.length);
	});
});
