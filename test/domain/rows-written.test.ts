/**
 * What one email's lifecycle writes, in the rows D1 bills (`meta.rows_written`: every table row
 * and index entry inserted; an entry a change removes is not billed): the figures
 * docs/scaling.md prices, pinned per stage so an index or a statement that adds rows to every
 * email shows up here. Counted by the benchmark's D1 counter (bench/metrics/d1.ts).
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { TALLY_LAG, tallyDayFigures } from "../../src/cron/tally-day-figures.ts";
import { findEmailsByIds, insertEmailsStatements, runBatch } from "../../src/db/queries/emails.ts";
import { TALLY_CURSOR } from "../../src/db/queries/metrics.ts";
import { deleteOldestEmails } from "../../src/db/queries/retention.ts";
import { cronCursors, type Tag } from "../../src/db/schema.ts";
import { webhookDeliveryDepsFromEnv } from "../../src/deps.ts";
import { recordEmailEvents } from "../../src/domain/email-recorder.ts";
import type { LifecycleEvent } from "../../src/domain/email-state.ts";
import { attemptDelivery, type WebhookMessage } from "../../src/domain/webhook-delivery.ts";
import type { Bindings } from "../../src/env.ts";
import { idFloor, uuidv7 } from "../../src/lib/ids.ts";
import { createQueuedEmail, createSender, uuidv7At } from "../helpers/factories.ts";
import { counted, dayFigure, rowsWritten, webhookQueue } from "../helpers/rows-written.ts";
import { createWebhookEndpoint } from "../helpers/webhooks.ts";

const DAY = 24 * 60 * 60 * 1000;

type Sender = Awaited<ReturnType<typeof createSender>>;

/** Accepts one email to one recipient (no tags), as POST /emails stores it; its rows per stage. */
async function lifecycle(
	sender: Sender,
	events: (at: number) => LifecycleEvent[],
	{ webhooks = false, queue = webhookQueue, at = Date.now(), tags = [] as Tag[] } = {},
) {
	const id = uuidv7At(at);
	const accept = await rowsWritten(() =>
		runBatch(
			counted,
			insertEmailsStatements(counted, [
				{
					id,
					accountId: sender.account.id,
					domainId: sender.domain.id,
					from: sender.from,
					to: ["ann@example.org"],
					subject: "Hi",
					text: "Hi",
					createdAt: at,
					webhooks,
					tags,
				},
			]),
		),
	);
	const stages = [accept];
	for (const [i, event] of events(Date.now()).entries()) {
		const [email] = await findEmailsByIds(counted, [id]);
		if (!email) throw new Error("gone");
		stages.push(
			await rowsWritten(() =>
				recordEmailEvents({ db: counted, webhookQueue: queue }, [{ email, event, key: `k${i}` }]),
			),
		);
	}
	return stages;
}

const delivered = (at: number): LifecycleEvent[] => [
	{ kind: "accepted_by_ses", sesMessageId: `ses-${uuidv7()}`, at },
	{ kind: "delivered", at: at + 1, recipients: ["ann@example.org"], details: {} },
];

describe("rows written per email", () => {
	let sender: Sender;
	beforeEach(async () => {
		sender = await createSender();
		// The day's figures exist from the account's first email on: later ones add to them.
		await lifecycle(sender, delivered);
	});

	it("a delivered single: accept 4, send 2, delivery 2", async () => {
		// accept: the row (keyed by its seq, so no index of ids), the list's two indexes (state,
		// domain), the recipient's lookup row; send: the row and the `sent` figure (`sent` keeps the state
		// key `queued` had); delivery: the row and the `delivered` figure (the state index
		// leaves out sent-and-delivered: an entry removed is not billed). Columns a write
		// leaves as they are are not in its SET, so their indexes are not rewritten.
		expect(await lifecycle(sender, delivered)).toEqual([4, 2, 2]);
	});

	it("with the minute's tally: accept 3, send 1, delivery 1, and the tally's rows per page", async () => {
		// Past the tally's cursor the figures are not written event by event: the tally adds a
		// page's in one upsert per account, day and figure (src/cron/tally-day-figures.ts). And
		// an email it has not passed has no state entry while it is queued or sent: accept is the
		// row, the domain index and the recipient.
		await tallyDayFigures(counted);
		try {
			expect(await lifecycle(sender, delivered)).toEqual([3, 1, 1]);
			for (let i = 0; i < 3; i++) await lifecycle(sender, delivered);
			const tally = await rowsWritten(() => tallyDayFigures(counted, Date.now() + TALLY_LAG));
			// The four emails' `sent` and `delivered` in two rows, and the cursor.
			expect(tally).toBe(2 + 1);
		} finally {
			// The other tests count event by event: no cursor.
			await counted.delete(cronCursors).where(eq(cronCursors.name, TALLY_CURSOR));
		}
	});

	it("the tally's first figures of an account's day: a row each, with no index beside its key", async () => {
		await tallyDayFigures(counted);
		try {
			// An account with no figure today yet: the tally inserts its `sent` and `delivered`.
			const fresh = await createSender();
			for (let i = 0; i < 2; i++) await lifecycle(fresh, delivered);
			const tally = await rowsWritten(() => tallyDayFigures(counted, Date.now() + TALLY_LAG));
			// Two figures, a row each (the table is its key), and the cursor.
			expect(tally).toBe(2 + 1);
			expect(await dayFigure(fresh.account.id, Date.now(), "delivered")).toBe(2);
		} finally {
			await counted.delete(cronCursors).where(eq(cronCursors.name, TALLY_CURSOR));
		}
	});

	it("a hard-bounced single: the bounce moves it in the state index", async () => {
		const bounced = (at: number): LifecycleEvent[] => [
			{ kind: "accepted_by_ses", sesMessageId: `ses-${uuidv7()}`, at },
			{
				kind: "bounced",
				bounceType: "Permanent",
				at: at + 1,
				recipients: ["ann@example.org"],
				reason: "Hard bounce",
				details: {},
			},
		];
		// delivery stage: the row, its state entry, the `hard_bounced` figure (the account's
		// first today: its row) and the suppression: its key (account, id) and its index by
		// address, the table having no rowid.
		const [accept, send, bounce] = await lifecycle(sender, bounced);
		expect([accept, send, bounce]).toEqual([4, 2, 3 + 2]);
	});

	it("the purge of a delivered single, 90 days on: its row only (its recipient's entry goes free)", async () => {
		// The first recipient is a column with an index entry, not a lookup row: D1 bills the
		// row's delete, not the removal of its index entries, where a lookup row's delete was a
		// row written of its own. Its send and delivery stayed in its row (no marks to delete).
		const at = Date.now() - 100 * DAY;
		expect(await lifecycle(sender, delivered, { at })).toEqual([4, 2, 2]);
		const purge = await rowsWritten(() => deleteOldestEmails(counted, idFloor(at + 1), 10));
		expect(purge).toBe(1);
	});

	it("the purge of a tagged single: its row only too (its first tag's entry goes free)", async () => {
		// Accept: the row, its state and list entries, and the first recipient's and the first
		// tag's index entries; the second tag has a lookup row, written and deleted.
		const at = Date.now() - 100 * DAY;
		const tags = [
			{ name: "category", value: "receipt" },
			{ name: "plan", value: "pro" },
		];
		expect(await lifecycle(sender, delivered, { at, tags })).toEqual([6, 2, 2]);
		const purge = await rowsWritten(() => deleteOldestEmails(counted, idFloor(at + 1), 10));
		expect(purge).toBe(2);
	});

	it("a consumer batch counts an account's day figure in one row, for the writes that won", async () => {
		const at = Date.now();
		const stored = [];
		for (let i = 0; i < 5; i++)
			stored.push(await createQueuedEmail(sender, { to: ["a@example.org"] }));
		const rows = await findEmailsByIds(
			counted,
			stored.map((e) => e.id as string),
		);
		const [first] = rows;
		if (rows.length !== 5 || !first) throw new Error("not stored");
		const accepted = (key: string) => ({
			kind: "accepted_by_ses" as const,
			sesMessageId: `ses-${key}`,
			at,
		});
		const sentToday = () => dayFigure(sender.account.id, at, "sent", counted);
		// Another writer records the first email's send before the batch's write: the batch's
		// write of it loses, and deciding again on the fresh row finds nothing left to write.
		await recordEmailEvents({ db: counted, webhookQueue }, [
			{ email: first, event: accepted("other"), key: "other" },
		]);
		const before = await sentToday();
		const written = await rowsWritten(() =>
			recordEmailEvents(
				{ db: counted, webhookQueue },
				rows.map((email) => ({ email, event: accepted(email.id), key: `send:${email.id}` })),
			),
		);
		expect(await sentToday()).toBe(before + 4);
		// Four rows, and one figure for the four.
		expect(written).toBe(4 + 1);
	});

	it("a webhook event for one endpoint, delivered at the first attempt: 2 rows", async () => {
		// The event's delivery to the endpoint (the payload in it), and the delivery's new state
		// with the attempt in its log: one row keyed by how it is read, with no index of its own.
		await createWebhookEndpoint(sender.key.token, "https://hooks.example.com/in", [
			"email.sent",
			"email.delivered",
		]);
		const messages: WebhookMessage[] = [];
		const queue = {
			async sendBatch(batch: Iterable<{ body: WebhookMessage }>) {
				for (const m of batch) messages.push(m.body);
			},
		} as unknown as Queue<WebhookMessage>;
		const [accept, send, delivery] = await lifecycle(sender, delivered, { webhooks: true, queue });
		// As without webhooks (4, 2, 2), plus the event's delivery at each of the two.
		expect([accept, send, delivery]).toEqual([4, 2 + 1, 2 + 1]);
		expect(messages).toHaveLength(2);

		const deps = {
			...webhookDeliveryDepsFromEnv(env as Bindings, () => {}),
			db: counted,
			queue,
			post: async () => ({ status: 200, response: "ok", durationMs: 1, error: null }),
		};
		const attempts = [];
		for (const { endpointId, eventIds } of messages) {
			expect(eventIds).toHaveLength(1);
			let outcome: Awaited<ReturnType<typeof attemptDelivery>> | undefined;
			attempts.push(
				await rowsWritten(async () => {
					outcome = await attemptDelivery(deps, { endpointId, eventId: eventIds[0] ?? "" });
				}),
			);
			expect(outcome?.kind).toBe("delivered");
		}
		// The delivery's state, its attempt logged in the same row; the endpoint's last success
		// is written at most hourly (for the endpoint's first success here, not its second).
		expect(attempts).toEqual([1 + 1, 1]);
	});
});
