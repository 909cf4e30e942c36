/**
 * The minute's tally of daily figures (src/cron/tally-day-figures.ts): the figures of emails
 * past its cursor come from their rows, exactly as the recorder would have counted them event
 * by event, once, whatever runs at the same time.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { EVERY_MINUTE } from "../../src/cron/index.ts";
import { tallyDayFigures } from "../../src/cron/tally-day-figures.ts";
import { findEmailsByIds } from "../../src/db/queries/emails.ts";
import { countByDay, TALLY_CURSOR } from "../../src/db/queries/metrics.ts";
import { cronCursors } from "../../src/db/schema.ts";
import { recordEmailEvents } from "../../src/domain/email-recorder.ts";
import type { LifecycleEvent } from "../../src/domain/email-state.ts";
import type { WebhookMessage } from "../../src/domain/webhook-delivery.ts";
import { DAY, MINUTE } from "../../src/lib/time.ts";
import { runCron } from "../helpers/cron.ts";
import { createQueuedEmail, createSender, db } from "../helpers/factories.ts";

type Sender = Awaited<ReturnType<typeof createSender>>;

const webhookQueue = { sendBatch: async () => {} } as unknown as Queue<WebhookMessage>;
const LAG = 2 * MINUTE;
/** A tally run late enough that every email created so far is past its lag. */
const tallyNow = (options = {}) => tallyDayFigures(db(), Date.now() + LAG, options);

async function record(emailId: string, event: LifecycleEvent, key: string) {
	const [email] = await findEmailsByIds(db(), [emailId]);
	if (!email) throw new Error("gone");
	await recordEmailEvents({ db: db(), webhookQueue }, [{ email, event, key }]);
}

/** Four emails with a figure of every kind, across two days, two recipients each. */
async function happen(sender: Sender) {
	const yesterday = Date.now() - DAY;
	const to = ["ann@example.org", "Bob <bob@example.org>"];
	const details = { bounce_sub_type: "General" };
	const ids: string[] = [];
	for (let i = 0; i < 4; i++) ids.push((await createQueuedEmail(sender, { to })).id as string);
	const [a, b, c, d] = ids as [string, string, string, string];
	for (const id of [a, b, c])
		await record(id, { kind: "accepted_by_ses", sesMessageId: `ses-${id}`, at: yesterday }, "s");
	const recipients = ["ann@example.org", "bob@example.org"];
	await record(a, { kind: "delivered", recipients, details, at: yesterday + 1 }, "d");
	const bounced: LifecycleEvent & { kind: "bounced" } = {
		kind: "bounced",
		bounceType: "Permanent",
		recipients: ["bob@example.org"],
		reason: "gone",
		details,
		at: Date.now(),
	};
	await record(b, bounced, "hb");
	await record(b, { ...bounced, bounceType: "Transient", recipients: ["ann@example.org"] }, "sb");
	await record(c, { kind: "delivery_delayed", recipients, details, at: Date.now() }, "dd");
	const complaint: LifecycleEvent = {
		kind: "complained",
		recipients: ["ann@example.org"],
		reason: "spam",
		details,
		at: Date.now(),
	};
	await record(a, complaint, "c");
	await record(d, { kind: "send_failed", code: "Test", reason: "no", at: Date.now() }, "f");
	return ids;
}

const figures = async (sender: Sender) =>
	(await countByDay(db(), sender.account.id, Date.now() - 3 * DAY, Date.now() + DAY)).sort(
		(x, y) => x.day - y.day || x.figure.localeCompare(y.figure),
	);

describe("tallyDayFigures", () => {
	it("counts from the rows exactly what the recorder counts event by event", async () => {
		const counted = await createSender();
		await happen(counted);
		const expected = await figures(counted);
		expect(expected.length).toBeGreaterThanOrEqual(6);

		// The first run only places the cursor: emails from now on are the tally's.
		expect(await tallyDayFigures(db())).toBe(0);
		const tallied = await createSender();
		await happen(tallied);
		expect(await figures(tallied)).toEqual([]);

		expect(await tallyNow()).toBe(1);
		expect(await figures(tallied)).toEqual(expected);
		// Nothing twice: the page is behind the cursor now.
		await tallyNow();
		expect(await figures(tallied)).toEqual(expected);
	});

	it("leaves an email to the recorder once it has passed it", async () => {
		await tallyDayFigures(db());
		const sender = await createSender();
		const [email] = await happen(sender);
		await tallyNow();
		const before = await figures(sender);
		const complaint: LifecycleEvent = {
			kind: "complained",
			recipients: ["bob@example.org"],
			reason: "spam",
			details: {},
			at: Date.now(),
		};
		await record(email as string, complaint, "late");
		await tallyNow();
		const after = await figures(sender);
		const complained = (list: typeof before) =>
			list.filter((f) => f.figure === "complained").reduce((n, f) => n + f.count, 0);
		expect(complained(after)).toBe(complained(before) + 1);
	});

	it("counts a page once when two runs race for it", async () => {
		await tallyDayFigures(db());
		const once = await createSender();
		await happen(once);
		await tallyNow();
		const expected = await figures(once);

		const raced = await createSender();
		await happen(raced);
		const pages = await Promise.all([tallyNow(), tallyNow(), tallyNow()]);
		expect(pages.reduce((a, b) => a + b, 0)).toBe(1);
		expect(await figures(raced)).toEqual(expected);
	});

	it("keys the emails still on their way as it passes them, so a write that read them before decides again", async () => {
		await tallyDayFigures(db());
		const sender = await createSender();
		const store = async () => (await createQueuedEmail(sender)).id as string;
		const [queued, sent, delivered] = [await store(), await store(), await store()];
		await record(sent, { kind: "accepted_by_ses", sesMessageId: "ses-s", at: Date.now() }, "s");
		await record(
			delivered,
			{ kind: "accepted_by_ses", sesMessageId: "ses-d", at: Date.now() },
			"s",
		);
		const keys = async () =>
			Object.fromEntries(
				(await findEmailsByIds(db(), [queued, sent, delivered])).map((e) => [e.id, e.stateKey]),
			);
		// Past the cursor, none of them is in the state index.
		expect(await keys()).toEqual({ [queued]: null, [sent]: null, [delivered]: null });
		const [before] = await findEmailsByIds(db(), [delivered]);
		await tallyNow();
		expect(await keys()).toEqual({
			[queued]: "pending:queued",
			[sent]: "pending:queued",
			[delivered]: "pending:queued",
		});
		// The delivery was decided on the row as it was before the tally: it loses the race, is
		// decided again on the keyed row, and takes the email out of the index.
		if (!before) throw new Error("gone");
		await recordEmailEvents({ db: db(), webhookQueue }, [
			{
				email: before,
				event: { kind: "delivered", recipients: before.to, details: {}, at: Date.now() },
				key: "d",
			},
		]);
		const [after] = await findEmailsByIds(db(), [delivered]);
		expect([after?.status, after?.stateKey]).toEqual(["sent", null]);
	});

	it("walks in bounded pages and goes on from where it stopped", async () => {
		await tallyDayFigures(db());
		const sender = await createSender();
		for (let i = 0; i < 5; i++) {
			const { id } = await createQueuedEmail(sender, { to: ["ann@example.org"] });
			await record(
				id as string,
				{ kind: "accepted_by_ses", sesMessageId: `ses-${id}`, at: Date.now() },
				"s",
			);
		}
		const sent = async () => (await figures(sender)).find((f) => f.figure === "sent")?.count ?? 0;
		expect(await tallyNow({ pageSize: 2, maxPages: 2 })).toBe(2);
		expect(await sent()).toBe(4);
		expect(await tallyNow({ pageSize: 2, maxPages: 2 })).toBe(1);
		expect(await sent()).toBe(5);
		const [cursor] = await db()
			.select()
			.from(cronCursors)
			.where(eq(cronCursors.name, TALLY_CURSOR));
		expect(cursor?.position).toBeDefined();
	});

	it("counts emails that share a window once, with pages smaller than the window", async () => {
		await tallyDayFigures(db());
		const sender = await createSender();
		const ids: string[] = [];
		for (let i = 0; i < 2; i++) {
			const first = (await createQueuedEmail(sender, { to: ["ann@example.org"] })).id as string;
			ids.push(first);
			// Another isolate's ids of the same millisecond and counter (src/db/queries/email-seq.ts).
			for (const tail of ["9fff-ffffffffffff", "8000-000000000001"]) {
				const mate = `${first.slice(0, 19)}${tail}`;
				await createQueuedEmail(sender, { id: mate, to: ["ann@example.org"] });
				ids.push(mate);
			}
		}
		for (const id of ids)
			await record(id, { kind: "accepted_by_ses", sesMessageId: `ses-${id}`, at: Date.now() }, "s");
		// A page at a time, each email delivered while the cursor is anywhere in its window.
		const delivered = new Set<string>();
		for (let run = 0; run < ids.length + 1; run++) {
			await tallyNow({ pageSize: 1, maxPages: 1 });
			for (const id of ids.filter((i) => !delivered.has(i)).slice(0, 2)) {
				const at = Date.now();
				await record(
					id,
					{ kind: "delivered", recipients: ["ann@example.org"], details: {}, at },
					"d",
				);
				delivered.add(id);
			}
		}
		await tallyNow();
		const counts = Object.fromEntries((await figures(sender)).map((f) => [f.figure, f.count]));
		expect(counts).toMatchObject({ sent: ids.length, delivered: ids.length });
	});

	it("runs from the Worker's scheduled handler on the minute's cron", async () => {
		// Last in this file: from here on, its emails are the tally's.
		await db().delete(cronCursors).where(eq(cronCursors.name, TALLY_CURSOR));
		const minute = async () => {
			await Promise.all(await runCron(EVERY_MINUTE));
		};
		const cursor = async () =>
			(await db().select().from(cronCursors).where(eq(cronCursors.name, TALLY_CURSOR)))[0]
				?.position;
		await minute();
		const placed = await cursor();
		expect(placed).toBeDefined();
		// The next run moves it no further than two minutes ago (the default lag).
		await minute();
		expect(await cursor()).toBe(placed);
	});
});
