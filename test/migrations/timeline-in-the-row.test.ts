/**
 * Migration 0020 moves each email's timeline rows (the old `email_events` table) into the row
 * and the daily figures GET /account/metrics counted from them into `account_day_counts`. This
 * replays its data statements on a table shaped as `email_events` was.
 */
import type { D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, expect, it } from "vitest";
import { accountDayCounts, emails } from "../../src/db/schema.ts";
import { uuidv7 } from "../../src/lib/ids.ts";
import { DAY } from "../../src/lib/time.ts";
import { createQueuedEmail, createSender, db } from "../helpers/factories.ts";

const migration = (env as unknown as { TEST_MIGRATIONS: D1Migration[] }).TEST_MIGRATIONS.find((m) =>
	m.name.startsWith("0020_"),
);
/** Its statements that move data (the schema changes already ran with every migration). */
const dataStatements = (migration?.queries ?? []).filter((q) =>
	/^\s*(--[^\n]*\n\s*)*(UPDATE|INSERT)/i.test(q),
);

afterEach(async () => {
	await env.DB.exec("DROP TABLE IF EXISTS email_events");
});

it("moves timeline rows into their email, oldest first, and counts the daily figures", async () => {
	expect(dataStatements).toHaveLength(3);
	await env.DB.exec(
		"CREATE TABLE email_events (id text PRIMARY KEY NOT NULL, email_id text NOT NULL, account_id text NOT NULL, type text NOT NULL, recipient text, details text, occurred_at integer NOT NULL, dedupe_key text, created_at integer NOT NULL)",
	);
	const sender = await createSender();
	const day = Math.floor(Date.now() / DAY) - 3;
	const t = day * DAY + 1000;
	const email = await createQueuedEmail(sender, {
		to: ["a@example.org", "b@example.org"],
		sentAt: t,
		lastEvent: "delivered",
	});
	const untouched = await createQueuedEmail(sender);
	const event = (type: string, at: number, recipient: string | null, key: string | null) =>
		env.DB.prepare(
			"INSERT INTO email_events (id, email_id, account_id, type, recipient, details, occurred_at, dedupe_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		)
			.bind(
				uuidv7(),
				email.id,
				sender.account.id,
				type,
				recipient,
				JSON.stringify({ n: 1 }),
				at,
				key,
				at,
			)
			.run();
	await event("bounced", t + 2000, "b@example.org", "sns-2:b@example.org");
	await event("delivered", t + 1000, "a@example.org", "sns-1:a@example.org");
	await event("opened", t + 3000, "a@example.org", null);

	for (const statement of dataStatements) await env.DB.prepare(statement).run();

	const [row] = await db()
		.select()
		.from(emails)
		.where(eq(emails.id, email.id as string));
	expect(row?.timeline?.map((e) => [e.type, e.recipient, e.at, e.details])).toEqual([
		["delivered", "a@example.org", t + 1000, { n: 1 }],
		["bounced", "b@example.org", t + 2000, { n: 1 }],
		["opened", "a@example.org", t + 3000, { n: 1 }],
	]);
	expect(row?.timeline?.[0]?.key).toBe("sns-1:a@example.org");
	const [other] = await db()
		.select()
		.from(emails)
		.where(eq(emails.id, untouched.id as string));
	expect(other?.timeline).toBeNull();
	const counts = await db()
		.select()
		.from(accountDayCounts)
		.where(eq(accountDayCounts.accountId, sender.account.id));
	expect(counts.map((c) => [c.day, c.figure, c.count]).sort()).toEqual(
		[
			[day, "delivered", 1],
			[day, "hard_bounced", 1],
			[day, "sent", 2],
		].sort(),
	);
});
