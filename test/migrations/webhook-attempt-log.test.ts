/**
 * Migration 0030 moves each delivery's attempts into its row (`attempt_log`) and drops
 * `webhook_attempts`. This recreates that table as migration 0028 left it, stores attempts in
 * it, and replays the migration's backfill.
 */
import type { D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { webhookDeliveries } from "../../src/db/schema.ts";
import { api } from "../helpers/api.ts";
import { createSender, db } from "../helpers/factories.ts";
import { createWebhookEndpoint, createWebhookEvent } from "../helpers/webhooks.ts";

const migration = (env as unknown as { TEST_MIGRATIONS: D1Migration[] }).TEST_MIGRATIONS.find((m) =>
	m.name.startsWith("0030_"),
);
const backfill = (migration?.queries ?? []).filter((q) => /^\s*(--[^\n]*\n\s*)*UPDATE/i.test(q));

it("moves each delivery's attempts into its log, oldest first, the newest 100, as the API lists them", async () => {
	expect(backfill).toHaveLength(1);
	const { key } = await createSender();
	const webhook = await createWebhookEndpoint(key.token, "https://hooks.example.com/in");
	const many = await createWebhookEvent(webhook.id);
	const none = await createWebhookEvent(webhook.id);
	await env.DB.prepare(
		"CREATE TABLE webhook_attempts (id text NOT NULL, endpoint_id text NOT NULL, event_id text NOT NULL, http_status integer NOT NULL, response text NOT NULL, duration_ms integer NOT NULL, error text, sent_at integer NOT NULL, PRIMARY KEY(endpoint_id, event_id, id)) WITHOUT ROWID",
	).run();
	try {
		// 102 attempts, stored out of order: the two oldest are left out.
		const ids = Array.from(
			{ length: 102 },
			(_, i) => `0190a000-0000-7000-8000-${String(i).padStart(12, "0")}`,
		);
		for (const i of [...ids.keys()].reverse()) {
			await env.DB.prepare("INSERT INTO webhook_attempts VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
				.bind(
					ids[i],
					webhook.id,
					many.id,
					i % 2 ? 200 : 0,
					i % 2 ? "ok" : "",
					10 + i,
					i % 2 ? null : "timeout",
					1000 + i,
				)
				.run();
		}
		for (const statement of backfill) await env.DB.prepare(statement).run();

		const logOf = async (eventId: string) => {
			const [row] = await db()
				.select({ log: webhookDeliveries.attemptLog })
				.from(webhookDeliveries)
				.where(
					and(eq(webhookDeliveries.endpointId, webhook.id), eq(webhookDeliveries.eventId, eventId)),
				);
			return row?.log;
		};
		const log = await logOf(many.id);
		expect(log?.map((a) => a.id)).toEqual(ids.slice(2));
		expect(log?.[0]).toEqual({
			id: ids[2],
			httpStatus: 0,
			response: "",
			durationMs: 12,
			error: "timeout",
			sentAt: 1002,
		});
		expect(await logOf(none.id)).toBeNull();

		const listed = await api("GET", `/webhooks/${webhook.id}/events/${many.id}/attempts?limit=2`, {
			key: key.token,
		});
		expect(listed.json).toMatchObject({
			has_more: true,
			data: [
				{ id: ids[101], http_status_code: 200, response: "ok", duration_ms: 111, error: null },
				{ id: ids[100], http_status_code: 0, error: "timeout" },
			],
		});
	} finally {
		await env.DB.prepare("DROP TABLE webhook_attempts").run();
	}
});
