/**
 * Deliveries in marks (src/db/queries/send-marks.ts): the delivery of two or more emails of one
 * send group, recorded together, goes in one row that every read applies and no write folds
 * away, until a later event writes the email's row or the purge deletes both.
 */
import { env } from "cloudflare:workers";
import { eq, inArray, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TALLY_LAG, tallyDayFigures } from "../src/cron/tally-day-figures.ts";
import { createDb } from "../src/db/client.ts";
import { type EmailRow, findEmailsByIds } from "../src/db/queries/emails.ts";
import { TALLY_CURSOR } from "../src/db/queries/metrics.ts";
import { deleteOldestEmails } from "../src/db/queries/retention.ts";
import { forgetStoredMarks } from "../src/db/queries/send-marks.ts";
import { cronCursors, emails, sendMarks } from "../src/db/schema.ts";
import { recordEmailEvents } from "../src/domain/email-recorder.ts";
import type { LifecycleEvent } from "../src/domain/email-state.ts";
import { processing, recordTogether } from "../src/domain/recorded-together.ts";
import { idFloor } from "../src/lib/ids.ts";
import { api } from "./helpers/api.ts";
import { createQueuedGroup, createSender, db, uuidv7At } from "./helpers/factories.ts";
import {
	counted,
	dayFigure,
	rowsWritten,
	storedRows,
	webhookQueue,
} from "./helpers/rows-written.ts";

const store = { db: counted, webhookQueue };
type Sender = Awaited<ReturnType<typeof createSender>>;

beforeEach(async () => {
	// The tally's first run places its cursor at the present: emails from now on are past it.
	await db().delete(cronCursors).where(eq(cronCursors.name, TALLY_CURSOR));
	await tallyDayFigures(db());
});
afterEach(async () => {
	await db().delete(cronCursors).where(eq(cronCursors.name, TALLY_CURSOR));
});

/** `count` emails of one send group, accepted while the account had no webhook endpoint. */
const queuedInOneGroup = (sender: Sender, count: number, to?: string[]) =>
	createQueuedGroup(sender, count, () => ({ webhooks: false, ...(to ? { to } : {}) }));

/** Each email reads sent and delivered: sent at `at`, delivered to all 10 ms later. */
async function expectReadDelivered(ids: string[], at: number) {
	for (const email of await findEmailsByIds(db(), ids)) {
		expect(email).toMatchObject({
			status: "sent",
			lastEvent: "delivered",
			sesMessageId: `ses-${email.id}`,
			sentAt: at,
			deliveredAt: at + 10,
			deliveredTo: email.to,
		});
	}
}

/**
 * `count` emails of one send group (as `queuedInOneGroup`), whose sends are recorded in a mark,
 * as the consumer records them.
 */
async function sentInOneGroup(sender: Sender, count: number, at: number, to?: string[]) {
	const { sendGroup, ids } = await queuedInOneGroup(sender, count, to);
	const queued = await findEmailsByIds(db(), ids);
	await recordEmailEvents(
		store,
		queued.map((email) => ({
			email,
			event: { kind: "accepted_by_ses", sesMessageId: `ses-${email.id}`, at } as LifecycleEvent,
			key: `ses-send:${email.id}`,
		})),
	);
	return { sendGroup, ids };
}

const event = (email: EmailRow, kind: "delivered" | "complained", at: number, key: string) => ({
	email,
	event: (kind === "delivered"
		? { kind, at, recipients: email.to, details: { smtp_response: "250 ok" } }
		: {
				kind,
				at,
				recipients: email.to,
				reason: "Complaint (abuse)",
				details: {},
			}) as LifecycleEvent,
	key,
});

const deliveries = (read: EmailRow[], at: number) =>
	read.map((email) => event(email, "delivered", at, `sns:delivery-${email.id}`));

/** The group's marks that hold a delivery. */
const deliveryMarks = async (sendGroup: number) =>
	(await db().select().from(sendMarks).where(eq(sendMarks.sendGroup, sendGroup))).filter((m) =>
		Object.values(m.results).some((entry) => entry.length > 2),
	);

describe("deliveries in marks", () => {
	it("records a group's deliveries in one row, which reads, filters and the API see", async () => {
		const sender = await createSender();
		const at = Date.now();
		const { sendGroup, ids } = await sentInOneGroup(sender, 4, at);
		const read = await findEmailsByIds(db(), ids);
		expect(await rowsWritten(() => recordEmailEvents(store, deliveries(read, at + 10)))).toBe(1);

		for (const row of await storedRows(ids)) {
			expect(row).toMatchObject({ status: "pending", lastEvent: "queued", sesMessageId: null });
		}
		expect(await deliveryMarks(sendGroup)).toHaveLength(1);
		await expectReadDelivered(ids, at);
		for (const email of await findEmailsByIds(db(), ids)) {
			// The send has no entry of its own: the API shows it from `sent_at`.
			expect(email.timeline?.map((entry) => entry.type)).toEqual(["delivered"]);
		}

		const [first] = ids as [string];
		const got = await api("GET", `/emails/${first}`, { key: sender.key.token });
		expect(got.json).toMatchObject({ status: "sent", last_event: "delivered" });
		expect((got.json.events as { type: string }[]).map((e) => e.type)).toEqual([
			"queued",
			"sent",
			"delivered",
		]);
		const listed = async (query: string) =>
			new Set(
				(
					(await api("GET", `/emails?${query}`, { key: sender.key.token })).json.data as {
						id: string;
						last_event: string;
					}[]
				).map((e) => `${e.id}:${e.last_event}`),
			);
		const all = new Set(ids.map((id) => `${id}:delivered`));
		expect(await listed("limit=10")).toEqual(all);
		expect(await listed("last_event=delivered")).toEqual(all);
		expect(await listed("status=sent")).toEqual(all);
		expect(await listed("status=pending")).toEqual(new Set());
		expect(await listed("last_event=sent")).toEqual(new Set());
		expect(await listed("last_event=queued")).toEqual(new Set());

		// The same notifications again add nothing.
		const again = await findEmailsByIds(db(), ids);
		expect(await rowsWritten(() => recordEmailEvents(store, deliveries(again, at + 10)))).toBe(0);
		expect(await deliveryMarks(sendGroup)).toHaveLength(1);
	});

	it("the tally counts a marked delivery, gives it no state key and leaves it in its mark", async () => {
		const sender = await createSender();
		const at = Date.now();
		const { sendGroup, ids } = await sentInOneGroup(sender, 3, at);
		await recordEmailEvents(store, deliveries(await findEmailsByIds(db(), ids), at + 10));
		const before = {
			sent: await dayFigure(sender.account.id, at, "sent"),
			delivered: await dayFigure(sender.account.id, at, "delivered"),
		};

		await tallyDayFigures(db(), Date.now() + TALLY_LAG + 1_000);
		expect(await dayFigure(sender.account.id, at, "sent")).toBe(before.sent + 3);
		expect(await dayFigure(sender.account.id, at, "delivered")).toBe(before.delivered + 3);
		for (const row of await storedRows(ids)) {
			expect(row).toMatchObject({ sesMessageId: null, stateKey: null, status: "pending" });
		}
		// The minute's clean-up keeps it: nothing else holds the deliveries.
		await forgetStoredMarks(db());
		expect(await deliveryMarks(sendGroup)).toHaveLength(1);
		for (const email of await findEmailsByIds(db(), ids)) {
			expect(email).toMatchObject({ status: "sent", lastEvent: "delivered" });
		}
		// Counted once: a second run adds nothing.
		await tallyDayFigures(db(), Date.now() + TALLY_LAG + 2_000);
		expect(await dayFigure(sender.account.id, at, "delivered")).toBe(before.delivered + 3);
	});

	it("a later event writes the row with the marked delivery, as if the delivery had written it", async () => {
		const sender = await createSender();
		const at = Date.now();
		const { sendGroup, ids } = await sentInOneGroup(sender, 3, at);
		await recordEmailEvents(store, deliveries(await findEmailsByIds(db(), ids), at + 10));
		expect(await deliveryMarks(sendGroup)).toHaveLength(1);
		const [email] = await findEmailsByIds(db(), [ids[0] as string]);
		if (!email) throw new Error("gone");
		await recordEmailEvents(store, [event(email, "complained", at + 20, "sns:complaint")]);

		const [row] = await storedRows([email.id]);
		expect(row).toMatchObject({
			status: "sent",
			lastEvent: "complained",
			sesMessageId: `ses-${email.id}`,
			deliveredAt: at + 10,
		});
		expect(row?.timeline?.map((entry) => entry.type)).toEqual(["delivered", "complained"]);
		const [reread] = await findEmailsByIds(db(), [email.id]);
		expect(reread?.sendMark).toBeNull();
	});

	it("a write that read the email before its delivery was marked decides again and keeps it", async () => {
		const sender = await createSender();
		const at = Date.now();
		const { sendGroup, ids } = await sentInOneGroup(sender, 3, at);
		const stale = await findEmailsByIds(db(), ids);
		const [first] = stale;
		if (!first) throw new Error("gone");
		// The deliveries are marked after `stale` was read...
		await recordEmailEvents(store, deliveries(await findEmailsByIds(db(), ids), at + 10));
		expect(await deliveryMarks(sendGroup)).toHaveLength(1);
		// ...and a complaint decided on the stale read must not store the send without them.
		await recordEmailEvents(store, [event(first, "complained", at + 20, "sns:complaint")]);

		const [row] = await storedRows([first.id]);
		expect(row?.timeline?.map((entry) => entry.type)).toEqual(["delivered", "complained"]);
		expect(row).toMatchObject({ deliveredAt: at + 10, lastEvent: "complained" });
	});

	it("deliveries that come before their sends are recorded go in a mark with the sends, and the consumer's sends then write nothing", async () => {
		const sender = await createSender();
		const at = Date.now();
		const { sendGroup, ids } = await queuedInOneGroup(sender, 3);
		// The consumer read its emails, and SES accepted them; their results are not written yet.
		const consumerRead = await findEmailsByIds(db(), ids);
		const sends = (read: EmailRow[]) =>
			read.map((email) => ({
				email,
				event: { kind: "accepted_by_ses", sesMessageId: `ses-${email.id}`, at } as LifecycleEvent,
				key: `ses-send:${email.id}`,
			}));
		// SES's deliveries come first, each naming its message and when SES accepted it.
		const early = deliveries(await findEmailsByIds(db(), ids), at + 10).map((input) => ({
			...input,
			sentFirst: { sesMessageId: `ses-${input.email.id}`, at },
		}));
		const before = {
			sent: await dayFigure(sender.account.id, at, "sent"),
			delivered: await dayFigure(sender.account.id, at, "delivered"),
		};
		let recorded: Awaited<ReturnType<typeof recordEmailEvents>> = [];
		expect(
			await rowsWritten(async () => {
				recorded = await recordEmailEvents(store, early);
			}),
		).toBe(1);
		expect(await deliveryMarks(sendGroup)).toHaveLength(1);
		// Each send counts in the account's reputation window once, with its delivery.
		expect(recorded.map((r) => [r.isNew, r.guard.sends])).toEqual(
			ids.map(() => [true, [{ recipients: 1, at: at + 10 }]]),
		);
		await expectReadDelivered(ids, at);

		// The consumer's results, decided on its earlier read, then on a fresh one: nothing new.
		for (const read of [consumerRead, await findEmailsByIds(db(), ids)]) {
			let again: Awaited<ReturnType<typeof recordEmailEvents>> = [];
			expect(
				await rowsWritten(async () => {
					again = await recordEmailEvents(store, sends(read));
				}),
			).toBe(0);
			expect(again.map((r) => [r.isNew, r.guard.sends])).toEqual(ids.map(() => [false, []]));
		}
		expect(
			await db().select().from(sendMarks).where(eq(sendMarks.sendGroup, sendGroup)),
		).toHaveLength(1);

		// The tally counts each send and delivery once, from the mark.
		await tallyDayFigures(db(), Date.now() + TALLY_LAG + 1_000);
		expect(await dayFigure(sender.account.id, at, "sent")).toBe(before.sent + 3);
		expect(await dayFigure(sender.account.id, at, "delivered")).toBe(before.delivered + 3);
	});

	it("writes the rows instead for deliveries before their sends of emails the tally has passed", async () => {
		const sender = await createSender();
		const at = Date.now();
		// Created a minute ago: behind the cursor the tally placed at the present, so each has
		// its state key, which the delivery must take away, and the recorder counts its figures.
		const { sendGroup, ids } = await createQueuedGroup(sender, 3, () => ({
			id: uuidv7At(at - 60_000),
			webhooks: false,
		}));
		const before = {
			sent: await dayFigure(sender.account.id, at, "sent"),
			delivered: await dayFigure(sender.account.id, at, "delivered"),
		};
		const early = deliveries(await findEmailsByIds(db(), ids), at + 10).map((input) => ({
			...input,
			sentFirst: { sesMessageId: `ses-${input.email.id}`, at },
		}));
		await recordEmailEvents(store, early);

		expect(await deliveryMarks(sendGroup)).toEqual([]);
		for (const row of await storedRows(ids)) {
			expect(row).toMatchObject({
				status: "sent",
				lastEvent: "delivered",
				sesMessageId: `ses-${row.id}`,
				stateKey: null,
			});
		}
		await expectReadDelivered(ids, at);
		expect(await dayFigure(sender.account.id, at, "sent")).toBe(before.sent + 3);
		expect(await dayFigure(sender.account.id, at, "delivered")).toBe(before.delivered + 3);
	});

	it("writes the rows instead for an account with webhooks, a delivery alone, and a partial delivery", async () => {
		const sender = await createSender();
		const at = Date.now();

		// Accepted while the account had an endpoint: its events may be due to it.
		const hooked = await sentInOneGroup(sender, 3, at);
		await db().update(emails).set({ webhooks: true }).where(inArray(emails.id, hooked.ids));
		const withHooks = await findEmailsByIds(db(), hooked.ids);
		expect(await rowsWritten(() => recordEmailEvents(store, deliveries(withHooks, at)))).toBe(3);
		expect(await deliveryMarks(hooked.sendGroup)).toEqual([]);

		// One delivery of its group in a write: a mark would cost as much, and its delete more.
		const alone = await sentInOneGroup(sender, 3, at);
		const [one] = await findEmailsByIds(db(), [alone.ids[0] as string]);
		if (!one) throw new Error("gone");
		expect(await rowsWritten(() => recordEmailEvents(store, deliveries([one], at)))).toBe(1);
		expect(await deliveryMarks(alone.sendGroup)).toEqual([]);

		// Delivered to one of two recipients: still pending, with a state key due.
		const two = ["a@example.org", "b@example.org"];
		const partial = await sentInOneGroup(sender, 3, at, two);
		const read = await findEmailsByIds(db(), partial.ids);
		await recordEmailEvents(
			store,
			read.map((email) => ({
				...event(email, "delivered", at, `sns:partial-${email.id}`),
				event: { kind: "delivered", at, recipients: ["a@example.org"], details: {} },
			})),
		);
		expect(await deliveryMarks(partial.sendGroup)).toEqual([]);
		for (const row of await storedRows(partial.ids)) {
			expect(row).toMatchObject({ status: "pending", lastEvent: "delivered" });
		}
	});

	it("notifications processed at once in an isolate are recorded together", async () => {
		const sender = await createSender();
		const at = Date.now();
		const { sendGroup, ids } = await sentInOneGroup(sender, 5, at);
		const inputs = deliveries(await findEmailsByIds(db(), ids), at + 10);
		const kept: Promise<unknown>[] = [];
		const record = recordTogether({}, store, (work) => kept.push(work));
		const written = await rowsWritten(async () => {
			const recorded = await Promise.all(inputs.map((input) => processing(() => record(input))));
			expect(recorded.map((r) => r?.isNew)).toEqual([true, true, true, true, true]);
			await Promise.all(kept);
		});
		// The first finds nothing else in progress and goes at once, alone (its row); the four
		// that came meanwhile share a mark.
		expect(written).toBe(2);
		const [mark] = await deliveryMarks(sendGroup);
		expect(Object.keys(mark?.results ?? {})).toHaveLength(4);
		for (const email of await findEmailsByIds(db(), ids)) {
			expect(email).toMatchObject({ status: "sent", lastEvent: "delivered" });
		}
	});

	it("while another notification is in progress, the first waits for those that follow", async () => {
		const sender = await createSender();
		const at = Date.now();
		const { sendGroup, ids } = await sentInOneGroup(sender, 5, at);
		const inputs = deliveries(await findEmailsByIds(db(), ids), at + 10);
		let release = () => {};
		const other = processing(() => new Promise<void>((resolve) => (release = resolve)));
		const record = recordTogether({}, store, () => {});
		const written = await rowsWritten(() =>
			Promise.all(inputs.map((input) => processing(() => record(input)))),
		);
		release();
		await other;
		expect(written).toBe(1);
		const [mark] = await deliveryMarks(sendGroup);
		expect(Object.keys(mark?.results ?? {})).toHaveLength(5);
	});

	it("a batch whose write fails fails each of its notifications, and the line goes on", async () => {
		const sender = await createSender();
		const at = Date.now();
		const { ids } = await sentInOneGroup(sender, 3, at);
		const inputs = deliveries(await findEmailsByIds(db(), ids), at + 10);
		const down = new Proxy(env.DB, {
			get(target, prop) {
				if (prop === "batch") return () => Promise.reject(new Error("D1 unavailable"));
				const value = Reflect.get(target, prop);
				return typeof value === "function" ? value.bind(target) : value;
			},
		});
		const failing = recordTogether(down, { db: createDb(down), webhookQueue }, () => {});
		const outcomes = await Promise.allSettled(
			inputs.map((input) => processing(() => failing(input))),
		);
		// Each fails (and /hooks/sns parks it on the feedback queue); nothing was written.
		expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected", "rejected"]);
		for (const email of await findEmailsByIds(db(), ids)) expect(email.lastEvent).toBe("sent");
		// The same notifications recorded once D1 answers again.
		const record = recordTogether({}, store, () => {});
		await Promise.all(inputs.map((input) => processing(() => record(input))));
		for (const email of await findEmailsByIds(db(), ids)) expect(email.lastEvent).toBe("delivered");
	});

	it("the purge deletes a group's marks with the last of its emails", async () => {
		const sender = await createSender();
		const at = Date.now();
		const { sendGroup, ids } = await sentInOneGroup(sender, 3, at);
		await recordEmailEvents(store, deliveries(await findEmailsByIds(db(), ids), at + 10));
		const marks = () => db().select().from(sendMarks).where(eq(sendMarks.sendGroup, sendGroup));
		expect((await marks()).length).toBeGreaterThan(0);
		// Other tests' emails are older: purge up to just past this group's, one at a time.
		const past = idFloor(Date.now() + 1_000);
		const left = () =>
			db().select({ n: sql<number>`count(*)` }).from(emails).where(inArray(emails.id, ids));
		while (((await left())[0]?.n ?? 0) > 1) await deleteOldestEmails(db(), past, 1);
		// One email of the group is left: its marks stay, and it still reads delivered.
		expect((await marks()).length).toBeGreaterThan(0);
		const [survivor] = (await findEmailsByIds(db(), ids)) as [EmailRow];
		expect(survivor).toMatchObject({ lastEvent: "delivered" });
		await deleteOldestEmails(db(), past, 10);
		expect(await marks()).toEqual([]);
	});
});
