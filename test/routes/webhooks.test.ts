import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../helpers/api.ts";
import { client, expectJson } from "../helpers/client.ts";
import { runCommonRouteTests } from "../helpers/common-route-tests.ts";
import { createSender } from "../helpers/factories.ts";
import { installReceiver } from "../helpers/webhook-receiver.ts";
import { createWebhookEndpoint, createWebhookEvent } from "../helpers/webhooks.ts";

// Test events and replays go to the endpoints' fake receiver, never to the network.
let receiver: ReturnType<typeof installReceiver> | undefined;
beforeAll(() => {
	receiver = installReceiver();
});
afterAll(() => receiver?.restore());

describe("/webhooks", () => {
	it("creates an endpoint with a whsec_ secret, then gets, lists, updates and deletes it", async () => {
		const { key } = await createSender();
		const owner = client(key.token);
		const created = await expectJson(
			owner.webhooks.$post({
				json: {
					endpoint: "https://hooks.example.com/in",
					events: ["email.delivered", "email.bounced"],
				},
			}),
			201,
		);
		expect(created).toEqual({
			object: "webhook",
			id: expect.stringMatching(/^[0-9a-f-]{36}$/),
			signing_secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/),
		});

		const got = await expectJson(owner.webhooks[":id"].$get({ param: { id: created.id } }), 200);
		expect(got).toEqual({
			object: "webhook",
			id: created.id,
			endpoint: "https://hooks.example.com/in",
			events: ["email.delivered", "email.bounced"],
			status: "enabled",
			disabled_reason: null,
			signing_secret: created.signing_secret,
			created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
		});

		const list = await expectJson(owner.webhooks.$get({ query: {} }), 200);
		expect(list.data.map((w) => w.id)).toEqual([created.id]);
		expect(JSON.stringify(list)).not.toContain(created.signing_secret);

		const updated = await expectJson(
			owner.webhooks[":id"].$patch({
				param: { id: created.id },
				json: { events: ["email.complained"], status: "disabled" },
			}),
			200,
		);
		expect(updated).toEqual({ object: "webhook", id: created.id });
		const after = await expectJson(owner.webhooks[":id"].$get({ param: { id: created.id } }), 200);
		expect(after).toMatchObject({ events: ["email.complained"], status: "disabled" });

		const deleted = await expectJson(
			owner.webhooks[":id"].$delete({ param: { id: created.id } }),
			200,
		);
		expect(deleted).toEqual({ object: "webhook", id: created.id, deleted: true });
		expect((await owner.webhooks[":id"].$get({ param: { id: created.id } })).status).toBe(404);
	});

	it("stores the signing secret encrypted, never in the clear", async () => {
		const { key } = await createSender();
		const created = await createWebhookEndpoint(key.token);
		const { env } = await import("cloudflare:workers");
		const row = await env.DB.prepare("SELECT * FROM webhook_endpoints WHERE id = ?")
			.bind(created.id)
			.first();
		expect(JSON.stringify(row)).not.toContain(created.signing_secret.slice(6));
		expect(JSON.stringify(row)).not.toContain(created.signing_secret);
	});

	it("rotates the secret: the new one is shown by get, the old one kept for 24 h", async () => {
		const { key } = await createSender();
		const owner = client(key.token);
		const created = await createWebhookEndpoint(key.token);
		const rotated = await expectJson(
			owner.webhooks[":id"]["signing-secret"].rotate.$post({ param: { id: created.id } }),
			200,
		);
		expect(rotated).toEqual({
			object: "webhook",
			id: created.id,
			signing_secret: expect.stringMatching(/^whsec_/),
		});
		expect(rotated.signing_secret).not.toBe(created.signing_secret);
		const got = await expectJson(owner.webhooks[":id"].$get({ param: { id: created.id } }), 200);
		expect(got.signing_secret).toBe(rotated.signing_secret);
		const { env } = await import("cloudflare:workers");
		const row = await env.DB.prepare(
			"SELECT previous_secret_encrypted AS p, previous_secret_expires_at AS e FROM webhook_endpoints WHERE id = ?",
		)
			.bind(created.id)
			.first<{ p: string | null; e: number | null }>();
		expect(row?.p).toBeTruthy();
		expect((row?.e ?? 0) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
	});

	describe("refuses with 422 naming the field", () => {
		const cases: [string, unknown, RegExp][] = [
			[
				"an unknown event type",
				{ endpoint: "https://a.example.com/", events: ["email.opened"] },
				/^`events\[0\]`/,
			],
			[
				"empty events",
				{ endpoint: "https://a.example.com/", events: [] },
				/^`events`: must name at least one/,
			],
			[
				"a plain http URL",
				{ endpoint: "http://a.example.com/", events: ["email.sent"] },
				/`endpoint`: must use https/,
			],
			[
				"an IPv4 literal",
				{ endpoint: "https://10.0.0.1/", events: ["email.sent"] },
				/`endpoint`: must name a host, not an IP/,
			],
			[
				"an IPv6 literal",
				{ endpoint: "https://[::1]/", events: ["email.sent"] },
				/`endpoint`: must name a host, not an IP/,
			],
			[
				"a decimal IP",
				{ endpoint: "https://2130706433/", events: ["email.sent"] },
				/`endpoint`: must name a host, not an IP/,
			],
			[
				"localhost",
				{ endpoint: "https://localhost/", events: ["email.sent"] },
				/`endpoint`: must be a public host/,
			],
			[
				"a .local name",
				{ endpoint: "https://printer.local/", events: ["email.sent"] },
				/`endpoint`: must be a public host/,
			],
			[
				"a .internal name",
				{ endpoint: "https://metadata.google.internal/", events: ["email.sent"] },
				/`endpoint`: must be a public host/,
			],
			[
				"a single-label name",
				{ endpoint: "https://intranet/", events: ["email.sent"] },
				/`endpoint`: must be a fully qualified/,
			],
			[
				"another port",
				{ endpoint: "https://a.example.com:8080/", events: ["email.sent"] },
				/`endpoint`: must use port 443 or 8443/,
			],
			[
				"credentials in the URL",
				{ endpoint: "https://u:p@a.example.com/", events: ["email.sent"] },
				/`endpoint`: must not carry/,
			],
			[
				"an overlong URL",
				{ endpoint: `https://a.example.com/${"x".repeat(2100)}`, events: ["email.sent"] },
				/^`endpoint`: must be at most 2048/,
			],
			[
				"not a URL",
				{ endpoint: "hooks", events: ["email.sent"] },
				/`endpoint`: must be an absolute/,
			],
		];
		for (const [what, body, message] of cases) {
			it(what, async () => {
				const { key } = await createSender();
				const res = await api("POST", "/webhooks", { key: key.token, body });
				expect(res.json).toMatchObject({ statusCode: 422, name: "validation_error" });
				expect(String(res.json.message)).toMatch(message);
			});
		}

		it("on update too, and changes nothing", async () => {
			const { key } = await createSender();
			const created = await createWebhookEndpoint(key.token);
			const res = await api("PATCH", `/webhooks/${created.id}`, {
				key: key.token,
				body: { endpoint: "https://169.254.169.254/latest" },
			});
			expect(res.json).toMatchObject({ statusCode: 422, name: "validation_error" });
			const got = await api("GET", `/webhooks/${created.id}`, { key: key.token });
			expect(got.json.endpoint).toBe("https://hooks.example.com/sendfleet");
		});
	});

	it("accepts port 8443", async () => {
		const { key } = await createSender();
		const res = await api("POST", "/webhooks", {
			key: key.token,
			body: { endpoint: "https://hooks.example.com:8443/x", events: ["email.sent"] },
		});
		expect(res.status).toBe(201);
	});

	it("lists an endpoint's events and shows one with its exact payload", async () => {
		const { key } = await createSender();
		const owner = client(key.token);
		const webhook = await createWebhookEndpoint(key.token);
		const event = await createWebhookEvent(webhook.id);
		const list = await expectJson(
			owner.webhooks[":id"].events.$get({ param: { id: webhook.id }, query: {} }),
			200,
		);
		expect(list).toEqual({
			object: "list",
			has_more: false,
			data: [
				{
					id: event.id,
					type: "email.delivered",
					created_at: expect.any(String),
					status: "pending",
				},
			],
		});
		const got = await expectJson(
			owner.webhooks[":id"].events[":event_id"].$get({
				param: { id: webhook.id, event_id: event.id },
			}),
			200,
		);
		expect(got).toMatchObject({
			object: "webhook_event",
			id: event.id,
			status: "pending",
			attempts: 0,
			payload: JSON.parse(event.payload),
		});
		const attempts = await expectJson(
			owner.webhooks[":id"].events[":event_id"].attempts.$get({
				param: { id: webhook.id, event_id: event.id },
				query: {},
			}),
			200,
		);
		expect(attempts).toEqual({ object: "list", has_more: false, data: [] });
	});

	it("does not show another endpoint's event, or its attempts, under this endpoint", async () => {
		const { key } = await createSender();
		const first = await createWebhookEndpoint(key.token);
		const second = await createWebhookEndpoint(key.token);
		const event = await createWebhookEvent(first.id);
		const res = await api("GET", `/webhooks/${second.id}/events/${event.id}`, { key: key.token });
		expect(res.json).toMatchObject({ statusCode: 404, name: "not_found" });
		const attempts = await api("GET", `/webhooks/${second.id}/events/${event.id}/attempts`, {
			key: key.token,
		});
		expect(attempts.json).toMatchObject({ statusCode: 404, name: "not_found" });
	});
});

const withWebhook = async (owner: { key: { token: string } }) =>
	(await createWebhookEndpoint(owner.key.token)).id;
const withEvent = async (owner: { account: { id: string }; key: { token: string } }) => {
	const id = await withWebhook(owner);
	return [id, (await createWebhookEvent(id)).id];
};

runCommonRouteTests("/webhooks", [
	{
		method: "POST",
		path: "/webhooks",
		access: "full_access",
		body: () => ({ endpoint: "https://hooks.example.com/x", events: ["email.sent"] }),
	},
	{ method: "GET", path: "/webhooks", access: "full_access" },
	{ method: "GET", path: "/webhooks/{id}", access: "full_access", resource: withWebhook },
	{
		method: "PATCH",
		path: "/webhooks/{id}",
		access: "full_access",
		resource: withWebhook,
		body: () => ({ status: "enabled" }),
	},
	{ method: "DELETE", path: "/webhooks/{id}", access: "full_access", resource: withWebhook },
	{
		method: "POST",
		path: "/webhooks/{id}/signing-secret/rotate",
		access: "full_access",
		resource: withWebhook,
	},
	{ method: "GET", path: "/webhooks/{id}/events", access: "full_access", resource: withWebhook },
	{
		method: "GET",
		path: "/webhooks/{id}/events/{event_id}",
		access: "full_access",
		resource: withEvent,
	},
	{
		method: "POST",
		path: "/webhooks/{id}/events/{event_id}/replay",
		access: "full_access",
		resource: withEvent,
	},
	{ method: "POST", path: "/webhooks/{id}/test", access: "full_access", resource: withWebhook },
	{
		method: "GET",
		path: "/webhooks/{id}/events/{event_id}/attempts",
		access: "full_access",
		resource: withEvent,
	},
]);
