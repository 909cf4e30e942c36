/**
 * Migration 0026 gives every email its key in the list's state index (`state_key`) from its
 * status and last_event. This replays its backfill on rows stored without a key, as rows
 * written before the migration were.
 */
import type { D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inArray } from "drizzle-orm";
import { expect, it } from "vitest";
import { type EmailEvent, type EmailStatus, emailStateKey, emails } from "../../src/db/schema.ts";
import { createQueuedEmail, createSender, db } from "../helpers/factories.ts";

const migration = (env as unknown as { TEST_MIGRATIONS: D1Migration[] }).TEST_MIGRATIONS.find((m) =>
	m.name.startsWith("0026_"),
);
const backfill = (migration?.queries ?? []).filter((q) => /^\s*(--[^\n]*\n\s*)*UPDATE/i.test(q));

it("keys each email by its status and last_event, as the app does, and leaves sent-and-delivered out", async () => {
	expect(backfill).toHaveLength(1);
	const sender = await createSender();
	const states: [EmailStatus, EmailEvent][] = [
		["pending", "queued"],
		["pending", "sent"],
		["pending", "scheduled"],
		["sent", "delivered"],
		["sent", "complained"],
		["failed", "bounced"],
		["failed", "delivered"],
	];
	const stored = [];
	for (const [status, lastEvent] of states)
		stored.push(await createQueuedEmail(sender, { status, lastEvent }));
	const ids = stored.map((e) => e.id as string);
	await db().update(emails).set({ stateKey: null }).where(inArray(emails.id, ids));

	for (const statement of backfill) await env.DB.prepare(statement).run();

	const rows = await db()
		.select({ id: emails.id, stateKey: emails.stateKey })
		.from(emails)
		.where(inArray(emails.id, ids));
	const byId = new Map(rows.map((r) => [r.id, r.stateKey]));
	expect(ids.map((id) => byId.get(id))).toEqual(states.map(([s, e]) => emailStateKey(s, e)));
	expect(byId.get(ids[3] as string)).toBeNull();
	expect(byId.get(ids[1] as string)).toBe("pending:queued");
});
