/**
 * The send path measured the way SES measures it: reputation counts what SES accepted, the
 * quota what we accepted (given back when an email never reaches SES), recipients once each,
 * and queued mail obeys the account's standing when it is sent, not when it was accepted.
 */
import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../simulator/app.ts";
import { accounts, domains, emails } from "../src/db/schema.ts";
import { guardFor } from "../src/durable-objects/index.ts";
import type { Bindings } from "../src/env.ts";
import { SEND_QUEUE } from "../src/queues/index.ts";
import { api } from "./helpers/api.ts";
import { createDomain, createQueuedEmail, createSender, db } from "./helpers/factories.ts";
import { runQueue } from "./helpers/queue.ts";
import { installSimulator, installSimulatorPostingToWorker } from "./helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(() => {
	({ sim, restore } = installSimulatorPostingToWorker());
});
afterEach(() => restore());

type Sender = Awaited<ReturnType<typeof createSender>>;

/**
 * Emails accepted (their quota admitted by the guard, as POST /emails does) and waiting for the
 * consumer. Stored directly rather than through the API, so the local queue's own consumer
 * does not race the test's.
 */
async function queueAll(sender: Sender, to: string[]) {
	await guardFor(env as Bindings, sender.account.id).admit({ plan: "pro", recipients: to.length });
	const ids: string[] = [];
	for (const address of to) ids.push((await createQueuedEmail(sender, { to: [address] })).id);
	return ids;
}

async function deliver(ids: string[]) {
	for (let i = 0; i < ids.length; i += 100) {
		await runQueue(
			SEND_QUEUE,
			ids.slice(i, i + 100).map((emailId) => ({ emailId })),
		);
	}
	await sim.sns.flush();
}

const reputation = async (sender: Sender) =>
	(await api("GET", "/account/reputation", { key: sender.key.token })).json;

describe("the reputation guard measures what SES measures", () => {
	it("emails SES refused do not dilute the bounce rate: 2 bounces in 50 real sends suspend", async () => {
		const sender = await createSender();
		for (let i = 0; i < 100; i++) {
			sim.addFault({
				match: { to: `refused+${i}@example.org` },
				code: "MessageRejected",
				status: 400,
			});
		}
		const refused = await queueAll(
			sender,
			Array.from({ length: 100 }, (_, i) => `refused+${i}@example.org`),
		);
		await deliver(refused);
		const real = await queueAll(sender, [
			...Array.from({ length: 48 }, (_, i) => `delivered+${i}@simulator.sendfleet.test`),
			"bounce+1@simulator.sendfleet.test",
			"bounce+2@simulator.sendfleet.test",
		]);
		await deliver(real);

		expect(await reputation(sender)).toMatchObject({ sends: 50, hard_bounces: 2 });
		const next = await api("POST", "/emails", {
			key: sender.key.token,
			body: { from: sender.from, to: "someone@example.org", subject: "Hi", text: "Hi" },
		});
		expect(next.json.name).toBe("account_suspended");
	});

	it("shows the month's accepted recipients (the quota) beside the sends SES accepted, and gives back the quota of emails that never reached SES", async () => {
		const sender = await createSender();
		sim.addFault({ match: { to: "c@example.org" }, code: "MessageRejected", status: 400 });
		const ids = await queueAll(sender, ["a@example.org", "b@example.org", "c@example.org"]);
		await deliver(ids);
		const figures = await reputation(sender);
		expect(figures).toMatchObject({ sends: 2, accepted_this_month: 2 });
		expect(await guardFor(env as Bindings, sender.account.id).usage()).toBe(2);
	});
});

describe("recipients", () => {
	it("are counted once however they are repeated across to, cc and bcc, and the email resolves", async () => {
		const sender = await createSender();
		const res = await api("POST", "/emails", {
			key: sender.key.token,
			body: {
				from: sender.from,
				to: ["success@simulator.amazonses.com", "SUCCESS@simulator.amazonses.com"],
				cc: ["success@SIMULATOR.amazonses.com"],
				subject: "Hi",
				text: "Hi",
			},
		});
		expect(res.status).toBe(200);
		const id = res.json.id as string;
		expect(await guardFor(env as Bindings, sender.account.id).usage()).toBe(1);
		await deliver([id]);
		const got = await api("GET", `/emails/${id}`, { key: sender.key.token });
		expect(got.json).toMatchObject({
			status: "sent",
			to: ["success@simulator.amazonses.com"],
			cc: null,
		});
	});
});

describe("queued mail obeys the account's standing at send time", () => {
	const queuedPair = async (sender: Sender) => queueAll(sender, ["a@example.org", "b@example.org"]);

	it("is held, failed with the reason and its quota released when the account is suspended meanwhile", async () => {
		const sender = await createSender();
		const queued = await queuedPair(sender);
		await db()
			.update(accounts)
			.set({ suspendedAt: Date.now(), suspensionReason: "Bounce rate 9.00%." })
			.where(eq(accounts.id, sender.account.id));
		await deliver(queued);
		expect(sim.store.listMessages({ from: sender.from })).toEqual([]);
		const rows = await db().select().from(emails).where(eq(emails.accountId, sender.account.id));
		expect(rows.map((r) => [r.status, r.lastEvent])).toEqual([
			["failed", "failed"],
			["failed", "failed"],
		]);
		expect(rows[0]?.failureReason).toContain("suspended");
		expect(await guardFor(env as Bindings, sender.account.id).usage()).toBe(0);
	});

	it("is held when the plan lapsed", async () => {
		const sender = await createSender();
		const [id = ""] = await queuedPair(sender);
		await db()
			.update(accounts)
			.set({ subscriptionStatus: "past_due" })
			.where(eq(accounts.id, sender.account.id));
		await deliver([id]);
		const [row] = await db().select().from(emails).where(eq(emails.id, id));
		expect(row).toMatchObject({ status: "failed" });
		expect(row?.failureReason).toContain("plan");
	});

	it("is held when the domain is no longer verified", async () => {
		const sender = await createSender();
		const [id = ""] = await queuedPair(sender);
		await db()
			.update(domains)
			.set({ dkimStatus: "failed" })
			.where(eq(domains.id, sender.domain.id));
		await deliver([id]);
		const [row] = await db().select().from(emails).where(eq(emails.id, id));
		expect(row).toMatchObject({ status: "failed" });
		expect(row?.failureReason).toContain("no longer verified");
		expect(sim.store.listMessages({ from: sender.from })).toEqual([]);
	});
});

describe("results of a send", () => {
	it("keep sent_at and the SES message id even when the delivery notification arrives first", async () => {
		// SES's notifications reach the Worker while the consumer is still sending.
		restore();
		({ sim, restore } = installSimulator({
			sns: { deliver: (request) => exports.default.fetch(request), autoDeliver: true, delayMs: 0 },
		}));
		const sender = await createSender();
		const ids = await queueAll(
			sender,
			Array.from({ length: 20 }, (_, i) => `success+${i}@simulator.amazonses.com`),
		);
		await deliver(ids);
		const rows = await db().select().from(emails).where(eq(emails.accountId, sender.account.id));
		expect(rows.filter((r) => r.sentAt === null || r.sesMessageId === null)).toEqual([]);
		expect(rows.every((r) => r.status === "sent")).toBe(true);
	});
});

describe("the sending domain", () => {
	it("is the most specific verified one: a pending subdomain does not shadow its verified parent", async () => {
		const sender = await createSender();
		await createDomain(sender.account.id, {
			name: `mail.${sender.domain.name}`,
			ownershipStatus: "pending",
			dkimStatus: "pending",
		});
		const res = await api("POST", "/emails", {
			key: sender.key.token,
			body: {
				from: `News <news@mail.${sender.domain.name}>`,
				to: "a@example.org",
				subject: "Hi",
				text: "Hi",
			},
		});
		expect(res.status).toBe(200);
	});
});
