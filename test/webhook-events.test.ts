/**
 * Webhook events from the email lifecycle, end to end: an email goes through the send
 * consumer to the SES simulator, whose SNS notifications reach /hooks/sns; the lifecycle's
 * events become deliveries on the webhook queue, which post them to a fake receiver, where
 * `standardwebhooks` verifies each with the endpoint's secret.
 */
import { env, exports } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { findEmailsByIds } from "../src/db/queries/emails.ts";
import { suspensionDepsFromEnv } from "../src/deps.ts";
import { recordEmailEvents } from "../src/domain/email-recorder.ts";
import { recordReputation } from "../src/domain/suspension.ts";
import type { WebhookMessage } from "../src/domain/webhook-delivery.ts";
import { guardFor } from "../src/durable-objects/index.ts";
import type { Bindings } from "../src/env.ts";
import { SEND_QUEUE, WEBHOOK_QUEUE } from "../src/queues/index.ts";
import { api, asBrowser } from "./helpers/api.ts";
import { createAccount, createQueuedEmail, createSender, db } from "./helpers/factories.ts";
import { runQueue } from "./helpers/queue.ts";
import { createSession } from "./helpers/sessions.ts";
import { installSimulatorPostingToWorker } from "./helpers/simulator.ts";
import { installReceiver, RECEIVER_ORIGIN } from "./helpers/webhook-receiver.ts";
import { createWebhookEndpoint } from "./helpers/webhooks.ts";

const restores: (() => void)[] = [];
let sim: ReturnType<typeof installSimulatorPostingToWorker>["sim"];
let receiver: ReturnType<typeof installReceiver>;
beforeEach(() => {
	const simulator = installSimulatorPostingToWorker();
	sim = simulator.sim;
	receiver = installReceiver();
	restores.push(simulator.restore, receiver.restore);
});
afterEach(() => {
	for (const restore of restores.splice(0).reverse()) restore();
});

/** Runs the webhook queue's consumer over every delivery still waiting for the endpoint. */
async function deliverPending(endpointId: string) {
	const { results } = await env.DB.prepare(
		"SELECT endpoint_id AS endpointId, event_id AS eventId FROM webhook_deliveries WHERE endpoint_id = ? AND status = 'pending'",
	)
		.bind(endpointId)
		.all<WebhookMessage>();
	if (results.length) await runQueue(WEBHOOK_QUEUE, results);
}

const pendingCount = async (endpointId: string) =>
	(
		await env.DB.prepare(
			"SELECT COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = ? AND status = 'pending'",
		)
			.bind(endpointId)
			.first<{ n: number }>()
	)?.n;

/**
 * The verified events the receiver got at `url`, one per webhook-id (the queue may deliver
 * twice). Only that endpoint's: the real queue consumer also delivers what earlier tests'
 * endpoints were sent, to the same receiver, signed with their own secrets.
 */
function verifiedEvents(url: string, secret: string) {
	const byId = new Map<string, { type: string; data: Record<string, unknown> }>();
	for (const r of receiver.received.filter((r) => r.url === url)) {
		const event = new Webhook(secret).verify(r.body, r.headers) as {
			type: string;
			data: Record<string, unknown>;
		};
		byId.set(r.headers["webhook-id"] ?? "", event);
	}
	return [...byId.values()];
}

const eventsOf = async (accountId: string) =>
	(
		await env.DB.prepare(
			"SELECT DISTINCT d.event_id, d.type, d.payload, d.created_at FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id WHERE w.account_id = ? ORDER BY d.created_at, d.event_id",
		)
			.bind(accountId)
			.all<{ type: string; payload: string }>()
	).results.map((r) => ({ type: r.type, ...JSON.parse(r.payload) }));

describe("suppression and account events", () => {
	it("suppression.added once per address really added, suppression.removed when removed", async () => {
		const sender = await createSender();
		await createWebhookEndpoint(sender.key.token, `${RECEIVER_ORIGIN}/s`, [
			"suppression.added",
			"suppression.removed",
		]);
		const key = sender.key.token;
		await api("POST", "/suppressions", { key, body: { email: "gone@example.org" } });
		await api("POST", "/suppressions", { key, body: { email: "gone@example.org" } });
		await api("DELETE", "/suppressions/gone@example.org", { key });
		const events = await eventsOf(sender.account.id);
		expect(events.map((e) => e.type)).toEqual(["suppression.added", "suppression.removed"]);
		expect(events[0]).toMatchObject({
			data: { email: "gone@example.org", origin: "manual", source_id: null },
		});
	});

	it("email.suppressed when a send is refused because a recipient is suppressed", async () => {
		const sender = await createSender();
		const key = sender.key.token;
		await createWebhookEndpoint(key, `${RECEIVER_ORIGIN}/r`, ["email.suppressed"]);
		await api("POST", "/suppressions", { key, body: { email: "gone@example.org" } });
		const res = await api("POST", "/emails", {
			key,
			body: {
				from: sender.from,
				to: ["gone@example.org", "fine@example.org"],
				subject: "Receipt",
				text: "Hi",
				tags: [{ name: "kind", value: "receipt" }],
			},
		});
		expect(res.status).toBe(422);
		await vi.waitFor(async () => expect(await eventsOf(sender.account.id)).toHaveLength(1));
		expect((await eventsOf(sender.account.id))[0]).toMatchObject({
			type: "email.suppressed",
			data: {
				email_id: null,
				from: sender.from,
				to: ["gone@example.org", "fine@example.org"],
				subject: "Receipt",
				tags: { kind: "receipt" },
				suppressed: { type: "suppression_list", recipients: ["gone@example.org"] },
			},
		});
	});

	it("account.suspended when the guard suspends, account.reinstated when staff lift it", async () => {
		const sender = await createSender();
		await createWebhookEndpoint(sender.key.token, `${RECEIVER_ORIGIN}/a`, [
			"account.suspended",
			"account.reinstated",
		]);
		const bindings = env as Bindings;
		const guard = guardFor(bindings, sender.account.id);
		const at = Date.now();
		await guard.recordSends([{ recipients: 50, at }], at);
		const notice = await recordReputation(
			suspensionDepsFromEnv(bindings, sender.account.id),
			sender.account.id,
			[
				{ key: "b1", kind: "hard_bounce", at },
				{ key: "b2", kind: "hard_bounce", at },
			],
		);
		expect(notice).toBeNull(); // no owner user: no notice, the event all the same
		const staff = asBrowser(await createSession((await createAccount()).id, { role: "staff" }));
		const lifted = await staff("POST", `/staff/accounts/${sender.account.id}/reinstate`, {
			body: { note: "Lists cleaned" },
		});
		expect(lifted.status).toBe(200);
		const events = await eventsOf(sender.account.id);
		expect(events.map((e) => e.type)).toEqual(["account.suspended", "account.reinstated"]);
		expect(events[0]).toMatchObject({
			data: { account_id: sender.account.id, reason: expect.stringContaining("4.00%") },
		});
	});
});

describe("reputation warnings", () => {
	it("account.reputation_warning once when the bounce rate passes 75% of the limit, with the figures and headroom", async () => {
		const sender = await createSender();
		await createWebhookEndpoint(sender.key.token, `${RECEIVER_ORIGIN}/r`, [
			"account.reputation_warning",
		]);
		const bindings = env as Bindings;
		const deps = suspensionDepsFromEnv(bindings, sender.account.id);
		const at = Date.now();
		await guardFor(bindings, sender.account.id).recordSends([{ recipients: 100, at }], at);
		const bounce = (key: string) => ({ key, kind: "hard_bounce" as const, at });
		await recordReputation(deps, sender.account.id, [bounce("b1"), bounce("b2")], at);
		expect(await eventsOf(sender.account.id)).toEqual([]);
		await recordReputation(deps, sender.account.id, [bounce("b3")], at);
		await recordReputation(deps, sender.account.id, [bounce("b3"), bounce("b3")], at + 1);
		const events = await eventsOf(sender.account.id);
		expect(events).toHaveLength(1);
		expect(events[0]).toMatchObject({
			type: "account.reputation_warning",
			data: {
				rate: "bounce_rate",
				figures: { sends: 100, hard_bounces: 3, bounce_rate: 0.03 },
				headroom: { hard_bounces_before_suspension: 1 },
			},
		});
	});
});

describe("domain events", () => {
	it("domain.created, domain.updated with the new statuses when a check changes them, domain.deleted", async () => {
		const sender = await createSender();
		const key = sender.key.token;
		await createWebhookEndpoint(key, `${RECEIVER_ORIGIN}/d`, [
			"domain.created",
			"domain.updated",
			"domain.deleted",
		]);
		const name = `wh${Date.now().toString(36)}.example.com`;
		const created = await api("POST", "/domains", { key, body: { name } });
		expect(created.status, JSON.stringify(created.json)).toBe(201);
		const id = String(created.json.id);
		sim.dns.publish(name);
		const verified = await api("POST", `/domains/${id}/verify`, { key });
		expect(verified.json.status).toBe("verified");
		// The same statuses again: nothing to tell.
		await env.DB.prepare(
			"UPDATE domains SET ownership_checked_at = NULL, dkim_checked_at = NULL WHERE id = ?",
		)
			.bind(id)
			.run();
		await api("POST", `/domains/${id}/verify`, { key });
		await api("DELETE", `/domains/${id}`, { key });

		const events = await eventsOf(sender.account.id);
		expect(events.map((e) => e.type)).toEqual([
			"domain.created",
			"domain.updated",
			"domain.deleted",
		]);
		expect(events[0]?.data).toMatchObject({ id, name, status: "not_started" });
		expect(events[1]?.data).toMatchObject({ id, name, status: "verified" });
		const records = (events[1]?.data.records ?? []) as { record: string; status: string }[];
		expect(records.find((r) => r.record === "DKIM")?.status).toBe("verified");
	});
});

describe("webhook events from the email lifecycle", () => {
	it("send → SES simulator → SNS → email.sent, email.delivered, email.bounced and email.complained, verified with standardwebhooks", async () => {
		const sender = await createSender();
		const url = `${RECEIVER_ORIGIN}/in`;
		const webhook = await createWebhookEndpoint(sender.key.token, url, [
			"email.sent",
			"email.delivered",
			"email.bounced",
			"email.complained",
			"suppression.added",
		]);
		const to = {
			delivered: "success@simulator.amazonses.com",
			bounced: "bounce@simulator.amazonses.com",
			complained: "complaint@simulator.amazonses.com",
		};
		const sent = await Promise.all(
			Object.values(to).map((address) => createQueuedEmail(sender, { to: [address] })),
		);
		await runQueue(
			SEND_QUEUE,
			sent.map((e) => ({ emailId: e.id })),
		);
		await sim.sns.flush();
		await deliverPending(webhook.id);

		const events = verifiedEvents(url, webhook.signing_secret);
		const of = (type: string, address: string) =>
			events.filter((e) => e.type === type && (e.data.to as string[]).includes(address));
		for (const address of Object.values(to)) expect(of("email.sent", address)).toHaveLength(1);
		expect(of("email.delivered", to.delivered)).toHaveLength(1);
		expect(of("email.delivered", to.complained)).toHaveLength(1);
		const [bounce] = of("email.bounced", to.bounced);
		expect(bounce?.data).toMatchObject({
			email_id: sent[1]?.id,
			from: sent[1]?.from,
			subject: sent[1]?.subject,
			bounce: { type: "Permanent", subType: expect.any(String), message: expect.any(String) },
		});
		expect(of("email.complained", to.complained)).toHaveLength(1);
		// The hard bounce and the complaint put their addresses on the list: told once each.
		expect(
			events
				.filter((e) => e.type === "suppression.added")
				.map((e) => [e.data.email, e.data.origin])
				.sort(),
		).toEqual([
			[to.bounced, "bounce"],
			[to.complained, "complaint"],
		]);
		// Not subscribed: no delivery_delayed or failed events were written for this endpoint.
		expect(events.every((e) => e.type !== "email.failed")).toBe(true);

		// A redelivered SNS notification writes no second event.
		const before = await env.DB.prepare(
			"SELECT COUNT(DISTINCT d.event_id) AS n FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id WHERE w.account_id = ?",
		)
			.bind(sender.account.id)
			.first<{ n: number }>();
		for (const message of sim.sns.sent()) {
			const again = await exports.default.fetch("https://api.sendfleet.test/hooks/sns", {
				method: "POST",
				headers: message.headers,
				body: message.body,
			});
			expect(again.status).toBe(200);
		}
		expect(await pendingCount(webhook.id)).toBe(0);
		const after = await env.DB.prepare(
			"SELECT COUNT(DISTINCT d.event_id) AS n FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id WHERE w.account_id = ?",
		)
			.bind(sender.account.id)
			.first<{ n: number }>();
		expect(after?.n).toBe(before?.n);
	});

	it("an account without endpoints gets no event row and no queue message", async () => {
		const sender = await createSender();
		const email = await createQueuedEmail(sender, { to: ["a@example.org"] });
		const [row] = await findEmailsByIds(db(), [email.id]);
		if (!row) throw new Error("no email");
		const sent: unknown[] = [];
		const webhookQueue = {
			sendBatch: async (messages: Iterable<unknown>) => {
				sent.push(...messages);
			},
		} as unknown as Queue<WebhookMessage>;
		await recordEmailEvents({ db: db(), webhookQueue }, [
			{
				email: row,
				event: { kind: "accepted_by_ses", sesMessageId: "ses-x", at: Date.now() },
				key: "t1",
			},
		]);
		expect(sent).toEqual([]);
		const events = await env.DB.prepare(
			"SELECT COUNT(*) AS n FROM webhook_deliveries WHERE instr(payload, ?) > 0",
		)
			.bind(email.id)
			.first<{ n: number }>();
		expect(events?.n).toBe(0);
	});

	it("an email carries whether its account had an endpoint when it was accepted", async () => {
		const sender = await createSender();
		const send = async () => {
			const res = await api("POST", "/emails", {
				key: sender.key.token,
				body: { from: sender.from, to: "a@example.org", subject: "Hi", text: "Hi" },
			});
			expect(res.status).toBe(200);
			const [row] = await findEmailsByIds(db(), [(res.json as { id: string }).id]);
			return row?.webhooks;
		};
		expect(await send()).toBe(false);
		await createWebhookEndpoint(sender.key.token, `${RECEIVER_ORIGIN}/f`, ["email.sent"]);
		expect(await send()).toBe(true);
	});

	it("an email accepted without endpoints emits nothing, even for an endpoint added later", async () => {
		const sender = await createSender();
		const email = await createQueuedEmail(sender, { to: ["a@example.org"], webhooks: false });
		await createWebhookEndpoint(sender.key.token, `${RECEIVER_ORIGIN}/late`, [
			"email.sent",
			"email.bounced",
			"suppression.added",
		]);
		const [row] = await findEmailsByIds(db(), [email.id]);
		if (!row) throw new Error("no email");
		const sent: unknown[] = [];
		const webhookQueue = {
			sendBatch: async (messages: Iterable<unknown>) => {
				sent.push(...messages);
			},
		} as unknown as Queue<WebhookMessage>;
		const at = Date.now();
		await recordEmailEvents({ db: db(), webhookQueue }, [
			{ email: row, event: { kind: "accepted_by_ses", sesMessageId: "ses-late", at }, key: "l1" },
		]);
		const [accepted] = await findEmailsByIds(db(), [email.id]);
		if (!accepted) throw new Error("no email");
		await recordEmailEvents({ db: db(), webhookQueue }, [
			{
				email: accepted,
				event: {
					kind: "bounced",
					bounceType: "Permanent",
					recipients: ["a@example.org"],
					reason: "gone",
					details: { bounce_sub_type: "General" },
					at,
				},
				key: "l2",
			},
		]);
		expect(sent).toEqual([]);
		expect(await eventsOf(sender.account.id)).toEqual([]);
		// The lifecycle itself went on: the address is suppressed.
		const suppressed = await api("GET", "/suppressions", { key: sender.key.token });
		expect(JSON.stringify(suppressed.json)).toContain("a@example.org");
	});

	it("queues one delivery per subscribed endpoint, none for an endpoint not subscribed to the type", async () => {
		const sender = await createSender();
		const subscribed = await createWebhookEndpoint(sender.key.token, `${RECEIVER_ORIGIN}/a`, [
			"email.sent",
		]);
		await createWebhookEndpoint(sender.key.token, `${RECEIVER_ORIGIN}/b`, ["email.bounced"]);
		const email = await createQueuedEmail(sender, { to: ["a@example.org"] });
		const [row] = await findEmailsByIds(db(), [email.id]);
		if (!row) throw new Error("no email");
		const sent: { body: WebhookMessage }[] = [];
		const webhookQueue = {
			sendBatch: async (messages: Iterable<{ body: WebhookMessage }>) => {
				sent.push(...messages);
			},
		} as unknown as Queue<WebhookMessage>;
		const input = {
			email: row,
			event: { kind: "accepted_by_ses" as const, sesMessageId: "ses-y", at: Date.now() },
			key: "t2",
		};
		await recordEmailEvents({ db: db(), webhookQueue }, [input]);
		expect(sent.map((m) => m.body.endpointId)).toEqual([subscribed.id]);
	});

	it("queues the events a batch records together in one message per endpoint", async () => {
		const sender = await createSender();
		const endpoints = [
			await createWebhookEndpoint(sender.key.token, `${RECEIVER_ORIGIN}/a`, ["email.sent"]),
			await createWebhookEndpoint(sender.key.token, `${RECEIVER_ORIGIN}/b`, ["email.sent"]),
		];
		const rows = [];
		for (const to of ["a@example.org", "b@example.org", "c@example.org"]) {
			const email = await createQueuedEmail(sender, { to: [to] });
			const [row] = await findEmailsByIds(db(), [email.id]);
			if (!row) throw new Error("no email");
			rows.push(row);
		}
		const sent: { body: WebhookMessage }[] = [];
		const webhookQueue = {
			sendBatch: async (messages: Iterable<{ body: WebhookMessage }>) => {
				sent.push(...messages);
			},
		} as unknown as Queue<WebhookMessage>;
		await recordEmailEvents(
			{ db: db(), webhookQueue },
			rows.map((email, i) => ({
				email,
				event: { kind: "accepted_by_ses" as const, sesMessageId: `ses-${i}`, at: Date.now() },
				key: `g${i}`,
			})),
		);
		expect(sent.map((m) => m.body.endpointId).sort()).toEqual(endpoints.map((e) => e.id).sort());
		for (const { body } of sent) expect(body.eventIds).toHaveLength(3);
		expect(new Set(sent.flatMap((m) => m.body.eventIds)).size).toBe(3);

		// The consumer delivers each event to each endpoint.
		await runQueue(
			WEBHOOK_QUEUE,
			sent.map((m) => m.body),
		);
		expect(receiver.received).toHaveLength(6);
		expect(await pendingCount(endpoints[0]?.id ?? "")).toBe(0);
	});
});
