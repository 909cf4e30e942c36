import { describe, expect, it } from "vitest";
import type { SesSimulator, WebhookDelivery } from "../../simulator/app.ts";
import { ENDPOINT, NOW, newSimulator } from "./support.ts";

// Standard Webhooks' published example (the standardwebhooks and svix libraries test against it).
const REFERENCE = {
	secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
	timestamp: 1614265330,
	body: '{"test": 2432232314}',
	signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

const SECONDS = Math.floor(NOW.getTime() / 1000);
const SECRET = newSecret();
const OTHER_SECRET = newSecret();
const PAYLOAD = JSON.stringify({
	type: "email.delivered",
	created_at: NOW.toISOString(),
	data: { email_id: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c", to: ["rcpt@example.test"] },
});

function newSecret(): string {
	return `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(24)))}`;
}

function toBase64(bytes: Uint8Array): string {
	return btoa(String.fromCharCode(...bytes));
}

/** `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, as the Worker signs. */
async function sign(secret: string, id: string, timestamp: number, body: string): Promise<string> {
	const key = await crypto.subtle.importKey(
		"raw",
		Uint8Array.from(atob(secret.slice("whsec_".length)), (c) => c.charCodeAt(0)),
		{ name: "HMAC", hash: "SHA-256" },
		false,
		["sign"],
	);
	const mac = await crypto.subtle.sign(
		"HMAC",
		key,
		new TextEncoder().encode(`${id}.${timestamp}.${body}`),
	);
	return `v1,${toBase64(new Uint8Array(mac))}`;
}

interface Delivery {
	id?: string;
	timestamp?: number;
	signature?: string;
	body?: string;
	svix?: boolean;
}

/** Posts a delivery as the Worker does: the webhook-* headers and the same values as svix-*. */
async function deliver(sim: SesSimulator, receiver: string, delivery: Delivery = {}) {
	const id = delivery.id ?? "msg_2Yx9zZ1example";
	const timestamp = delivery.timestamp ?? SECONDS;
	const body = delivery.body ?? PAYLOAD;
	const signature = delivery.signature ?? (await sign(SECRET, id, timestamp, body));
	const headers = new Headers({ "content-type": "application/json" });
	for (const prefix of delivery.svix === false ? ["webhook"] : ["webhook", "svix"]) {
		headers.set(`${prefix}-id`, id);
		headers.set(`${prefix}-timestamp`, String(timestamp));
		headers.set(`${prefix}-signature`, signature);
	}
	return sim.fetch(
		new Request(`${ENDPOINT}/webhooks/receive/${receiver}`, { method: "POST", headers, body }),
	);
}

function configure(
	sim: SesSimulator,
	receiver: string,
	body: unknown,
	contentType = "application/json",
) {
	return sim.fetch(
		new Request(`${ENDPOINT}/webhooks/receivers/${receiver}`, {
			method: "POST",
			headers: { "content-type": contentType },
			body: JSON.stringify(body),
		}),
	);
}

async function deliveries(sim: SesSimulator, query = ""): Promise<WebhookDelivery[]> {
	const response = await sim.fetch(new Request(`${ENDPOINT}/webhooks/deliveries${query}`));
	expect(response.status).toBe(200);
	return ((await response.json()) as { deliveries: WebhookDelivery[] }).deliveries;
}

/** A simulator whose "demo" receiver has SECRET. */
async function withReceiver(options: Parameters<typeof newSimulator>[0] = {}) {
	const sim = newSimulator(options);
	const response = await configure(sim, "demo", { secret: SECRET });
	expect(response.status).toBe(200);
	return sim;
}

describe("the webhook receiver", () => {
	it("verifies Standard Webhooks' reference signature", async () => {
		const sim = newSimulator({ now: () => new Date(REFERENCE.timestamp * 1000) });
		await configure(sim, "ref", { secret: REFERENCE.secret });
		const response = await deliver(sim, "ref", {
			id: REFERENCE.id,
			timestamp: REFERENCE.timestamp,
			body: REFERENCE.body,
			signature: REFERENCE.signature,
		});
		expect(response.status).toBe(200);
		const [delivery] = await deliveries(sim);
		expect(delivery).toMatchObject({
			verified: true,
			verification: "verified",
			body: REFERENCE.body,
		});
	});

	it("answers 200 to a correctly signed delivery and lists it verified, with its type and headers", async () => {
		const sim = await withReceiver();
		const response = await deliver(sim, "demo");
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ ok: true, message: "Received and verified." });
		const [delivery] = await deliveries(sim);
		expect(delivery).toMatchObject({
			receiver: "demo",
			receivedAt: NOW.toISOString(),
			webhookId: "msg_2Yx9zZ1example",
			webhookTimestamp: String(SECONDS),
			type: "email.delivered",
			attempt: 1,
			verified: true,
			verification: "verified",
			svixHeaders: "same",
			status: 200,
			delayMs: 0,
			body: PAYLOAD,
			bodyBytes: PAYLOAD.length,
			bodyTruncated: false,
		});
		expect(delivery?.headers).toContainEqual({ name: "content-type", value: "application/json" });
	});

	it("answers 401 to a tampered body and lists it unverified", async () => {
		const sim = await withReceiver();
		const signature = await sign(SECRET, "msg_1", SECONDS, PAYLOAD);
		const tampered = PAYLOAD.replace("email.delivered", "email.bounced");
		const response = await deliver(sim, "demo", { id: "msg_1", signature, body: tampered });
		expect(response.status).toBe(401);
		expect(((await response.json()) as { error: string }).error).toMatch(/^Not verified: no v1/);
		const [delivery] = await deliveries(sim);
		expect(delivery).toMatchObject({
			verified: false,
			verification: "no_matching_signature",
			status: 401,
			type: "email.bounced",
		});
	});

	it("answers 401 to a delivery signed with another secret", async () => {
		const sim = await withReceiver();
		const signature = await sign(OTHER_SECRET, "msg_1", SECONDS, PAYLOAD);
		expect((await deliver(sim, "demo", { id: "msg_1", signature })).status).toBe(401);
		expect((await deliveries(sim))[0]?.verification).toBe("no_matching_signature");
	});

	it("verifies when one of several space-separated signatures matches (a rotated secret)", async () => {
		const sim = await withReceiver();
		const old = await sign(OTHER_SECRET, "msg_1", SECONDS, PAYLOAD);
		const current = await sign(SECRET, "msg_1", SECONDS, PAYLOAD);
		const unknownVersion = `v1a,${current.slice(3)}`;
		const response = await deliver(sim, "demo", {
			id: "msg_1",
			signature: `${old} ${unknownVersion} v1,not-base64! ${current}`,
		});
		expect(response.status).toBe(200);
		expect((await deliveries(sim))[0]?.verified).toBe(true);
	});

	it("ignores a valid signature under another version tag", async () => {
		const sim = await withReceiver();
		const current = await sign(SECRET, "msg_1", SECONDS, PAYLOAD);
		const response = await deliver(sim, "demo", {
			id: "msg_1",
			signature: `v2,${current.slice(3)}`,
		});
		expect(response.status).toBe(401);
	});

	it("refuses timestamps more than five minutes away, either way", async () => {
		const sim = await withReceiver();
		const at = async (timestamp: number) => {
			const response = await deliver(sim, "demo", { id: `msg_${timestamp}`, timestamp });
			return { status: response.status, verification: (await deliveries(sim))[0]?.verification };
		};
		expect(await at(SECONDS - 300)).toEqual({ status: 200, verification: "verified" });
		expect(await at(SECONDS + 300)).toEqual({ status: 200, verification: "verified" });
		expect(await at(SECONDS - 301)).toEqual({ status: 401, verification: "timestamp_too_old" });
		expect(await at(SECONDS + 301)).toEqual({ status: 401, verification: "timestamp_too_new" });
	});

	it("lists deliveries with missing headers, and to a receiver without a secret, unverified", async () => {
		const sim = await withReceiver();
		const bare = await sim.fetch(
			new Request(`${ENDPOINT}/webhooks/receive/demo`, { method: "POST", body: PAYLOAD }),
		);
		expect(bare.status).toBe(401);
		expect((await deliver(sim, "nobody")).status).toBe(401);
		const [toNobody, missing] = await deliveries(sim);
		expect(missing).toMatchObject({ verification: "missing_headers", svixHeaders: "missing" });
		expect(toNobody).toMatchObject({ receiver: "nobody", verification: "no_secret" });
		expect((await deliveries(sim, "?receiver=demo")).map((d) => d.verification)).toEqual([
			"missing_headers",
		]);
	});

	it("says when the svix-* headers are missing or differ from webhook-*", async () => {
		const sim = await withReceiver();
		await deliver(sim, "demo", { svix: false });
		expect((await deliveries(sim))[0]).toMatchObject({ verified: true, svixHeaders: "missing" });
		const headers = new Headers({
			"webhook-id": "msg_1",
			"webhook-timestamp": String(SECONDS),
			"webhook-signature": await sign(SECRET, "msg_1", SECONDS, PAYLOAD),
			"svix-id": "msg_other",
			"svix-timestamp": String(SECONDS),
			"svix-signature": await sign(SECRET, "msg_1", SECONDS, PAYLOAD),
		});
		await sim.fetch(
			new Request(`${ENDPOINT}/webhooks/receive/demo`, { method: "POST", headers, body: PAYLOAD }),
		);
		expect((await deliveries(sim))[0]).toMatchObject({ verified: true, svixHeaders: "different" });
	});

	it("counts attempts per webhook-id, so retries are visible", async () => {
		const sim = await withReceiver();
		await deliver(sim, "demo", { id: "msg_a" });
		await deliver(sim, "demo", { id: "msg_b" });
		await deliver(sim, "demo", { id: "msg_a" });
		expect((await deliveries(sim)).map((d) => [d.webhookId, d.attempt])).toEqual([
			["msg_a", 2],
			["msg_b", 1],
			["msg_a", 1],
		]);
		expect((await deliveries(sim, "?webhook_id=msg_b")).length).toBe(1);
	});
});

describe("the receiver's fail switch", () => {
	it("answers the configured status N times, then 200", async () => {
		const sim = await withReceiver();
		const configured = await configure(sim, "demo", { status: 503, times: 2 });
		expect(configured.status).toBe(200);
		expect(await configured.json()).toEqual({
			name: "demo",
			url: `${ENDPOINT}/webhooks/receive/demo`,
			secretConfigured: true,
			failure: { status: 503, delayMs: 0, remaining: 2 },
		});
		const statuses = [];
		for (let i = 0; i < 4; i++)
			statuses.push((await deliver(sim, "demo", { id: "msg_retry" })).status);
		expect(statuses).toEqual([503, 503, 200, 200]);
		expect(sim.webhooks.receiver("demo")?.failure).toBeNull();
		const listed = (await deliveries(sim)).reverse();
		expect(listed.map((d) => [d.attempt, d.status, d.verified])).toEqual([
			[1, 503, true],
			[2, 503, true],
			[3, 200, true],
			[4, 200, true],
		]);
	});

	it("fails every delivery until cleared when times is omitted, after the delay given", async () => {
		const sim = await withReceiver();
		await configure(sim, "demo", { delayMs: 20 });
		expect((await deliver(sim, "demo")).status).toBe(503);
		expect((await deliver(sim, "demo")).status).toBe(503);
		expect((await deliveries(sim))[0]).toMatchObject({ status: 503, delayMs: 20 });
		const cleared = await configure(sim, "demo", { status: null });
		expect(((await cleared.json()) as { failure: unknown }).failure).toBeNull();
		expect((await deliver(sim, "demo")).status).toBe(200);
	});

	it("keeps the secret when only the switch changes, and the switch when only the secret does", async () => {
		const sim = await withReceiver();
		await configure(sim, "demo", { status: 500, times: 1 });
		await configure(sim, "demo", { secret: OTHER_SECRET });
		const signature = await sign(OTHER_SECRET, "msg_1", SECONDS, PAYLOAD);
		expect((await deliver(sim, "demo", { id: "msg_1", signature })).status).toBe(500);
		expect((await deliver(sim, "demo", { id: "msg_1", signature })).status).toBe(200);
	});

	it("refuses invalid settings with 400, and a non-JSON body with 415", async () => {
		const sim = newSimulator();
		const error = async (body: unknown) => {
			const response = await configure(sim, "demo", body);
			return {
				status: response.status,
				error: ((await response.json()) as { error: string }).error,
			};
		};
		expect(await error({ secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" })).toEqual({
			status: 400,
			error: 'secret must start with "whsec_".',
		});
		expect((await error({ secret: "whsec_not base64" })).status).toBe(400);
		expect((await error({ status: 99 })).status).toBe(400);
		expect((await error({ status: "503" })).status).toBe(400);
		expect((await error({ delayMs: -1 })).status).toBe(400);
		expect((await error({ times: 0 })).status).toBe(400);
		expect((await error({ status: null, times: 2 })).status).toBe(400);
		expect((await error([])).status).toBe(400);
		expect((await configure(sim, "bad name!", { secret: SECRET })).status).toBe(400);
		const form = await configure(
			sim,
			"demo",
			{ secret: SECRET },
			"application/x-www-form-urlencoded",
		);
		expect(form.status).toBe(415);
		expect(sim.webhooks.receivers()).toEqual([]);
	});
});

describe("the webhook deliveries page", () => {
	it("escapes delivered bodies and headers under a no-script policy", async () => {
		const sim = await withReceiver();
		const hostile = JSON.stringify({
			type: "<script>alert(1)</script>",
			data: { subject: "<img src=x onerror=alert(2)>", note: "\"quoted\" & 'single'" },
		});
		await deliver(sim, "demo", { id: "<b>msg</b>", body: hostile });
		const response = await sim.fetch(new Request(`${ENDPOINT}/webhooks`));
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
		expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
		const html = await response.text();
		expect(html).not.toMatch(/<script|<img|<b>msg/i);
		expect(html).toContain("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>");
		expect(html).toContain("&lt;img src=x onerror=alert(2)&gt;");
		expect(html).toContain("&lt;b&gt;msg&lt;/b&gt;");
		expect(html).toContain("\\&quot;quoted\\&quot; &amp; &#39;single&#39;");
	});

	it("lists each delivery's type, webhook-id, verification and answer, and the receivers", async () => {
		const sim = await withReceiver();
		await deliver(sim, "demo", { id: "msg_ok" });
		await deliver(sim, "demo", { id: "msg_bad", signature: "v1,AAAA" });
		await configure(sim, "demo", { status: 502, delayMs: 5, times: 3 });
		const html = await (await sim.fetch(new Request(`${ENDPOINT}/webhooks`))).text();
		expect(html).toContain("<td>email.delivered</td>");
		expect(html).toContain("<code>msg_ok</code>");
		expect(html).toContain('<td><span class="ok">yes</span></td>');
		expect(html).toContain('<span class="bad">no</span>');
		expect(html).toContain("<td>401</td>");
		expect(html).toContain(`<code>${ENDPOINT}/webhooks/receive/demo</code>`);
		expect(html).toContain("answers 502 after 5 ms, 3 more time(s)");
		expect(html).toContain("&quot;type&quot;: &quot;email.delivered&quot;");
	});

	it("is linked from the inbox", async () => {
		const sim = newSimulator();
		const inbox = await (await sim.fetch(new Request(`${ENDPOINT}/`))).text();
		expect(inbox).toContain('<a href="/webhooks">the webhook receiver</a>');
	});
});

describe("the receiver's store", () => {
	it("keeps a bounded number of deliveries, dropping the oldest, and can be cleared", async () => {
		const sim = await withReceiver({ maxWebhookDeliveries: 2 });
		for (const id of ["msg_1", "msg_2", "msg_3"]) await deliver(sim, "demo", { id });
		expect((await deliveries(sim)).map((d) => d.webhookId)).toEqual(["msg_3", "msg_2"]);
		const [newest] = await deliveries(sim);
		const one = await sim.fetch(new Request(`${ENDPOINT}/webhooks/deliveries/${newest?.id}`));
		expect(((await one.json()) as WebhookDelivery).webhookId).toBe("msg_3");
		const cleared = await sim.fetch(
			new Request(`${ENDPOINT}/webhooks/deliveries`, { method: "DELETE" }),
		);
		expect(await cleared.json()).toEqual({ deleted: 2 });
		expect(await deliveries(sim)).toEqual([]);
	});

	it("cuts a huge body when storing it but verifies the whole body", async () => {
		const sim = await withReceiver();
		const body = JSON.stringify({ type: "email.sent", padding: "x".repeat(100_000) });
		expect((await deliver(sim, "demo", { body })).status).toBe(200);
		const [delivery] = await deliveries(sim);
		expect(delivery).toMatchObject({ verified: true, bodyBytes: body.length, bodyTruncated: true });
		expect(delivery?.body.length).toBe(64 * 1024);
	});
});
