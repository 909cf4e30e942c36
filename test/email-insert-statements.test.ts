/**
 * How a batch of emails is stored: D1 binds at most 100 parameters per statement, so the insert
 * packs as many rows into each statement as their bound values allow, and no more.
 */
import { inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { insertEmailsStatements, type NewEmail, runBatch } from "../src/db/queries/emails.ts";
import { emails } from "../src/db/schema.ts";
import { uuidv7 } from "../src/lib/ids.ts";
import { createSender, db } from "./helpers/factories.ts";

type Sender = Awaited<ReturnType<typeof createSender>>;
/** A statement's SQL and bound values, as drizzle builds them for D1. */
type Built = { toSQL(): { sql: string; params: unknown[] } };

/** An email with only the columns it must have: the most rows to a statement. */
const least = (sender: Sender, i: number): NewEmail => ({
	id: uuidv7(),
	accountId: sender.account.id,
	domainId: sender.domain.id,
	from: sender.from,
	to: [`r${i}@example.org`],
	subject: "Hi",
	createdAt: Date.now(),
});

/** What POST /emails/batch stores for one email of a plain batch. */
const plain = (sender: Sender, i: number): NewEmail => ({
	...least(sender, i),
	subject: `Receipt ${i}`,
	html: "<p>Thanks</p>",
	webhooks: false,
	sendGroup: 7,
});

/** An email with every column the insert may set. */
const full = (sender: Sender, i: number): NewEmail => ({
	...plain(sender, i),
	cc: ["c@example.org"],
	bcc: ["b@example.org"],
	replyTo: ["r@example.org"],
	text: "Thanks",
	body: new Uint8Array([1, 2, 3]),
	headers: { "X-Entity-Ref-ID": `${i}` },
	tags: [
		{ name: "category", value: "receipt" },
		{ name: "plan", value: "pro" },
	],
	status: "pending",
	lastEvent: "queued",
	sesMessageId: "ses-1",
	failureReason: "none",
	sentAt: 1,
	deliveredAt: 2,
	deliveredTo: ["r@example.org"],
	revision: 0,
	scheduledAt: null,
	attachmentCount: 1,
	timeline: [],
	writeToken: "t",
});

/** Each of `make`'s emails alone in its run (a domain of its own): a run of one binds the most. */
const alone =
	(make: typeof plain) =>
	(sender: Sender, i: number): NewEmail => ({
		...make(sender, i),
		domainId: `${sender.domain.id}-${i}`,
	});

/** The INSERT statements into `emails` among a batch's statements. */
const emailInserts = (rows: NewEmail[]) =>
	insertEmailsStatements(db(), rows)
		.map((statement) => (statement as unknown as Built).toSQL())
		.filter((query) => query.sql.startsWith('insert into "emails"'));

describe("storing a batch", () => {
	it("binds at most D1's 100 parameters in any statement, whatever columns and runs its rows have", async () => {
		const sender = await createSender();
		for (const make of [least, plain, full, alone(plain), alone(full)]) {
			const rows = Array.from({ length: 100 }, (_, i) => make(sender, i));
			for (const query of emailInserts(rows)) expect(query.params.length).toBeLessThanOrEqual(100);
			await runBatch(db(), insertEmailsStatements(db(), rows));
			const stored = await db()
				.select({ id: emails.id })
				.from(emails)
				.where(
					inArray(
						emails.id,
						rows.map((r) => r.id),
					),
				);
			expect(stored).toHaveLength(100);
		}
	});

	it("packs a plain batch of 100 into as few statements as its bound values allow", async () => {
		const sender = await createSender();
		const rows = Array.from({ length: 100 }, (_, i) => plain(sender, i));
		const inserts = emailInserts(rows);
		// Each row binds about 20 values here: four rows to a statement, not the two that every
		// column's worth would allow.
		expect(inserts.length).toBeLessThanOrEqual(30);
		const bound = inserts.reduce((n, query) => n + query.params.length, 0);
		expect(bound / inserts.length).toBeGreaterThan(60);
	});
});
