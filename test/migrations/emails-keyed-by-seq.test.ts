/**
 * Migration 0033 keys `emails` by `seq`, computed from each id, and drops the attachments'
 * foreign key. This puts both tables back as migration 0032 left them, stores emails the old
 * generator made (two isolates' counters both at 0 in one millisecond share a window), an
 * attachment and the tally's cursor at an email's id, and replays the migration.
 */
import type { D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { TALLY_CURSOR } from "../../src/db/queries/metrics.ts";
import { api } from "../helpers/api.ts";
import { createSender } from "../helpers/factories.ts";

const migration = (env as unknown as { TEST_MIGRATIONS: D1Migration[] }).TEST_MIGRATIONS.find((m) =>
	m.name.startsWith("0033_"),
);

const LATER_EMAIL_COLUMNS = (
	env as unknown as { TEST_MIGRATIONS: D1Migration[] }
).TEST_MIGRATIONS.filter((m) => m.name > "0034_").flatMap((m) =>
	m.queries.filter((q) => /ALTER TABLE `emails` ADD/.test(q)),
);

const OLD_TABLES = [
	"DROP TABLE email_attachments",
	"DROP TABLE emails",
	"CREATE TABLE `emails` ( `id` text PRIMARY KEY NOT NULL, `account_id` text NOT NULL, `domain_id` text NOT NULL, `from_address` text NOT NULL, `to_addresses` text NOT NULL, `cc_addresses` text, `bcc_addresses` text, `reply_to` text, `subject` text NOT NULL, `html` text, `text_body` text, `headers` text, `tags` text, `status` text DEFAULT 'pending' NOT NULL, `last_event` text DEFAULT 'queued' NOT NULL, `ses_message_id` text, `failure_reason` text, `created_at` integer NOT NULL, `sent_at` integer, `delivered_at` integer , `delivered_to` text, `revision` integer DEFAULT 0 NOT NULL, `webhooks` integer DEFAULT true NOT NULL, `scheduled_at` integer, `attachment_count` integer DEFAULT 0 NOT NULL, `timeline` text, `write_token` text, `state_key` text, `body` blob)",
	"CREATE INDEX `emails_account_domain` ON `emails` (`account_id`,`domain_id`,`id`)",
	"CREATE TABLE `email_attachments` ( `id` text NOT NULL, `email_id` text NOT NULL, `account_id` text NOT NULL, `filename` text NOT NULL, `content_type` text NOT NULL, `size` integer NOT NULL, `content_id` text, `r2_key` text NOT NULL, `position` integer NOT NULL, PRIMARY KEY(`email_id`, `position`), FOREIGN KEY (`email_id`) REFERENCES `emails`(`id`) ON UPDATE no action ON DELETE cascade )",
];

// Two isolates' first ids of one millisecond (counter 0), then one with counter 1, then later.
const IDS = [
	"019ad2f0-1c3e-7000-9bcd-ef0123456789",
	"019ad2f0-1c3e-7000-8abc-def012345678",
	"019ad2f0-1c3e-7001-a000-000000000001",
	"019ad2f1-0000-7000-8000-000000000002",
];
/** Their time and counter, times eight: 0x019ad2f01c3e000 × 8. */
const FIRST_WINDOW = 57818334579589120n;

it("keys every email by its id's window, in id order, and keeps attachments and the cursor", async () => {
	expect(migration?.queries.length).toBeGreaterThan(0);
	const sender = await createSender();
	for (const statement of OLD_TABLES) await env.DB.prepare(statement).run();
	for (const id of IDS) {
		await env.DB.prepare(
			"INSERT INTO emails (id, account_id, domain_id, from_address, to_addresses, subject, created_at, attachment_count) VALUES (?, ?, ?, ?, '[\"ann@example.org\"]', 'Old', 1, ?)",
		)
			.bind(id, sender.account.id, sender.domain.id, sender.from, id === IDS[0] ? 1 : 0)
			.run();
	}
	await env.DB.prepare(
		"INSERT INTO email_attachments (id, email_id, account_id, filename, content_type, size, r2_key, position) VALUES ('a1', ?, ?, 'a.txt', 'text/plain', 1, 'k', 0)",
	)
		.bind(IDS[0], sender.account.id)
		.run();
	await env.DB.prepare("INSERT INTO cron_cursors (name, position) VALUES (?, ?)")
		.bind(TALLY_CURSOR, IDS[0])
		.run();

	for (const query of migration?.queries ?? []) await env.DB.prepare(query).run();
	// The columns later migrations add to `emails`, which today's reads name.
	for (const query of LATER_EMAIL_COLUMNS) await env.DB.prepare(query).run();

	const { results } = await env.DB.prepare(
		"SELECT CAST(seq AS TEXT) AS seq, id FROM emails ORDER BY seq",
	).all<{ seq: string; id: string }>();
	expect(results.map((r) => [BigInt(r.seq) - FIRST_WINDOW, r.id])).toEqual([
		// The two of one window in id order, in its first two slots.
		[0n, IDS[1]],
		[1n, IDS[0]],
		[8n, IDS[2]],
		[BigInt(0x019ad2f10000000) * 8n - FIRST_WINDOW, IDS[3]],
	]);
	for (const id of IDS) {
		const got = await api("GET", `/emails/${id}`, { key: sender.key.token });
		expect(got.status, id).toBe(200);
	}
	const attachments = await env.DB.prepare(
		"SELECT count(*) AS n FROM email_attachments WHERE email_id = ?",
	)
		.bind(IDS[0])
		.first<{ n: number }>();
	expect(attachments?.n).toBe(1);
	const cursor = await env.DB.prepare("SELECT position FROM cron_cursors WHERE name = ?")
		.bind(TALLY_CURSOR)
		.first<{ position: string }>();
	expect(cursor?.position).toBe("019ad2f0-1c3e-7000-8000-000000000000");
});
