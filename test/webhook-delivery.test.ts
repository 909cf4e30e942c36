/**
 * Webhook delivery: signing that `standardwebhooks` and `resend.webhooks.verify` accept, both
 * secrets during a rotation's overlap, the retry schedule to 72 h, disabling and re-enabling,
 * replay with the same id, and receivers that misbehave. Deliveries go to a fake receiver
 * (test/helpers/webhook-receiver.ts); the retry tests drive `attemptDelivery` with a clock and
 * a queue that records what would be sent, so three days pass in a test.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Resend } from "resend";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { webhookDeliveryDepsFromEnv } from "../src/deps.ts";
import { attemptDelivery, type WebhookMessage } from "../src/domain/webhook-delivery.ts";
import { nextAttemptAt } from "../src/domain/webhooks.ts";
import type { Bindings } from "../src/env.ts";
import { WEBHOOK_DEAD_LETTER_QUEUE, WEBHOOK_QUEUE } from "../src/queues/index.ts";
import { consumeWebhooks } from "../src/queues/webhooks.ts";
import { createWebhookSender } from "../src/services/webhook-sender.ts";
import { api, BASE_URL } from "./helpers/api.ts";
import { createSender } from "./helpers/factories.ts";
import { queryPlans } from "./helpers/query-plans.ts";
import { runQueue } from "./helpers/queue.ts";
import { createSession } from "./helpers/sessions.ts";
import { installReceiver, RECEIVER_ORIGIN } from "./helpers/webhook-receiver.ts";
import { createWebhookEndpoint, createWebhookEvent } from "./helpers/webhooks.ts";

let receiver: ReturnType<typeof installReceiver> | undefined;
afterEach(() => receiver?.restore());

const HOUR = 3600 * 1000;

function recordingQueue() {
	const sent: { body: WebhookMessage; delaySeconds: number }[] = [];
	const queue = {
		async send(body: WebhookMessage, options?: { delaySeconds?: number }) {
			sent.push({ body, delaySeconds: options?.delaySeconds ?? 0 });
		},
		async sendBatch(messages: Iterable<{ body: WebhookMessage }>) {
			for (const m of messages) sent.push({ body: m.body, delaySeconds: 0 });
		},
	} as unknown as Queue<WebhookMessage>;
	return { queue, sent };
}

/** Three pending events for the endpoint, oldest first. */
const threeEvents = async (endpointId: string) => [
	await createWebhookEvent(endpointId),
	await createWebhookEvent(endpointId),
	await createWebhookEvent(endpointId),
];

function depsWith(queue: Queue<WebhookMessage>) {
	return { ...webhookDeliveryDepsFromEnv(env as Bindings, () => {}), queue };
}

/** The queue, but its `send` throws on the calls `fails` picks (1 for the first). */
function failingSends(queue: Queue<WebhookMessage>, fails: (call: number) => boolean) {
	let calls = 0;
	return {
		...queue,
		send: async (...args: Parameters<Queue<WebhookMessage>["send"]>) => {
			calls += 1;
			if (fails(calls)) throw new Error("queue unavailable");
			return queue.send(...args);
		},
	} as Queue<WebhookMessage>;
}

/** Message `m0` carrying `body`, on its `attempts`th delivery: what the consumer acked or retried. */
async function consumeAs(
	body: WebhookMessage,
	attempts: number,
	deps: Parameters<typeof consumeWebhooks>[1],
) {
	const batch = createMessageBatch(WEBHOOK_QUEUE, [
		{ id: "m0", timestamp: new Date(), attempts, body },
	]);
	await consumeWebhooks(batch, deps);
	return getQueueResult(batch, createExecutionContext());
}

async function testEvent(key: string, id: string) {
	return api("POST", `/webhooks/${id}/test`, { key });
}

describe("webhook delivery", () => {
	it("POST /webhooks/:id/test delivers a signed webhook.test that standardwebhooks and resend.webhooks.verify accept", async () => {
		receiver = installReceiver();
		const { key } = await createSender();
		const webhook = await createWebhookEndpoint(key.token, `${RECEIVER_ORIGIN}/in`);
		const res = await testEvent(key.token, webhook.id);
		expect(res.status, JSON.stringify(res.json)).toBe(200);
		expect(res.json).toMatchObject({
			object: "webhook_event",
			type: "webhook.test",
			status: "success",
			attempt: { http_status_code: 200, response: "ok", error: null },
		});

		expect(receiver.received).toHaveLength(1);
		const [delivery] = receiver.received;
		if (!delivery) throw new Error("nothing received");
		const { headers, body } = delivery;
		expect(headers["webhook-id"]).toBe(res.json.id);
		expect(headers["svix-id"]).toBe(headers["webhook-id"]);
		expect(headers["svix-timestamp"]).toBe(headers["webhook-timestamp"]);
		expect(headers["svix-signature"]).toBe(headers["webhook-signature"]);
		expect(headers["content-type"]).toBe("application/json");

		const verified = new Webhook(webhook.signing_secret).verify(body, headers);
		expect(verified).toMatchObject({ type: "webhook.test", data: { webhook_id: webhook.id } });
		const viaSdk = new Resend("re_unused").webhooks.verify({
			payload: body,
			headers: {
				id: headers["svix-id"] ?? "",
				timestamp: headers["svix-timestamp"] ?? "",
				signature: headers["svix-signature"] ?? "",
			},
			webhookSecret: webhook.signing_secret,
		});
		expect(viaSdk).toEqual(verified);
		expect(() =>
			new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").verify(body, headers),
		).toThrow();

		const attempts = await api(
			"GET",
			`/webhooks/${webhook.id}/events/${String(res.json.id)}/attempts`,
			{ key: key.token },
		);
		expect(attempts.json.data).toEqual([
			{
				id: expect.any(String),
				http_status_code: 200,
				response: "ok",
				sent_at: expect.any(String),
				duration_ms: expect.any(Number),
				error: null,
			},
		]);
	});

	it("signs with both secrets during a rotation's 24 h overlap, then with the new one only", async () => {
		receiver = installReceiver();
		const { key } = await createSender();
		const webhook = await createWebhookEndpoint(key.token, `${RECEIVER_ORIGIN}/in`);
		const rotated = await api("POST", `/webhooks/${webhook.id}/signing-secret/rotate`, {
			key: key.token,
		});
		const newSecret = String(rotated.json.signing_secret);
		await testEvent(key.token, webhook.id);
		const during = receiver.received.at(-1);
		if (!during) throw new Error("nothing received");
		expect(during.headers["webhook-signature"]?.split(" ")).toHaveLength(2);
		expect(() =>
			new Webhook(webhook.signing_secret).verify(during.body, during.headers),
		).not.toThrow();
		expect(() => new Webhook(newSecret).verify(during.body, during.headers)).not.toThrow();

		await env.DB.prepare("UPDATE webhook_endpoints SET previous_secret_expires_at = ? WHERE id = ?")
			.bind(Date.now() - 1, webhook.id)
			.run();
		await testEvent(key.token, webhook.id);
		const after = receiver.received.at(-1);
		if (!after) throw new Error("nothing received");
		expect(after.headers["webhook-signature"]?.split(" ")).toHaveLength(1);
		expect(() => new Webhook(newSecret).verify(after.body, after.headers)).not.toThrow();
		expect(() => new Webhook(webhook.signing_secret).verify(after.body, after.headers)).toThrow();
	});

	it("retries at 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then every 12 h, the last at 72 h", () => {
		const first = 1_000_000;
		let now = first;
		const delays: number[] = [];
		for (let attempts = 1; ; attempts++) {
			const next = nextAttemptAt(attempts, first, now);
			if (next === null) break;
			delays.push((next - now) / 1000);
			now = next;
		}
		expect(delays.slice(0, 10)).toEqual([
			5, 300, 1800, 7200, 18000, 36000, 43200, 43200, 43200, 43200,
		]);
		expect(now - first).toBe(72 * HOUR);
		expect(delays).toHaveLength(11);
	});

	it("records every failed attempt, requeues with the schedule's delay, and after 72 h of failures disables the endpoint and tells the owner", async () => {
		receiver = installReceiver(() => new Response("down for maintenance", { status: 503 }));
		const { account, key } = await createSender();
		const session = await createSession(account.id);
		const owner = await env.DB.prepare("SELECT id, email FROM users WHERE account_id = ?")
			.bind(account.id)
			.first<{ id: string; email: string }>();
		await env.DB.prepare("UPDATE accounts SET owner_user_id = ? WHERE id = ?")
			.bind(owner?.id ?? "", account.id)
			.run();
		expect(session.cookie).toBeTruthy();
		const webhook = await createWebhookEndpoint(key.token, `${RECEIVER_ORIGIN}/in`);
		const event = await createWebhookEvent(webhook.id);
		const { queue, sent } = recordingQueue();
		const deps = depsWith(queue);
		const message = { endpointId: webhook.id, eventId: event.id };

		let now = Date.now();
		const start = now;
		const outcomes: string[] = [];
		for (let i = 0; i < 20; i++) {
			const outcome = await attemptDelivery(deps, message, { retry: true, now });
			outcomes.push(outcome.kind);
			if (outcome.kind !== "retrying") break;
			now = outcome.nextAttemptAt;
		}
		expect(outcomes).toEqual([...Array(11).fill("retrying"), "failed"]);
		expect(sent.map((s) => s.delaySeconds)).toEqual([
			5,
			300,
			1800,
			7200,
			18000,
			36000,
			43200,
			43200,
			43200,
			43200,
			// The last one lands exactly at 72 h: 72 h − (17 h 35 min 5 s + 4 × 12 h).
			72 * 3600 - 63305 - 4 * 43200,
		]);
		expect(now - start).toBe(72 * HOUR);
		expect(sent.every((s) => s.body.eventIds.join() === event.id)).toBe(true);
		// The same id on every attempt, so the receiver can de-duplicate.
		expect(new Set(receiver.received.map((r) => r.headers["webhook-id"]))).toEqual(
			new Set([event.id]),
		);

		const got = await api("GET", `/webhooks/${webhook.id}/events/${event.id}`, { key: key.token });
		expect(got.json).toMatchObject({ status: "failed", attempts: 12, next_attempt_at: null });
		const attempts = await api(
			"GET",
			`/webhooks/${webhook.id}/events/${event.id}/attempts?limit=100`,
			{
				key: key.token,
			},
		);
		expect(attempts.json.data).toHaveLength(12);
		expect(attempts.json.data?.[0]).toMatchObject({
			http_status_code: 503,
			response: "down for maintenance",
			error: "HTTP 503",
		});

		const endpoint = await api("GET", `/webhooks/${webhook.id}`, { key: key.token });
		expect(endpoint.json).toMatchObject({
			status: "disabled",
			disabled_reason: expect.stringMatching(/failed for 72 hours/),
		});
		const notice = await env.DB.prepare(
			"SELECT to_address, subject FROM notices WHERE account_id = ?",
		)
			.bind(account.id)
			.first<{ to_address: string; subject: string }>();
		expect(notice).toEqual({
			to_address: owner?.email,
			subject: "Your SendFleet webhook endpoint was disabled",
		});

		// Disabled: a queued message waits; re-enabling starts a new run for what was left.
		const later = await createWebhookEvent(webhook.id);
		const waiting = await attemptDelivery(deps, { endpointId: webhook.id, eventId: later.id });
		expect(waiting).toEqual({ kind: "skipped", why: "endpoint_disabled" });
		receiver.answer = () => new Response(null, { status: 204 });
		const enabled = await api("PATCH", `/webhooks/${webhook.id}`, {
			key: key.token,
			body: { status: "enabled" },
		});
		expect(enabled.status).toBe(200);
		const resumed = await attemptDelivery(deps, { endpointId: webhook.id, eventId: later.id });
		expect(resumed.kind).toBe("delivered");
		const again = await api("GET", `/webhooks/${webhook.id}`, { key: key.token });
		expect(again.json).toMatchObject({ status: "enabled", disabled_reason: null });
	});

	it("enabling an endpoint that is already enabled leaves its retry schedule alone", async () => {
		receiver = installReceiver(() => new Response("no", { status: 500 }));
		const { key } = await createSender();
		const webhook = await createWebhookEndpoint(key.token, `${RECEIVER_ORIGIN}/in`);
		const event = await createWebhookEvent(webhook.id);
		const { queue, sent } = recordingQueue();
		await attemptDelivery(depsWith(queue), { endpointId: webhook.id, eventId: event.id });
		const path = `/webhooks/${webhook.id}/events/${event.id}`;
		const before = await api("GET", path, { key: key.token });
		expect(before.json).toMatchObject({ status: "attempting", attempts: 1 });
		await api("PATCH", `/webhooks/${webhook.id}`, { key: key.token, body: { status: "enabled" } });
		const after = await api("GET", path, { key: key.token });
		expect(after.json).toEqual(before.json);
		expect(sent).toHaveLength(1);
	});

	it("does not disable an endpoint that accepted another event within the 72 h", async () => {
		receiver = installReceiver((r) =>
			r.body.includes("poison") ? new Response("no", { status: 400 }) : new Response("ok"),
		);
		const { key } = await createSender();
		const webhook = await createWebhookEndpoint(key.token, `${RECEIVER_ORIGIN}/in`);
		const good = await createWebhookEvent(webhook.id);
		const { queue } = recordingQueue();
		const deps = depsWith(queue);
		const now = Date.now();
		expect((await attemptDelivery(deps, { endpointId: webhook.id, eventId: good.id })).kind).toBe(
			"delivered",
		);
		const bad = await createWebhookEvent(webhook.id, "email.bounced");
		await env.DB.prepare("UPDATE webhook_deliveries SET payload = ? WHERE event_id = ?")
			.bind(JSON.stringify({ type: "email.bounced", poison: true }), bad.id)
			.run();
		await env.DB.prepare(
			"UPDATE webhook_deliveries SET first_attempt_at = ?, attempts = 11 WHERE event_id = ?",
		)
			.bind(now - 72 * HOUR + 1000, bad.id)
			.run();
		const outcome = await attemptDelivery(
			deps,
			{ endpointId: webhook.id, eventId: bad.id },
			{
				retry: true,
				now: now + 2000,
			},
		);
		expect(outcome).toMatchObject({ kind: "failed", endpointDisabled: false });
		const endpoint = await api("GET", `/webhooks/${webhook.id}`, { key: key.token });
		expect(endpoint.json.status).toBe("enabled");
	});

	it("decides to disable from the endpoint's last success, not by reading its attempts", async () => {
		// A busy endpoint has up to 90 days of attempts; reading them when a delivery gives up
		// would hold D1, which runs one query at a time, for every account.
		receiver = installReceiver(() => new Response("no", { status: 400 }));
		const { key } = await createSender();
		const webhook = await createWebhookEndpoint(key.token, `${RECEIVER_ORIGIN}/in`);
		const event = await createWebhookEvent(webhook.id);
		const now = Date.now();
		await env.DB.prepare(
			"UPDATE webhook_deliveries SET first_attempt_at = ?, attempts = 11 WHERE event_id = ?",
		)
			.bind(now - 72 * HOUR + 1000, event.id)
			.run();
		const { queue } = recordingQueue();
		let outcome: Awaited<ReturnType<typeof attemptDelivery>> | undefined;
		const plans = await queryPlans(async (db) => {
			outcome = await attemptDelivery(
				{ ...depsWith(queue), db },
				{ endpointId: webhook.id, eventId: event.id },
				{ retry: true, now: now + 2000 },
			);
		});
		expect(outcome).toMatchObject({ kind: "failed", endpointDisabled: true });
		// The endpoint's attempts are logged in its deliveries: only this delivery's row is read.
		const reads = plans.flatMap((p) => p.split("\n")).filter((l) => /webhook_deliveries/.test(l));
		expect(reads.length).toBeGreaterThan(0);
		for (const line of reads) {
			expect(line).toMatch(/USING PRIMARY KEY \(endpoint_id=\? AND event_id=\?\)/);
		}
	});

	it("logs a delivery's attempts in its row, the newest 100, and lists them newest first in pages", async () => {
		receiver = installReceiver(() => new Response("busy", { status: 503 }));
		const { key } = await createSender();
		const webhook = await createWebhookEndpoint(key.token, `${RECEIVER_ORIGIN}/in`);
		const event = await createWebhookEvent(webhook.id);
		const deps = depsWith(recordingQueue().queue);
		const message = { endpointId: webhook.id, eventId: event.id };
		// Each attempt as if its retry had come due (the schedule gives up long before 103).
		const due = env.DB.prepare(
			"UPDATE webhook_deliveries SET next_attempt_at = 0 WHERE endpoint_id = ? AND event_id = ?",
		).bind(webhook.id, event.id);
		for (let i = 0; i < 103; i++) {
			await due.run();
			await attemptDelivery(deps, message);
		}
		const list = async (query: string) => {
			const page = await api("GET", `/webhooks/${webhook.id}/events/${event.id}/attempts${query}`, {
				key: key.token,
			});
			const json = page.json as { data: { id: string }[]; has_more: boolean };
			return { ids: json.data.map((a) => a.id), hasMore: json.has_more };
		};
		const all = await list("?limit=100");
		expect(all.ids).toHaveLength(100);
		expect(all.hasMore).toBe(false);
		const ids = all.ids;
		expect(ids).toEqual([...ids].sort().reverse());

		expect(await list("?limit=40")).toEqual({ ids: ids.slice(0, 40), hasMore: true });
		expect(await list(`?limit=40&after=${ids[39]}`)).toEqual({
			ids: ids.slice(40, 80),
			hasMore: true,
		});
		expect(await list(`?limit=40&before=${ids[40]}`)).toEqual({
			ids: ids.slice(0, 40),
			hasMore: false,
		});

		const delivery = await api("GET", `/webhooks/${webhook.id}/events/${event.id}`, {
			key: key.token,
		});
		// Every attempt counts, including the three the log no longer holds.
		expect(delivery.json).toMatchObject({ attempts: 103 });
	});

	it("replays an event with the same webhook-id and a new run of attempts", async () => {
		receiver = installReceiver();
		const { key } = await createSender();
		const webhook = await createWebhookEndpoint(key.token, `${RECEIVER_ORIGIN}/in`);
		const event = await createWebhookEvent(webhook.id);
		const { queue } = recordingQueue();
		const deps = depsWith(queue);
		const message = { endpointId: webhook.id, eventId: event.id };
		expect((await attemptDelivery(deps, message)).kind).toBe("delivered");
		// A redelivered queue message changes nothing once the event was delivered.
		expect(await attemptDelivery(deps, message)).toEqual({ kind: "skipped", why: "already_done" });

		const replay = await api("POST", `/webhooks/${webhook.id}/events/${event.id}/replay`, {
			key: key.token,
		});
		expect(replay.json).toEqual({ object: "webhook_event", id: event.id });
		const pending = await api("GET", `/webhooks/${webhook.id}/events/${event.id}`, {
			key: key.token,
		});
		expect(pending.json.status).toMatch(/^(pending|success)$/);
		await attemptDelivery(deps, message);
		const ids = receiver.received.map((r) => r.headers["webhook-id"]);
		expect(ids.length).toBeGreaterThanOrEqual(2);
		expect(new Set(ids)).toEqual(new Set([event.id]));
		expect(receiver.received.map((r) => r.body)).toEqual(
			Array(receiver.received.length).fill(event.payload),
		);
	});

	it("records a redirect as a failure without following it, a reset connection, and only the first 1 KB of a huge body", async () => {
		const { key } = await createSender();
		const webhook = await createWebhookEndpoint(key.token, `${RECEIVER_ORIGIN}/in`);

		receiver = installReceiver(
			() => new Response(null, { status: 302, headers: { location: "http://169.254.169.254/" } }),
		);
		const redirected = await testEvent(key.token, webhook.id);
		expect(redirected.json).toMatchObject({
			status: "failed",
			attempt: { http_status_code: 302, error: "Redirect to http://169.254.169.254/ not followed" },
		});
		expect(receiver.received).toHaveLength(1);

		receiver.answer = () => "reset";
		const reset = await testEvent(key.token, webhook.id);
		expect(reset.json).toMatchObject({
			status: "failed",
			attempt: {
				http_status_code: 0,
				response: "",
				error: expect.stringMatching(/^Connection failed/),
			},
		});

		receiver.answer = () => new Response("x".repeat(5 * 1024 * 1024), { status: 500 });
		const huge = await testEvent(key.token, webhook.id);
		expect(huge.json).toMatchObject({ status: "failed", attempt: { http_status_code: 500 } });
		expect((huge.json.attempt as { response: string }).response).toHaveLength(1024);
	});
});

describe("the webhook queue's consumer", () => {
	it("tries a failing endpoint once per run and defers its other events, without holding up another endpoint", async () => {
		receiver = installReceiver((r) =>
			r.url.endsWith("/down") ? new Response("no", { status: 503 }) : new Response("ok"),
		);
		const { key } = await createSender();
		const down = await createWebhookEndpoint(key.token, `${RECEIVER_ORIGIN}/down`);
		const up = await createWebhookEndpoint(key.token, `${RECEIVER_ORIGIN}/up`);
		const downEvents = await threeEvents(down.id);
		const upEvent = await createWebhookEvent(up.id);
		const bodies = [
			...downEvents.map((e) => ({ endpointId: down.id, eventId: e.id })),
			{ endpointId: up.id, eventId: upEvent.id },
		];
		const batch = createMessageBatch(
			WEBHOOK_QUEUE,
			bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
		);
		const { queue, sent } = recordingQueue();
		await consumeWebhooks(batch, depsWith(queue));
		const result = await getQueueResult(batch, createExecutionContext());

		expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2", "m3"]);
		expect(receiver.received.map((r) => new URL(r.url).pathname).sort()).toEqual(["/down", "/up"]);
		// The failed one is rescheduled by its own schedule; the two never tried wait longer.
		const deferred = sent.filter((m) => m.body.eventIds.join() !== downEvents[0]?.id);
		expect(deferred.map((m) => m.body.eventIds.join()).sort()).toEqual(
			[downEvents[1]?.id, downEvents[2]?.id].sort(),
		);
		for (const m of deferred) expect(m.delaySeconds).toBeGreaterThanOrEqual(30);
		for (const event of downEvents.slice(1)) {
			const attempts = await api("GET", `/webhooks/${down.id}/events/${event.id}/attempts`, {
				key: key.token,
			});
			expect(attempts.json).toMatchObject({ data: [] });
		}
	});

	it("delivers a message's events in order, and on a failure of our own retries it whole without sending a delivered one again", async () => {
		receiver = installReceiver();
		const { key } = await createSender();
		const webhook = await createWebhookEndpoint(key.token, `${RECEIVER_ORIGIN}/in`);
		const events = await threeEvents(webhook.id);
		const body: WebhookMessage = { endpointId: webhook.id, eventIds: events.map((e) => e.id) };
		const { queue, sent } = recordingQueue();
		const deps = depsWith(queue);
		let posts = 0;
		const brokenOnce: typeof deps.post = async (...args) => {
			posts += 1;
			if (posts === 2) throw new Error("our side broke");
			return deps.post(...args);
		};

		const firstResult = await consumeAs(body, 1, { ...deps, post: brokenOnce });
		expect(firstResult.retryMessages.map((m) => m.msgId)).toEqual(["m0"]);
		expect(firstResult.explicitAcks).toEqual([]);
		expect(receiver.received.map((r) => r.headers["webhook-id"])).toEqual([events[0]?.id]);

		expect((await consumeAs(body, 2, deps)).explicitAcks).toEqual(["m0"]);
		// The first was delivered before the failure: its redelivery skipped it.
		expect(receiver.received.map((r) => r.headers["webhook-id"])).toEqual(events.map((e) => e.id));
		expect(sent).toEqual([]);
	});

	it("on a failure of our own after an event's failed attempt, leaves that event to the retry it already has", async () => {
		const firstId = { value: "" };
		receiver = installReceiver((request) =>
			request.headers["webhook-id"] === firstId.value
				? new Response("no", { status: 503 })
				: new Response("ok", { status: 200 }),
		);
		const { key } = await createSender();
		const webhook = await createWebhookEndpoint(key.token, `${RECEIVER_ORIGIN}/in`);
		const events = await threeEvents(webhook.id);
		firstId.value = events[0]?.id ?? "";
		const body: WebhookMessage = { endpointId: webhook.id, eventIds: events.map((e) => e.id) };
		const { queue, sent } = recordingQueue();
		// The first event's retry is queued; deferring the other two then fails on our side.
		const brokenOnSecond = failingSends(queue, (call) => call === 2);
		expect((await consumeAs(body, 1, depsWith(brokenOnSecond))).retryMessages).toHaveLength(1);
		expect((await consumeAs(body, 2, depsWith(queue))).explicitAcks).toEqual(["m0"]);

		// The redelivery neither posts the first event again nor queues a second retry for it.
		expect(receiver.received.map((r) => r.headers["webhook-id"])).toEqual(events.map((e) => e.id));
		expect(sent).toEqual([
			{ body: { endpointId: webhook.id, eventIds: [events[0]?.id] }, delaySeconds: 5 },
		]);
		const got = await api("GET", `/webhooks/${webhook.id}/events/${events[0]?.id}`, {
			key: key.token,
		});
		expect(got.json).toMatchObject({ status: "attempting", attempts: 1 });
	});

	it("when its retry cannot be queued, records nothing, so the message's redelivery attempts it again", async () => {
		receiver = installReceiver(() => new Response("no", { status: 503 }));
		const { key } = await createSender();
		const webhook = await createWebhookEndpoint(key.token, `${RECEIVER_ORIGIN}/down`);
		const event = await createWebhookEvent(webhook.id);
		const body: WebhookMessage = { endpointId: webhook.id, eventIds: [event.id] };
		const { queue, sent } = recordingQueue();
		const broken = failingSends(queue, () => true);
		expect((await consumeAs(body, 1, depsWith(broken))).retryMessages).toHaveLength(1);
		await consumeAs(body, 2, depsWith(queue));

		expect(receiver.received).toHaveLength(2);
		expect(sent).toEqual([{ body, delaySeconds: 5 }]);
		const got = await api("GET", `/webhooks/${webhook.id}/events/${event.id}`, { key: key.token });
		expect(got.json).toMatchObject({ status: "attempting", attempts: 1 });
	});

	it("defers what is left of a grouped message in one message after its endpoint fails", async () => {
		receiver = installReceiver(() => new Response("no", { status: 503 }));
		const { key } = await createSender();
		const webhook = await createWebhookEndpoint(key.token, `${RECEIVER_ORIGIN}/down`);
		const events = await threeEvents(webhook.id);
		const batch = createMessageBatch(WEBHOOK_QUEUE, [
			{
				id: "m0",
				timestamp: new Date(),
				attempts: 1,
				body: { endpointId: webhook.id, eventIds: events.map((e) => e.id), deferrals: 2 },
			},
		]);
		const { queue, sent } = recordingQueue();
		await consumeWebhooks(batch, depsWith(queue));
		expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual(["m0"]);
		expect(receiver.received).toHaveLength(1);
		expect(sent).toEqual([
			// The failed attempt's own retry, then the two never tried, together, waiting longer.
			{ body: { endpointId: webhook.id, eventIds: [events[0]?.id] }, delaySeconds: 5 },
			{
				body: { endpointId: webhook.id, eventIds: [events[1]?.id, events[2]?.id], deferrals: 3 },
				delaySeconds: 120,
			},
		]);
	});

	it("acks and drops a message it cannot read: no ids, too many, or no endpoint", async () => {
		receiver = installReceiver();
		const { key } = await createSender();
		const webhook = await createWebhookEndpoint(key.token, `${RECEIVER_ORIGIN}/in`);
		const event = await createWebhookEvent(webhook.id);
		const bodies = [
			{ endpointId: webhook.id, eventIds: [] },
			{ endpointId: webhook.id, eventIds: Array.from({ length: 101 }, () => event.id) },
			{ eventIds: [event.id] },
			"not an object",
		];
		const batch = createMessageBatch(
			WEBHOOK_QUEUE,
			bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
		);
		const { queue, sent } = recordingQueue();
		await consumeWebhooks(batch, depsWith(queue));
		const result = await getQueueResult(batch, createExecutionContext());
		expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2", "m3"]);
		expect(result.retryMessages).toEqual([]);
		expect(receiver.received).toEqual([]);
		expect(sent).toEqual([]);
	});

	it("gives up on a receiver that does not answer within the timeout", async () => {
		const never: typeof fetch = (_url, init) =>
			new Promise((_resolve, reject) =>
				init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
			);
		const post = createWebhookSender(() => never, 50);
		const result = await post(`${RECEIVER_ORIGIN}/slow`, {}, "{}");
		expect(result).toMatchObject({ status: 0, response: "", error: "No answer within 0.05 s" });
		expect(result.durationMs).toBeGreaterThanOrEqual(40);
	});
});

describe("the resend SDK's webhooks API against SendFleet", () => {
	it("creates, gets, lists, updates, rotates, lists and replays events, lists attempts and removes", async () => {
		receiver = installReceiver();
		const { key } = await createSender();
		const resend = new Resend(key.token, { baseUrl: BASE_URL });
		const created = await resend.webhooks.create({
			endpoint: `${RECEIVER_ORIGIN}/sdk`,
			events: ["email.delivered", "email.bounced"],
		});
		expect(created.error).toBeNull();
		const id = created.data?.id ?? "";
		expect(created.data?.signing_secret).toMatch(/^whsec_/);

		const got = await resend.webhooks.get(id);
		expect(got.data).toMatchObject({
			object: "webhook",
			id,
			status: "enabled",
			endpoint: `${RECEIVER_ORIGIN}/sdk`,
			events: ["email.delivered", "email.bounced"],
			signing_secret: created.data?.signing_secret,
		});
		const list = await resend.webhooks.list();
		expect(list.data?.data.map((w) => w.id)).toEqual([id]);
		const updated = await resend.webhooks.update(id, { events: ["email.complained"] });
		expect(updated.data).toEqual({ object: "webhook", id });
		const rotated = await resend.webhooks.rotateSigningSecret(id);
		expect(rotated.data?.signing_secret).toMatch(/^whsec_/);

		const event = await createWebhookEvent(id);
		const events = await resend.webhooks.events.list({ webhookId: id });
		expect(events.data?.data.map((e) => e.id)).toEqual([event.id]);
		const one = await resend.webhooks.events.get({ webhookId: id, eventId: event.id });
		expect(one.data).toMatchObject({
			object: "webhook_event",
			id: event.id,
			type: "email.delivered",
		});
		const replayed = await resend.webhooks.events.replay({ webhookId: id, eventId: event.id });
		expect(replayed.data).toEqual({ object: "webhook_event", id: event.id });
		const attempts = await resend.webhooks.events.attempts.list({
			webhookId: id,
			eventId: event.id,
		});
		expect(attempts.error).toBeNull();
		expect(attempts.data?.object).toBe("list");

		const removed = await resend.webhooks.remove(id);
		expect(removed.data).toEqual({ object: "webhook", id, deleted: true });
		expect((await resend.webhooks.get(id)).error?.name).toBe("not_found");
	});
});

describe("the webhook dead-letter queue", () => {
	it("marks a delivery our side could not attempt after every retry failed, for replay", async () => {
		const { key } = await createSender();
		const webhook = await createWebhookEndpoint(key.token, `${RECEIVER_ORIGIN}/in`);
		const event = await createWebhookEvent(webhook.id);
		await runQueue(WEBHOOK_DEAD_LETTER_QUEUE, [{ endpointId: webhook.id, eventId: event.id }]);
		const got = await api("GET", `/webhooks/${webhook.id}/events/${event.id}`, { key: key.token });
		expect(got.json).toMatchObject({ status: "failed", next_attempt_at: null });
	});

	it("marks every delivery of a grouped message, and leaves a delivered one as it is", async () => {
		const { key } = await createSender();
		const webhook = await createWebhookEndpoint(key.token, `${RECEIVER_ORIGIN}/in`);
		const [waiting, delivered] = [
			await createWebhookEvent(webhook.id),
			await createWebhookEvent(webhook.id),
		];
		await env.DB.prepare(
			"UPDATE webhook_deliveries SET status = 'success' WHERE endpoint_id = ? AND event_id = ?",
		)
			.bind(webhook.id, delivered?.id)
			.run();
		await runQueue(WEBHOOK_DEAD_LETTER_QUEUE, [
			{ endpointId: webhook.id, eventIds: [waiting?.id, delivered?.id] },
		]);
		const status = async (id?: string) =>
			(await api("GET", `/webhooks/${webhook.id}/events/${id}`, { key: key.token })).json.status;
		expect([await status(waiting?.id), await status(delivered?.id)]).toEqual(["failed", "success"]);
	});

	it("leaves a delivery whose own retry is queued to that retry", async () => {
		const { key } = await createSender();
		const webhook = await createWebhookEndpoint(key.token, `${RECEIVER_ORIGIN}/in`);
		const [retrying, due, waiting] = await threeEvents(webhook.id);
		const now = Date.now();
		const setAttempting = (id: string | undefined, nextAttemptAt: number) =>
			env.DB.prepare(
				"UPDATE webhook_deliveries SET status = 'attempting', next_attempt_at = ? WHERE endpoint_id = ? AND event_id = ?",
			)
				.bind(nextAttemptAt, webhook.id, id)
				.run();
		await setAttempting(retrying?.id, now + HOUR);
		await setAttempting(due?.id, now - 1000);
		await runQueue(WEBHOOK_DEAD_LETTER_QUEUE, [
			{ endpointId: webhook.id, eventIds: [retrying?.id, due?.id, waiting?.id] },
		]);
		const status = async (id?: string) =>
			(await api("GET", `/webhooks/${webhook.id}/events/${id}`, { key: key.token })).json.status;
		expect([await status(retrying?.id), await status(due?.id), await status(waiting?.id)]).toEqual([
			"attempting",
			"failed",
			"failed",
		]);
	});
});
