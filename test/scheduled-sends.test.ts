/**
 * Scheduled sends: accepted and held until due, dispatched by the minute's cron over the
 * `emails_scheduled` index, claimed by the send consumer (so a cancel or reschedule that got
 * there first wins, and one that comes after answers 409), and checked against the account's
 * standing and quota again when due.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SesSimulator } from "../simulator/app.ts";
import { dispatchScheduledEmails } from "../src/cron/dispatch-scheduled.ts";
import { accounts, emails } from "../src/db/schema.ts";
import { guardFor } from "../src/durable-objects/index.ts";
import type { Bindings } from "../src/env.ts";
import { SEND_QUEUE } from "../src/queues/index.ts";
import { api } from "./helpers/api.ts";
import { byocCustomer, verifiedByocDomain } from "./helpers/byoc.ts";
import { createSender, db } from "./helpers/factories.ts";
import { runQueue } from "./helpers/queue.ts";
import { installSimulator, simulatorUrl } from "./helpers/simulator.ts";
import { createWebhookEndpoint } from "./helpers/webhooks.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(() => {
	({ sim, restore } = installSimulator());
});
afterEach(() => restore());

const HOUR = 3600_000;

async function schedule(
	sender: Awaited<ReturnType<typeof createSender>>,
	scheduledAt: string,
	extra: Record<string, unknown> = {},
) {
	const to = `r${crypto.randomUUID().slice(0, 8)}@example.org`;
	const res = await api("POST", "/emails", {
		key: sender.key.token,
		body: {
			from: sender.from,
			to,
			subject: "Later",
			text: "Hi",
			scheduled_at: scheduledAt,
			...extra,
		},
	});
	return { ...res, to, id: res.json.id as string };
}

const load = async (id: string) => {
	const [row] = await db().select().from(emails).where(eq(emails.id, id));
	if (!row) throw new Error(`email ${id} is gone`);
	return row;
};

/** Moves a stored email's time to `at`, as the clock passing would. */
const dueAt = (id: string, at: number) =>
	db().update(emails).set({ scheduledAt: at }).where(eq(emails.id, id));

/** A stand-in for the send queue that keeps what the dispatch names. */
function capturingQueue() {
	const sent: { body: { emailId: string }; delaySeconds?: number }[] = [];
	const queue = {
		send: async () => {},
		sendBatch: async (batch: { body: { emailId: string }; delaySeconds?: number }[]) => {
			sent.push(...batch);
		},
	} as unknown as Queue<{ emailId: string }>;
	return { queue, sent };
}

describe("scheduling an email", () => {
	it("holds it as scheduled with its time and timeline, sending nothing", async () => {
		const sender = await createSender();
		const sent = await schedule(sender, "in 2 hours");
		expect(sent.status).toBe(200);
		const got = await api("GET", `/emails/${sent.id}`, { key: sender.key.token });
		expect(got.json).toMatchObject({ status: "pending", last_event: "scheduled" });
		expect(Date.parse(got.json.scheduled_at as string) - Date.now()).toBeGreaterThan(
			2 * HOUR - 5000,
		);
		expect((got.json.events as { type: string }[]).map((e) => e.type)).toEqual(["scheduled"]);
		await new Promise((r) => setTimeout(r, 1500));
		expect(sim.store.listMessages({ to: sent.to })).toEqual([]);
	});

	it("takes ISO times and Resend's natural language, and names what is wrong", async () => {
		const sender = await createSender();
		const iso = new Date(Date.now() + 3 * HOUR).toISOString();
		expect((await schedule(sender, iso)).status).toBe(200);
		expect((await schedule(sender, "tomorrow at 9am UTC")).status).toBe(200);
		for (const [text, message] of [
			["2020-01-01T00:00:00Z", /past/],
			["in 45 days", /30 days/],
			["next blue moon", /scheduled_at/],
			["2026-12-01T09:00:00", /zone|offset|Z/],
		] as const) {
			const res = await schedule(sender, text);
			expect(res.status, text).toBe(422);
			expect(res.json.message).toMatch(message);
		}
	});

	it("emits email.scheduled to a subscribed endpoint", async () => {
		const sender = await createSender();
		await createWebhookEndpoint(sender.key.token, simulatorUrl("/webhooks/receive/scheduled"), [
			"email.scheduled",
		]);
		const sent = await schedule(sender, "in 3 hours");
		await vi.waitFor(async () => {
			const { results } = await env.DB.prepare(
				"SELECT d.type, d.payload FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id WHERE w.account_id = ?",
			)
				.bind(sender.account.id)
				.all<{ type: string; payload: string }>();
			expect(results.map((r) => r.type)).toEqual(["email.scheduled"]);
			expect(JSON.parse(results[0]?.payload ?? "{}").data).toMatchObject({
				email_id: sent.id,
				scheduled_at: (await load(sent.id)).scheduledAt && expect.any(String),
			});
		});
	});

	it("refuses scheduled_at on a BYOC domain, which stores nothing to send later", async () => {
		const customer = await byocCustomer(sim);
		const domain = await verifiedByocDomain(sim, customer);
		const res = await api("POST", "/emails", {
			key: customer.key,
			body: {
				from: domain.from,
				to: "a@example.org",
				subject: "x",
				text: "x",
				scheduled_at: "in 1 hour",
			},
		});
		expect(res.status).toBe(422);
		expect(res.json.message).toMatch(/BYOC/);
	});
});

describe("the minute's dispatch and the consumer's claim", () => {
	it("names only the emails due within the minute, each delayed to its time", async () => {
		const sender = await createSender();
		const soon = await schedule(sender, "in 2 hours");
		const later = await schedule(sender, "in 3 hours");
		const canceled = await schedule(sender, "in 2 hours");
		const now = Date.now();
		await dueAt(soon.id, now + 30_000);
		await dueAt(canceled.id, now + 10_000);
		await api("POST", `/emails/${canceled.id}/cancel`, { key: sender.key.token });

		const { queue, sent } = capturingQueue();
		const mine = (n: { body: { emailId: string } }) =>
			[soon.id, later.id, canceled.id].includes(n.body.emailId);
		await dispatchScheduledEmails(db(), queue, now);
		expect(sent.filter(mine)).toEqual([{ body: { emailId: soon.id }, delaySeconds: 30 }]);
	});

	it("sends a due email once, when its message arrives", async () => {
		const sender = await createSender();
		const sent = await schedule(sender, "in 2 hours");
		await dueAt(sent.id, Date.now() - 1000);
		const first = await runQueue(SEND_QUEUE, [{ emailId: sent.id }]);
		expect(first.result.explicitAcks).toEqual(first.ids);
		const again = await runQueue(SEND_QUEUE, [{ emailId: sent.id }]);
		expect(again.result.explicitAcks).toEqual(again.ids);
		expect(sim.store.listMessages({ to: sent.to })).toHaveLength(1);
		expect(await load(sent.id)).toMatchObject({ lastEvent: "sent", status: "pending" });
	});

	it("drops a message for an email rescheduled to later, and sends it at its new time", async () => {
		const sender = await createSender();
		const sent = await schedule(sender, "in 2 hours");
		await dueAt(sent.id, Date.now() + 5 * 60_000);
		const early = await runQueue(SEND_QUEUE, [{ emailId: sent.id }]);
		expect(early.result.explicitAcks).toEqual(early.ids);
		expect(sim.store.listMessages({ to: sent.to })).toEqual([]);
		expect((await load(sent.id)).lastEvent).toBe("scheduled");
	});

	it("never sends a canceled email, and a cancel after the claim answers 409", async () => {
		const sender = await createSender();
		const canceled = await schedule(sender, "in 2 hours");
		expect(
			(await api("POST", `/emails/${canceled.id}/cancel`, { key: sender.key.token })).status,
		).toBe(200);
		await dueAt(canceled.id, Date.now() - 1000);
		await runQueue(SEND_QUEUE, [{ emailId: canceled.id }]);
		expect(sim.store.listMessages({ to: canceled.to })).toEqual([]);
		expect(await load(canceled.id)).toMatchObject({
			lastEvent: "canceled",
			status: "failed",
			failureReason: "Canceled before its scheduled time.",
		});

		const sent = await schedule(sender, "in 2 hours");
		await dueAt(sent.id, Date.now() - 1000);
		await runQueue(SEND_QUEUE, [{ emailId: sent.id }]);
		for (const res of [
			await api("POST", `/emails/${sent.id}/cancel`, { key: sender.key.token }),
			await api("PATCH", `/emails/${sent.id}`, {
				key: sender.key.token,
				body: { scheduled_at: "in 1 hour" },
			}),
		]) {
			expect(res.status).toBe(409);
			expect(res.json.name).toBe("email_not_scheduled");
		}
		expect(sim.store.listMessages({ to: sent.to })).toHaveLength(1);
	});

	it("lets exactly one of a cancel and a claim racing win", async () => {
		const sender = await createSender();
		for (let round = 0; round < 5; round++) {
			const sent = await schedule(sender, "in 2 hours");
			await dueAt(sent.id, Date.now() - 1000);
			const [canceled] = await Promise.all([
				api("POST", `/emails/${sent.id}/cancel`, { key: sender.key.token }),
				runQueue(SEND_QUEUE, [{ emailId: sent.id }]),
			]);
			const row = await load(sent.id);
			const delivered = sim.store.listMessages({ to: sent.to }).length;
			if (canceled.status === 200) {
				expect(row.lastEvent).toBe("canceled");
				expect(delivered).toBe(0);
			} else {
				expect(canceled.status).toBe(409);
				expect(row.lastEvent).toBe("sent");
				expect(delivered).toBe(1);
			}
		}
	});

	it("holds a suspended account's due email and reports why", async () => {
		const sender = await createSender();
		const sent = await schedule(sender, "in 2 hours");
		await db()
			.update(accounts)
			.set({ suspendedAt: Date.now(), suspensionReason: "Bounce rate 9.00%." })
			.where(eq(accounts.id, sender.account.id));
		await dueAt(sent.id, Date.now() - 1000);
		await runQueue(SEND_QUEUE, [{ emailId: sent.id }]);
		expect(sim.store.listMessages({ to: sent.to })).toEqual([]);
		const row = await load(sent.id);
		expect(row).toMatchObject({ status: "failed", lastEvent: "failed" });
		expect(row.failureReason).toMatch(/suspended/);
	});

	it("counts a cancel's recipients back into the month's quota", async () => {
		const sender = await createSender();
		const guard = guardFor(env as Bindings, sender.account.id);
		const before = await guard.usage();
		const sent = await schedule(sender, "in 2 hours", { cc: ["c@example.org"] });
		expect(await guard.usage()).toBe(before + 2);
		await api("POST", `/emails/${sent.id}/cancel`, { key: sender.key.token });
		expect(await guard.usage()).toBe(before);
	});

	it("counts an email due in a later month in that month, and holds it when that month is full", async () => {
		const sender = await createSender("growth");
		const guard = guardFor(env as Bindings, sender.account.id);
		const sent = await schedule(sender, "in 2 hours");
		// Accepted last month: its recipient was counted then.
		const lastMonth = Date.now() - 40 * 24 * HOUR;
		await db().update(emails).set({ createdAt: lastMonth }).where(eq(emails.id, sent.id));
		await guard.release({ recipients: 1, at: Date.now() });
		await guard.carryOver({ plan: "growth", recipients: 0, from: Date.now(), now: Date.now() });
		// This month is full.
		const full = await guard.admit({ plan: "growth", recipients: 0, now: Date.now() });
		expect(full.kind).toBe("admitted");
		const quota = full.kind === "admitted" ? full.quota : 0;
		await guard.admit({ plan: "growth", recipients: quota, now: Date.now() });
		await dueAt(sent.id, Date.now() - 1000);
		await runQueue(SEND_QUEUE, [{ emailId: sent.id }]);
		expect(sim.store.listMessages({ to: sent.to })).toEqual([]);
		const row = await load(sent.id);
		expect(row.status).toBe("failed");
		expect(row.failureReason).toMatch(/monthly quota had no room/);
		expect(await guard.usage()).toBe(quota);
	});
});

describe("rescheduling", () => {
	it("moves the time, adds a timeline entry, and queues it at once when due within the minute", async () => {
		const sender = await createSender();
		const sent = await schedule(sender, "in 2 hours");
		const at = new Date(Date.now() + 5 * HOUR).toISOString();
		const res = await api("PATCH", `/emails/${sent.id}`, {
			key: sender.key.token,
			body: { scheduled_at: at },
		});
		expect(res.json).toEqual({ object: "email", id: sent.id });
		const got = await api("GET", `/emails/${sent.id}`, { key: sender.key.token });
		expect(got.json.scheduled_at).toBe(at);
		expect((got.json.events as { type: string }[]).map((e) => e.type)).toEqual([
			"scheduled",
			"rescheduled",
		]);
		const bad = await api("PATCH", `/emails/${sent.id}`, {
			key: sender.key.token,
			body: { scheduled_at: "in 40 days" },
		});
		expect(bad.status).toBe(422);

		// Due within the minute: its message is on the real queue now, delayed to its time.
		const soon = await api("PATCH", `/emails/${sent.id}`, {
			key: sender.key.token,
			body: { scheduled_at: "in 1 second" },
		});
		expect(soon.status).toBe(200);
		await vi.waitFor(() => expect(sim.store.listMessages({ to: sent.to })).toHaveLength(1), {
			timeout: 15_000,
		});
	});

	it("answers 404 for another account's email", async () => {
		const owner = await createSender();
		const sent = await schedule(owner, "in 2 hours");
		const stranger = await createSender();
		for (const res of [
			await api("POST", `/emails/${sent.id}/cancel`, { key: stranger.key.token }),
			await api("PATCH", `/emails/${sent.id}`, {
				key: stranger.key.token,
				body: { scheduled_at: "in 3 hours" },
			}),
		]) {
			expect(res.status).toBe(404);
		}
		expect((await load(sent.id)).lastEvent).toBe("scheduled");
	});
});
