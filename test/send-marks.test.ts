/**
 * Send marks (src/db/queries/send-marks.ts): SES's acceptance of a send group's emails recorded
 * in one row, seen by every read, stored in each email's row by its next write or by the
 * minute's tally, and never a way to send an email twice.
 */
import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../simulator/app.ts";
import { requeueStuckEmails, STUCK_AFTER } from "../src/cron/requeue-stuck-emails.ts";
import { TALLY_LAG, tallyDayFigures } from "../src/cron/tally-day-figures.ts";
import { type EmailRow, findEmailsByIds } from "../src/db/queries/emails.ts";
import { TALLY_CURSOR } from "../src/db/queries/metrics.ts";
import { forgetStoredMarks, newSendGroup } from "../src/db/queries/send-marks.ts";
import { cronCursors, emails, ON_ITS_WAY_KEY, sendMarks } from "../src/db/schema.ts";
import { notificationDepsFromEnv } from "../src/deps.ts";
import { recordEmailEvents } from "../src/domain/email-recorder.ts";
import type { LifecycleEvent } from "../src/domain/email-state.ts";
import { processNotification } from "../src/domain/feedback.ts";
import { idsIn, type SendMessage } from "../src/domain/send-message.ts";
import type { WebhookMessage } from "../src/domain/webhook-delivery.ts";
import { guardFor } from "../src/durable-objects/index.ts";
import type { Bindings } from "../src/env.ts";
import { idFloor } from "../src/lib/ids.ts";
import { HOUR } from "../src/lib/time.ts";
import { SEND_QUEUE } from "../src/queues/index.ts";
import { api } from "./helpers/api.ts";
import {
	createQueuedEmail,
	createQueuedGroup,
	createSender,
	db,
	uuidv7At,
} from "./helpers/factories.ts";
import { runQueue } from "./helpers/queue.ts";
import {
	counted,
	dayFigure,
	rowsWritten,
	storedRows,
	webhookQueue,
} from "./helpers/rows-written.ts";
import { installSimulatorPostingToWorker } from "./helpers/simulator.ts";
import { createWebhookEndpoint } from "./helpers/webhooks.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(async () => {
	({ sim, restore } = installSimulatorPostingToWorker());
	// The tally's first run places its cursor at the present: emails from now on are past it.
	await db().delete(cronCursors).where(eq(cronCursors.name, TALLY_CURSOR));
	await tallyDayFigures(db());
});
afterEach(async () => {
	restore();
	// Other tests count event by event, with no cursor.
	await db().delete(cronCursors).where(eq(cronCursors.name, TALLY_CURSOR));
});

/** The mark holding an email's send, if any. */
async function markOf(id: string) {
	const [mark] = await db()
		.select({ results: sendMarks.results })
		.from(sendMarks)
		.where(sql`json_type(${sendMarks.results}, ${`$."${id}"`}) IS NOT NULL`);
	return mark;
}

const accepted = (email: EmailRow, at: number) => ({
	email,
	event: { kind: "accepted_by_ses", sesMessageId: `ses-${email.id}`, at } as LifecycleEvent,
	key: `ses-send:${email.id}`,
});

const delivered = (email: EmailRow, at: number) => ({
	email,
	event: {
		kind: "delivered",
		at,
		recipients: email.to,
		details: {},
	} as LifecycleEvent,
	key: `delivery:${email.id}`,
});

const sentFigure = (accountId: string, at: number) => dayFigure(accountId, at, "sent");

describe("send marks", () => {
	it("records a group's sends in one row, which every read sees, and the delivery stores it", async () => {
		const sender = await createSender();
		const { ids } = await createQueuedGroup(sender, 5);
		const at = Date.now();
		const queued = await findEmailsByIds(db(), ids);
		expect(
			await rowsWritten(() =>
				recordEmailEvents(
					{ db: counted, webhookQueue },
					queued.map((email) => accepted(email, at)),
				),
			),
		).toBe(1);

		// The rows are as accepted; reads see them sent.
		for (const row of await storedRows(ids)) {
			expect(row).toMatchObject({ lastEvent: "queued", sesMessageId: null, sentAt: null });
		}
		for (const email of await findEmailsByIds(db(), ids)) {
			expect(email).toMatchObject({
				lastEvent: "sent",
				sesMessageId: `ses-${email.id}`,
				sentAt: at,
			});
		}
		const [first] = ids as [string];
		const got = await api("GET", `/emails/${first}`, { key: sender.key.token });
		expect(got.json).toMatchObject({
			status: "pending",
			last_event: "sent",
			sent_at: new Date(at).toISOString(),
		});
		expect(got.json.events).toContainEqual(
			expect.objectContaining({ type: "sent", details: { ses_message_id: `ses-${first}` } }),
		);
		const listed = async (query: string) =>
			(
				(await api("GET", `/emails?${query}`, { key: sender.key.token })).json.data as {
					id: string;
				}[]
			).map((e) => e.id);
		expect(new Set(await listed("last_event=sent"))).toEqual(new Set(ids));
		expect(await listed("last_event=queued")).toEqual([]);
		expect(new Set(await listed("status=pending"))).toEqual(new Set(ids));
		expect(
			await listed(`to=${encodeURIComponent(queued[0]?.to[0] ?? "")}&last_event=sent`),
		).toEqual([first]);

		// A send recorded again (another run, a redelivered result) adds nothing.
		const again = await findEmailsByIds(db(), ids);
		expect(
			await rowsWritten(() =>
				recordEmailEvents(
					{ db: counted, webhookQueue },
					again.map((email) => accepted(email, at + 5)),
				),
			),
		).toBe(0);

		// The delivery writes the row once, with the send's fields.
		const [email] = await findEmailsByIds(db(), [first]);
		if (!email) throw new Error("gone");
		expect(
			await rowsWritten(() =>
				recordEmailEvents({ db: counted, webhookQueue }, [delivered(email, at + 10)]),
			),
		).toBe(1);
		const [row] = await storedRows([first]);
		expect(row).toMatchObject({
			status: "sent",
			lastEvent: "delivered",
			sesMessageId: `ses-${first}`,
			sentAt: at,
		});

		// Once every email of the mark holds its send, the minute's clean-up deletes it.
		await forgetStoredMarks(db());
		expect(await markOf(first)).toBeDefined();
		const rest = await findEmailsByIds(db(), ids.slice(1));
		await recordEmailEvents(
			{ db: counted, webhookQueue },
			rest.map((email) => delivered(email, at + 20)),
		);
		// It looks back an hour only: an older mark is left to the purge.
		await forgetStoredMarks(db(), Date.now() + 2 * HOUR);
		expect(await markOf(first)).toBeDefined();
		await forgetStoredMarks(db());
		expect(await markOf(first)).toBeUndefined();
		for (const email of await findEmailsByIds(db(), ids)) {
			expect(email).toMatchObject({ lastEvent: "delivered", sesMessageId: `ses-${email.id}` });
		}
	});

	it("writes the rows instead before the tally's first run and for emails it has passed", async () => {
		const sender = await createSender();
		const at = Date.now();
		// Created a minute ago: behind the cursor the tally placed at the present.
		const behind = await createQueuedGroup(sender, 3, () => ({ id: uuidv7At(at - 60_000) }));
		const before = await sentFigure(sender.account.id, at);
		const written = await rowsWritten(async () =>
			recordEmailEvents(
				{ db: counted, webhookQueue },
				(await findEmailsByIds(db(), behind.ids)).map((email) => accepted(email, at)),
			),
		);
		// Three rows, and the day's `sent` figure, which the recorder counts behind the cursor (the
		// account's first: one row, the table being its key).
		expect(written).toBe(3 + 1);
		expect(await sentFigure(sender.account.id, at)).toBe(before + 3);
		for (const row of await storedRows(behind.ids)) expect(row.sesMessageId).toBe(`ses-${row.id}`);

		await db().delete(cronCursors).where(eq(cronCursors.name, TALLY_CURSOR));
		const noCursor = await createQueuedGroup(sender, 3);
		await recordEmailEvents(
			{ db: counted, webhookQueue },
			(await findEmailsByIds(db(), noCursor.ids)).map((email) => accepted(email, at)),
		);
		for (const row of await storedRows(noCursor.ids))
			expect(row.sesMessageId).toBe(`ses-${row.id}`);
		for (const id of [...behind.ids, ...noCursor.ids]) expect(await markOf(id)).toBeUndefined();
	});

	it("the tally stores the marks no write did and counts each send once; stored marks are deleted", async () => {
		const sender = await createSender();
		const { sendGroup, ids } = await createQueuedGroup(sender, 3);
		const [first] = ids as [string];
		const at = Date.now();
		await recordEmailEvents(
			{ db: counted, webhookQueue },
			(await findEmailsByIds(db(), ids)).map((email) => accepted(email, at)),
		);
		const [email] = await findEmailsByIds(db(), [first]);
		if (!email) throw new Error("gone");
		await recordEmailEvents({ db: counted, webhookQueue }, [delivered(email, at + 10)]);
		const before = await sentFigure(sender.account.id, at);

		// The minute's clean-up keeps a mark while one of its emails holds its send only there.
		await forgetStoredMarks(db());
		expect(await markOf(ids[1] as string)).toBeDefined();
		// Past the lag: the cursor passes the emails.
		await tallyDayFigures(db(), Date.now() + TALLY_LAG + 1_000);
		await forgetStoredMarks(db());
		const rows = await storedRows(ids);
		for (const row of rows) {
			expect(row).toMatchObject({ sesMessageId: `ses-${row.id}`, sentAt: at });
			expect(row.lastEvent).toBe(row.id === first ? "delivered" : "sent");
			// Behind the cursor an email on its way has its state key, as without marks.
			expect(row.stateKey).toBe(row.id === first ? null : ON_ITS_WAY_KEY);
		}
		expect(await sentFigure(sender.account.id, at)).toBe(before + 3);
		expect(await db().select().from(sendMarks).where(eq(sendMarks.sendGroup, sendGroup))).toEqual(
			[],
		);
		for (const id of ids) expect(await markOf(id)).toBeUndefined();

		// Reads are unchanged, and a second run of the tally counts nothing again.
		for (const read of await findEmailsByIds(db(), ids)) expect(read.sendMark).toBeNull();
		await tallyDayFigures(db(), Date.now() + TALLY_LAG + 2_000);
		expect(await sentFigure(sender.account.id, at)).toBe(before + 3);
	});

	it("a notification that comes before the send is recorded stores the send; the late mark leaves it out", async () => {
		const sender = await createSender();
		const { ids } = await createQueuedGroup(sender, 3);
		const id = ids[0] as string;
		// The consumer's read, before SES answered.
		const read = await findEmailsByIds(db(), ids);
		const email = read.find((e) => e.id === id);
		if (!email) throw new Error("gone");
		const at = Date.now();
		// SES's delivery of the first email first: its notification names the message and when
		// SES accepted it.
		const [first] = await recordEmailEvents({ db: counted, webhookQueue }, [
			{ ...delivered(email, at + 10), sentFirst: { sesMessageId: `ses-${id}`, at } },
		]);
		expect(first?.guard.sends).toHaveLength(1);
		const [row] = await storedRows([id]);
		expect(row).toMatchObject({
			status: "sent",
			lastEvent: "delivered",
			sesMessageId: `ses-${id}`,
			sentAt: at,
		});
		// Then the consumer's results, decided on its earlier reads: the mark holds the two
		// others, the first is not written again and its send is counted once.
		let late: Awaited<ReturnType<typeof recordEmailEvents>> = [];
		const written = await rowsWritten(async () => {
			late = await recordEmailEvents(
				{ db: counted, webhookQueue },
				read.map((e) => accepted(e, at)),
			);
		});
		expect(written).toBe(1);
		const mark = await markOf(ids[1] as string);
		expect(Object.keys(mark?.results ?? {}).sort()).toEqual(ids.slice(1).sort());
		expect(late.find((r) => r.emailId === id)?.guard.sends).toEqual([]);
		expect(late.filter((r) => r.guard.sends.length === 1)).toHaveLength(2);
	});

	it("a notification that comes first counts its email's send in the account's reputation window", async () => {
		const sender = await createSender();
		const { ids } = await createQueuedGroup(sender, 1);
		const id = ids[0] as string;
		const [email] = await findEmailsByIds(db(), [id]);
		if (!email) throw new Error("gone");
		const guard = guardFor(env as Bindings, sender.account.id);
		const before = (await guard.reputation()).figures.sends;
		const at = new Date().toISOString();
		const message = JSON.stringify({
			eventType: "Delivery",
			mail: {
				timestamp: at,
				messageId: `ses-${id}`,
				destination: email.to,
				tags: { sendfleet_email_id: [id] },
			},
			delivery: { timestamp: at, recipients: email.to },
		});
		const deps = notificationDepsFromEnv(env as Bindings, () => {});
		expect(
			await processNotification(deps, { messageId: `sns-${id}`, topicArn: "topic", message }),
		).toBe("processed");
		expect((await guard.reputation()).figures.sends).toBe(before + 1);
		const [row] = await storedRows([id]);
		expect(row).toMatchObject({ lastEvent: "delivered", sesMessageId: `ses-${id}` });
	});

	it("one email.sent per email, whether the consumer or a notification that came first records the send", async () => {
		const sender = await createSender();
		await createWebhookEndpoint(sender.key.token, "https://hooks.example.com/in", [
			"email.sent",
			"email.delivered",
		]);
		const queued: WebhookMessage[] = [];
		const webhooks = {
			async sendBatch(batch: Iterable<{ body: WebhookMessage }>) {
				for (const m of batch) queued.push(m.body);
			},
		} as unknown as Queue<WebhookMessage>;
		const { ids } = await createQueuedGroup(sender, 3);
		const read = await findEmailsByIds(db(), ids);
		const [email] = read;
		if (!email) throw new Error("gone");
		const at = Date.now();
		await recordEmailEvents({ db: counted, webhookQueue: webhooks }, [
			{ ...delivered(email, at + 10), sentFirst: { sesMessageId: `ses-${email.id}`, at } },
		]);
		const events = () => queued.flatMap((m) => m.eventIds);
		// email.sent and email.delivered for the first.
		expect(events()).toHaveLength(2);
		await recordEmailEvents(
			{ db: counted, webhookQueue: webhooks },
			read.map((e) => accepted(e, at + 5)),
		);
		// email.sent for the two others only (a delivery not yet attempted may be queued again:
		// the same event, the same id).
		expect(new Set(events()).size).toBe(4);
	});

	it("a send alone in its group (or with one other) is written to its row: a mark would cost more", async () => {
		const sender = await createSender();
		for (const size of [1, 2]) {
			const { ids } = await createQueuedGroup(sender, size);
			const at = Date.now();
			const written = await rowsWritten(async () =>
				recordEmailEvents(
					{ db: counted, webhookQueue },
					(await findEmailsByIds(db(), ids)).map((email) => accepted(email, at)),
				),
			);
			expect(written).toBe(size);
			for (const row of await storedRows(ids)) expect(row.sesMessageId).toBe(`ses-${row.id}`);
			for (const id of ids) expect(await markOf(id)).toBeUndefined();
		}
	});

	it("a consumer run records a message's sends in one mark, not one per result", async () => {
		const sender = await createSender();
		const { sendGroup, ids } = await createQueuedGroup(sender, 30);
		const run = await runQueue(SEND_QUEUE, [{ emailIds: ids }]);
		expect(run.result.explicitAcks).toEqual(run.ids);
		const marks = await db().select().from(sendMarks).where(eq(sendMarks.sendGroup, sendGroup));
		// Six sends in flight, and results waiting a quarter of a second for each other: one
		// write, or two if the run took longer than that.
		expect(marks.length).toBeLessThanOrEqual(2);
		expect(marks.flatMap((m) => Object.keys(m.results)).sort()).toEqual([...ids].sort());
		for (const email of await findEmailsByIds(db(), ids)) expect(email.lastEvent).toBe("sent");
	});

	it("an email whose row is gone (its rows taken back, or purged) is not marked and keeps no mark", async () => {
		const sender = await createSender();
		const { ids } = await createQueuedGroup(sender, 4);
		const [gone, late, ...rest] = ids as [string, string, string, string];
		const read = await findEmailsByIds(db(), ids);
		await db().delete(emails).where(eq(emails.id, gone));
		const at = Date.now();
		// The three left in one mark; nothing written for the gone one.
		const written = await rowsWritten(() =>
			recordEmailEvents(
				{ db: counted, webhookQueue },
				read.map((email) => accepted(email, at)),
			),
		);
		expect(written).toBe(1);
		expect(await markOf(gone)).toBeUndefined();
		expect(Object.keys((await markOf(late))?.results ?? {}).sort()).toEqual([late, ...rest].sort());
		// Two delivered, the third gone: nothing reads the mark any more, and it is deleted.
		await recordEmailEvents(
			{ db: counted, webhookQueue },
			(await findEmailsByIds(db(), rest)).map((email) => delivered(email, at + 10)),
		);
		await forgetStoredMarks(db());
		expect(await markOf(late)).toBeDefined();
		await db().delete(emails).where(eq(emails.id, late));
		await forgetStoredMarks(db());
		expect(await markOf(late)).toBeUndefined();
	});

	it("the stuck-email sweep leaves an email whose send is only in its mark", async () => {
		const sender = await createSender();
		const now = Date.now();
		// A tally stopped for four hours: marks of the emails since are not in their rows.
		await db()
			.update(cronCursors)
			.set({ position: idFloor(now - 4 * HOUR) })
			.where(eq(cronCursors.name, TALLY_CURSOR));
		const old = () => ({ id: uuidv7At(now - STUCK_AFTER - 30 * 60_000) });
		const marked = await createQueuedGroup(sender, 3, old);
		const unsent = await createQueuedGroup(sender, 1, old);
		await recordEmailEvents(
			{ db: counted, webhookQueue },
			(await findEmailsByIds(db(), marked.ids)).map((email) => accepted(email, now)),
		);
		expect(await markOf(marked.ids[0] as string)).toBeDefined();
		const requeued: string[] = [];
		const queue = {
			sendBatch: async (messages: { body: SendMessage }[]) => {
				requeued.push(...messages.flatMap((m) => idsIn(m.body)));
			},
		} as unknown as Queue<SendMessage>;
		await requeueStuckEmails(db(), queue, now);
		expect(requeued).toContain(unsent.ids[0]);
		for (const id of marked.ids) expect(requeued).not.toContain(id);
	});

	it("a marked email is not sent again when its message comes back, and its feedback matches", async () => {
		const sender = await createSender();
		// A message of three: the first to the simulator's bounce address.
		const sendGroup = newSendGroup(Date.now());
		const emails3 = [];
		for (const to of ["bounce@simulator.amazonses.com", "a@example.org", "b@example.org"])
			emails3.push(await createQueuedEmail(sender, { to: [to], sendGroup }));
		const id = emails3[0]?.id as string;
		const first = await runQueue(SEND_QUEUE, [{ emailIds: emails3.map((e) => e.id as string) }]);
		expect(first.result.explicitAcks).toEqual(first.ids);
		const [stored] = await storedRows([id]);
		expect(stored).toMatchObject({ lastEvent: "queued", sesMessageId: null });
		const mark = await markOf(id);
		const sent = sim.store.listMessages({ to: "bounce@simulator.amazonses.com" });
		expect(mark?.results[id]?.[0]).toBe(
			sent.find((m) => m.tags.some((t) => t.value === id))?.messageId,
		);

		const again = await runQueue(SEND_QUEUE, [{ emailIds: emails3.map((e) => e.id as string) }], 2);
		expect(again.result.explicitAcks).toEqual(again.ids);
		expect(
			sim.store
				.listMessages({ to: "bounce@simulator.amazonses.com" })
				.filter((m) => m.tags.some((t) => t.value === id)),
		).toHaveLength(1);

		// SES's bounce names the message id the mark holds: recorded, and the row has it all.
		const posted = await sim.sns.flush();
		expect(posted.map((p) => [p.eventType, p.status])).toContainEqual(["Bounce", 200]);
		const [row] = await storedRows([id]);
		expect(row).toMatchObject({
			status: "failed",
			lastEvent: "bounced",
			sesMessageId: mark?.results[id]?.[0],
		});
	});
});
