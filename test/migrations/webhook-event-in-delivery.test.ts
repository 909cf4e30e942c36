/**
 * Migration 0031 moves each event's type and payload into its deliveries and drops
 * `webhook_events`. This puts both tables back as migrations 0028 to 0030 left them, stores
 * events and deliveries in them, and replays the migration.
 */
import type { D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { api } from "../helpers/api.ts";
import { createSender } from "../helpers/factories.ts";
import { createWebhookEndpoint } from "../helpers/webhooks.ts";

const migration = (env as unknown as { TEST_MIGRATIONS: D1Migration[] }).TEST_MIGRATIONS.find((m) =>
	m.name.startsWith("0031_"),
);

const OLD_TABLES = [
	"DROP TABLE webhook_deliveries",
	"CREATE TABLE webhook_events (id text PRIMARY KEY NOT NULL, account_id text NOT NULL, type text NOT NULL, payload text NOT NULL, created_at integer NOT NULL) WITHOUT ROWID",
	"CREATE TABLE webhook_deliveries (endpoint_id text NOT NULL, event_id text NOT NULL, status text DEFAULT 'pending' NOT NULL, attempts integer DEFAULT 0 NOT NULL, next_attempt_at integer, first_attempt_at integer, created_at integer NOT NULL, attempt_log text, PRIMARY KEY(endpoint_id, event_id)) WITHOUT ROWID",
];

it("keeps every delivery with its event's type, payload and time, and its attempts", async () => {
	expect(migration?.queries.length).toBeGreaterThan(0);
	const { account, key } = await createSender();
	const webhook = await createWebhookEndpoint(key.token, "https://hooks.example.com/in");
	for (const statement of OLD_TABLES) await env.DB.prepare(statement).run();

	const event = (n: number, type: string) => ({
		id: `0190a000-0000-7000-8000-00000000000${n}`,
		type,
		payload: JSON.stringify({ type, created_at: new Date(1000 * n).toISOString(), data: { n } }),
		createdAt: 1000 * n,
	});
	const delivered = event(1, "email.delivered");
	const waiting = event(2, "email.bounced");
	for (const e of [delivered, waiting]) {
		await env.DB.prepare("INSERT INTO webhook_events VALUES (?, ?, ?, ?, ?)")
			.bind(e.id, account.id, e.type, e.payload, e.createdAt)
			.run();
	}
	const attempt = { id: "0190a000-0000-7000-9000-000000000001", httpStatus: 200, response: "ok" };
	const deliveries: [string, string, number, string | null][] = [
		[
			delivered.id,
			"success",
			1,
			JSON.stringify([{ ...attempt, durationMs: 5, error: null, sentAt: 1500 }]),
		],
		[waiting.id, "pending", 0, null],
		// Its event is gone: never listed (the old list joined the event) nor deliverable.
		["0190a000-0000-7000-8000-000000000009", "pending", 0, null],
	];
	for (const [eventId, status, attempts, log] of deliveries) {
		await env.DB.prepare(
			"INSERT INTO webhook_deliveries (endpoint_id, event_id, status, attempts, created_at, attempt_log) VALUES (?, ?, ?, ?, ?, ?)",
		)
			.bind(webhook.id, eventId, status, attempts, 9999, log)
			.run();
	}

	for (const statement of migration?.queries ?? []) await env.DB.prepare(statement).run();

	const listed = await api("GET", `/webhooks/${webhook.id}/events`, { key: key.token });
	expect(listed.json).toMatchObject({
		has_more: false,
		data: [
			{
				id: waiting.id,
				type: "email.bounced",
				created_at: new Date(2000).toISOString(),
				status: "pending",
			},
			{
				id: delivered.id,
				type: "email.delivered",
				created_at: new Date(1000).toISOString(),
				status: "success",
			},
		],
	});
	expect((listed.json as { data: unknown[] }).data).toHaveLength(2);
	const one = await api("GET", `/webhooks/${webhook.id}/events/${delivered.id}`, {
		key: key.token,
	});
	expect(one.json).toMatchObject({
		id: delivered.id,
		type: "email.delivered",
		payload: { data: { n: 1 } },
	});
	const attempts = await api("GET", `/webhooks/${webhook.id}/events/${delivered.id}/attempts`, {
		key: key.token,
	});
	expect(attempts.json).toMatchObject({ data: [{ id: attempt.id, http_status_code: 200 }] });
	const tables = await env.DB.prepare(
		"SELECT name FROM sqlite_master WHERE name = 'webhook_events'",
	).all();
	expect(tables.results).toEqual([]);
});
