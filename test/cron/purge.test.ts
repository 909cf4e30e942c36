import { inArray } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { EVERY_FIVE_MINUTES } from "../../src/cron/index.ts";
import { type PurgeOptions, purgeExpiredData, RETENTION } from "../../src/cron/purge.ts";
import { insertEmailsStatements, runBatch } from "../../src/db/queries/emails.ts";
import { dayOf } from "../../src/db/queries/metrics.ts";
import { deleteOldDayCounts, deleteOldestEmails } from "../../src/db/queries/retention.ts";
import {
	accountDayCounts,
	emailRecipients,
	emails,
	idempotencyKeys,
	loginFailures,
	sessions,
	unmatchedNotifications,
	users,
	webhookDeliveries,
	webhookEndpoints,
} from "../../src/db/schema.ts";
import { idFloor, uuidv7 } from "../../src/lib/ids.ts";
import { DAY, HOUR, MINUTE } from "../../src/lib/time.ts";
import { runCron } from "../helpers/cron.ts";
import { db, uuidv7At } from "../helpers/factories.ts";
import { queryPlans } from "../helpers/query-plans.ts";

const ACCOUNT = "00000000-0000-7000-8000-00000000c0de";
const DOMAIN = "00000000-0000-7000-8000-00000000d0e5";

/** An email created at `createdAt`, with a timeline entry at each of `events` (times). */
async function insertEmail(
	createdAt: number,
	events: number[] = [],
	to = ["someone@example.org"],
): Promise<string> {
	const id = uuidv7At(createdAt);
	await runBatch(
		db(),
		insertEmailsStatements(db(), [
			{
				id,
				accountId: ACCOUNT,
				domainId: DOMAIN,
				from: "Acme <hello@acme.test>",
				to,
				subject: "Receipt",
				html: "<p>Private content</p>",
				text: "Private content",
				// Delivered, so the five-minute cron's stuck-email sweep leaves them alone.
				status: "sent",
				lastEvent: "delivered",
				createdAt,
				timeline: events.map((at, i) => ({
					type: "delivered",
					recipient: "someone@example.org",
					details: null,
					at,
					key: `sns-${i}`,
				})),
			},
		]),
	);
	return id;
}

/** A daily figure of the account on the day of `at`; answers its day. */
async function insertDayCount(at: number, figure = "delivered") {
	const day = dayOf(at);
	await db()
		.insert(accountDayCounts)
		.values({ accountId: ACCOUNT, day, figure, count: 3 })
		.onConflictDoNothing();
	return day;
}

async function dayCountsLeft(days: number[]) {
	const rows = await db()
		.select({ day: accountDayCounts.day })
		.from(accountDayCounts)
		.where(inArray(accountDayCounts.day, days));
	return rows.map((r) => r.day).sort();
}

async function insertUnmatched(createdAt: number) {
	const id = uuidv7At(createdAt);
	await db()
		.insert(unmatchedNotifications)
		.values({ id, snsMessageId: id, topicArn: "arn:test", payload: "{}", createdAt });
	return id;
}

let sessionUser: string | undefined;

async function insertSession(expiresAt: number) {
	if (!sessionUser) {
		sessionUser = uuidv7();
		await db()
			.insert(users)
			.values({
				id: sessionUser,
				email: `purge-${sessionUser}@example.org`,
				passwordHash: "x",
				accountId: ACCOUNT,
				createdAt: Date.now(),
			});
	}
	const id = uuidv7();
	await db()
		.insert(sessions)
		.values({
			id,
			tokenHash: id,
			csrfToken: id,
			userId: sessionUser,
			createdAt: expiresAt - 14 * DAY,
			expiresAt,
		});
	return id;
}

async function insertLoginFailure(firstAt: number) {
	const key = `ip:${uuidv7()}`;
	await db().insert(loginFailures).values({ key, count: 3, firstAt });
	return key;
}

async function insertIdempotencyKey(createdAt: number) {
	const key = uuidv7();
	await db().insert(idempotencyKeys).values({
		accountId: ACCOUNT,
		key,
		endpoint: "POST /emails",
		requestHash: "hash",
		responseStatus: 200,
		responseBody: "{}",
		createdAt,
	});
	return key;
}

async function existing(table: typeof emails, ids: string[]) {
	const rows = await db().select({ id: table.id }).from(table).where(inArray(table.id, ids));
	return rows.map((r) => r.id).sort();
}

const sorted = (ids: string[]) => [...ids].sort();

/** Runs the purge until it reports finished: a clean slate of nothing due. */
async function drain(options: PurgeOptions = {}) {
	for (let run = 0; run < 100; run++) {
		if ((await purgeExpiredData(db(), options)).finished) return;
	}
	throw new Error("the purge did not finish in 100 runs");
}

const NOTHING = {
	emails: 0,
	dayCounts: 0,
	unmatchedNotifications: 0,
	webhookDeliveries: 0,
	sessions: 0,
	loginFailures: 0,
	idempotencyKeys: 0,
};

describe("deleteOldestEmails", () => {
	beforeEach(() => drain());

	it("ends a batch early at its lookup-key budget and deletes those emails' lookup rows with them", async () => {
		const now = Date.now();
		const before = idFloor(now - RETENTION);
		// The first recipient is in the email's row: the others are its lookup keys.
		const to = (n: number) => [`a${n}@example.org`, `b${n}@example.org`, `c${n}@example.org`];
		const ids = [
			await insertEmail(now - 93 * DAY, [], to(1)),
			await insertEmail(now - 92 * DAY, [], to(2)),
			await insertEmail(now - 91 * DAY, [], to(3)),
		];
		const lookupLeft = async () =>
			(
				await db()
					.select({ id: emailRecipients.emailId })
					.from(emailRecipients)
					.where(inArray(emailRecipients.emailId, ids))
			)
				.map((r) => r.id)
				.sort();

		// Two keys each: a budget of 3 takes the first email only, though 3 were read.
		expect(await deleteOldestEmails(db(), before, 10, 3)).toEqual({ read: 3, deleted: 1 });
		expect(await existing(emails, ids)).toEqual(sorted(ids.slice(1)));
		expect(await lookupLeft()).toEqual(sorted([ids[1], ids[1], ids[2], ids[2]] as string[]));
		// Whatever the budget, one email always goes: a batch never stalls.
		expect(await deleteOldestEmails(db(), before, 10, 1)).toEqual({ read: 2, deleted: 1 });
		expect(await deleteOldestEmails(db(), before, 10)).toEqual({ read: 1, deleted: 1 });
		expect(await lookupLeft()).toEqual([]);
	});
});

describe("purgeExpiredData", () => {
	// Storage is shared by the tests of this file: start each one with nothing due, so the
	// counts below are exactly this test's rows.
	beforeEach(() => drain());

	it("deletes emails older than 90 days with their whole timeline, even later entries, and keeps the rest", async () => {
		const now = Date.now();
		const cutoff = now - RETENTION;
		// A complaint two days after the send: younger than 90 days, gone with its email (in its row).
		const old = await insertEmail(now - 91 * DAY, [now - 91 * DAY + MINUTE, now - 89 * DAY]);
		const justOld = await insertEmail(cutoff - 1, [cutoff - 1]);
		const atCutoff = await insertEmail(cutoff, [cutoff]);
		const recent = await insertEmail(now - 89 * DAY, [now - 89 * DAY]);

		const report = await purgeExpiredData(db(), { now });

		expect(report).toEqual({ ...NOTHING, emails: 2, statements: 10, batches: 7, finished: true });
		expect(await existing(emails, [old, justOld, atCutoff, recent])).toEqual(
			sorted([atCutoff, recent]),
		);
	});

	it("deletes daily figures of days past the 90 and unmatched notifications older than 90 days", async () => {
		const now = Date.now();
		const oldDay = await insertDayCount(now - 91 * DAY);
		const keptDay = await insertDayCount(now - 89 * DAY);
		const unmatchedOld = await insertUnmatched(now - 91 * DAY);
		const unmatchedRecent = await insertUnmatched(now - 89 * DAY);

		const report = await purgeExpiredData(db(), { now });

		expect(report).toEqual({
			...NOTHING,
			dayCounts: 1,
			unmatchedNotifications: 1,
			statements: 10,
			batches: 7,
			finished: true,
		});
		expect(await dayCountsLeft([oldDay, keptDay])).toEqual([keptDay]);
		const unmatched = await db()
			.select({ id: unmatchedNotifications.id })
			.from(unmatchedNotifications)
			.where(inArray(unmatchedNotifications.id, [unmatchedOld, unmatchedRecent]));
		expect(unmatched).toEqual([{ id: unmatchedRecent }]);
	});

	it("deletes expired sessions, day-old login failures and idempotency keys past 24 hours", async () => {
		const now = Date.now();
		const expired = await insertSession(now - 1);
		const live = await insertSession(now + HOUR);
		const staleFailure = await insertLoginFailure(now - DAY - 1);
		const recentFailure = await insertLoginFailure(now - DAY + MINUTE);
		const expiredKey = await insertIdempotencyKey(now - DAY - 1);
		const liveKey = await insertIdempotencyKey(now - DAY + MINUTE);

		const report = await purgeExpiredData(db(), { now });

		expect(report).toEqual({
			...NOTHING,
			sessions: 1,
			loginFailures: 1,
			idempotencyKeys: 1,
			statements: 10,
			batches: 7,
			finished: true,
		});
		const leftSessions = await db()
			.select({ id: sessions.id })
			.from(sessions)
			.where(inArray(sessions.id, [expired, live]));
		expect(leftSessions).toEqual([{ id: live }]);
		const leftFailures = await db()
			.select({ key: loginFailures.key })
			.from(loginFailures)
			.where(inArray(loginFailures.key, [staleFailure, recentFailure]));
		expect(leftFailures).toEqual([{ key: recentFailure }]);
		const leftKeys = await db()
			.select({ key: idempotencyKeys.key })
			.from(idempotencyKeys)
			.where(inArray(idempotencyKeys.key, [expiredKey, liveKey]));
		expect(leftKeys).toEqual([{ key: liveKey }]);
	});

	it("stops at its statement budget with finished: false, oldest first, and the next run finishes", async () => {
		const now = Date.now();
		const old: string[] = [];
		for (let i = 0; i < 5; i++) {
			// Each with a timeline entry within the retention: it goes with its email.
			old.push(await insertEmail(now - (120 - i) * DAY, [now - 89 * DAY + i * MINUTE]));
		}
		const recent = await insertEmail(now - DAY);

		// Round 1: an email batch (a read and a batch of deletes, 4 statements) and one of each of
		// the 6 other tasks, which find nothing (10 statements); round 2: another email batch
		// (14); round 3 would exceed 16.
		const first = await purgeExpiredData(db(), { now, batchSize: 2, maxStatements: 16 });
		expect(first).toEqual({ ...NOTHING, emails: 4, statements: 14, batches: 8, finished: false });
		expect(await existing(emails, [...old, recent])).toEqual(sorted([old[4] ?? "", recent]));

		// The last email (a short batch ends the email pass) and the 6 other tasks.
		const second = await purgeExpiredData(db(), { now, batchSize: 2 });
		expect(second).toEqual({ ...NOTHING, emails: 1, statements: 10, batches: 7, finished: true });
		expect(await existing(emails, [...old, recent])).toEqual([recent]);
	});

	it("deletes customer webhook events older than 90 days with their deliveries and attempts", async () => {
		const now = Date.now();
		const endpointId = uuidv7();
		await db()
			.insert(webhookEndpoints)
			.values({
				id: endpointId,
				accountId: ACCOUNT,
				endpoint: "https://hooks.example.com/in",
				events: ["email.delivered"],
				secretEncrypted: "sealed",
				createdAt: now - 100 * DAY,
			});
		const insertWebhookEvent = async (at: number, attemptAt = at + MINUTE) => {
			const id = uuidv7At(at);
			const attempt = {
				id: uuidv7At(attemptAt),
				httpStatus: 200,
				response: "ok",
				durationMs: 12,
				error: null,
				sentAt: attemptAt,
			};
			await db()
				.insert(webhookDeliveries)
				.values({
					endpointId,
					eventId: id,
					type: "email.delivered",
					payload: "{}",
					status: "success",
					attempts: 1,
					createdAt: at,
					attemptLog: [attempt],
				});
			return { id, attempt };
		};
		const old = await insertWebhookEvent(now - 91 * DAY);
		// An old event replayed yesterday: its attempt, in its delivery's log, goes with it.
		const replayed = await insertWebhookEvent(now - 95 * DAY, now - DAY);
		const recent = await insertWebhookEvent(now - 89 * DAY);
		const events = [old.id, replayed.id, recent.id];

		const report = await purgeExpiredData(db(), { now });

		expect(report).toEqual({
			...NOTHING,
			webhookDeliveries: 2,
			statements: 10,
			batches: 7,
			finished: true,
		});
		const deliveries = await db()
			.select({ eventId: webhookDeliveries.eventId, log: webhookDeliveries.attemptLog })
			.from(webhookDeliveries)
			.where(inArray(webhookDeliveries.eventId, events));
		expect(deliveries).toEqual([{ eventId: recent.id, log: [recent.attempt] }]);
	});

	it("finds old webhook deliveries endpoint by endpoint, each a key range, scanning no delivery", async () => {
		const plans = await queryPlans((d) => purgeExpiredData(d, { now: Date.now() }));
		const [plan, ...others] = plans.filter((p) => /\bwebhook_deliveries\b/.test(p));
		expect(others).toEqual([]);
		const steps = (plan ?? "").split("\n").filter((line) => /^(SCAN|SEARCH)/.test(line));
		// The endpoints walked on their key, and each one's deliveries below the cutoff a range of
		// the deliveries' key; the delete itself by that key.
		expect(steps).toEqual([
			"SEARCH webhook_deliveries USING PRIMARY KEY (endpoint_id=? AND event_id=?)",
			expect.stringMatching(/^SCAN w USING COVERING INDEX sqlite_autoindex_webhook_endpoints_1/),
			"SEARCH d USING PRIMARY KEY (endpoint_id=? AND event_id<?)",
		]);
	});

	it("deletes old daily figures of every account, a bounded number at a time", async () => {
		const today = dayOf(Date.now());
		const accounts = ["acct-a", "acct-b", "acct-c"].map((a) => `${a}-${uuidv7()}`);
		for (const accountId of accounts)
			await db()
				.insert(accountDayCounts)
				.values(
					[today - 95, today - 91, today - 10].map((day) => ({
						accountId,
						day,
						figure: "sent",
						count: 1,
					})),
				);
		const left = async () =>
			(
				await db()
					.select({ day: accountDayCounts.day })
					.from(accountDayCounts)
					.where(inArray(accountDayCounts.accountId, accounts))
			).length;
		expect(await deleteOldDayCounts(db(), today - 90, 4)).toBe(4);
		expect(await deleteOldDayCounts(db(), today - 90, 4)).toBe(2);
		expect(await deleteOldDayCounts(db(), today - 90, 4)).toBe(0);
		expect(await left()).toBe(3);
	});

	it("finds old daily figures account by account, each a key range, scanning no figure", async () => {
		const plans = await queryPlans((d) => purgeExpiredData(d, { now: Date.now() }));
		const [plan, ...others] = plans.filter((p) => /\baccount_day_counts\b/.test(p));
		expect(others).toEqual([]);
		const steps = (plan ?? "").split("\n").filter((line) => /^(SCAN|SEARCH)/.test(line));
		// The accounts skipped through on the key (the first account the first row in key order,
		// each next one a seek past the last); each one's days before the cutoff a range of the
		// key; the delete itself by the key.
		expect(steps).toEqual([
			"SEARCH account_day_counts USING PRIMARY KEY (account_id=? AND day=? AND figure=?)",
			"SCAN CONSTANT ROW",
			"SCAN s",
			"SCAN a",
			"SEARCH s USING PRIMARY KEY (account_id>?)",
			"SCAN a",
			"SEARCH c USING PRIMARY KEY (account_id=? AND day<?)",
		]);
	});

	it("starts no batch once its time budget is spent", async () => {
		const now = Date.now();
		const old = await insertEmail(now - 91 * DAY);
		const report = await purgeExpiredData(db(), { now, maxMillis: 0 });
		expect(report).toEqual({ ...NOTHING, statements: 0, batches: 0, finished: false });
		expect(await existing(emails, [old])).toEqual([old]);
	});

	it("never touches an email inside its retention, its timeline or any other live row", async () => {
		const now = Date.now();
		const cutoff = now - RETENTION;
		const keptEmails: string[] = [];
		for (let i = 0; i < 4; i++) {
			// Emails from the cutoff onwards, each with an event, and old ones in between.
			keptEmails.push(await insertEmail(cutoff + i * HOUR, [cutoff + i * HOUR + MINUTE]));
			await insertEmail(cutoff - (i + 1) * HOUR, [cutoff - (i + 1) * HOUR]);
		}
		const keptDay = await insertDayCount(cutoff + DAY);
		await insertDayCount(cutoff - DAY);
		const keptUnmatched = await insertUnmatched(cutoff);
		const keptSession = await insertSession(now);
		const keptFailure = await insertLoginFailure(now - DAY);
		const keptKey = await insertIdempotencyKey(now - DAY);
		await insertUnmatched(cutoff - 1);
		await insertSession(now - 1);
		await insertLoginFailure(now - DAY - 1);
		await insertIdempotencyKey(now - DAY - 1);

		// One batch of one row per table per run: many runs, each ending mid-way.
		const total = { ...NOTHING, statements: 0, batches: 0 };
		let runs = 0;
		for (let finished = false; !finished && runs < 10; runs++) {
			const report = await purgeExpiredData(db(), { now, batchSize: 1, maxStatements: 16 });
			for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += report[key];
			finished = report.finished;
		}

		// Rounds of the 7 tasks (10 statements when each runs once; a task that found less than
		// its batch leaves the rounds), cut at 16 statements a run: the 4 old emails take three.
		expect(runs).toBe(3);
		expect(total).toEqual({
			emails: 4,
			dayCounts: 1,
			unmatchedNotifications: 1,
			webhookDeliveries: 0,
			sessions: 1,
			loginFailures: 1,
			idempotencyKeys: 1,
			statements: 40,
			batches: 25,
		});
		expect(await existing(emails, keptEmails)).toEqual(sorted(keptEmails));
		expect(
			(await db().select().from(emails).where(inArray(emails.id, keptEmails))).map(
				(e) => e.timeline?.length,
			),
		).toEqual([1, 1, 1, 1]);
		expect(await dayCountsLeft([keptDay])).toEqual([keptDay]);
		expect(
			await db()
				.select({ id: unmatchedNotifications.id })
				.from(unmatchedNotifications)
				.where(inArray(unmatchedNotifications.id, [keptUnmatched])),
		).toEqual([{ id: keptUnmatched }]);
		expect(
			await db()
				.select({ id: sessions.id })
				.from(sessions)
				.where(inArray(sessions.id, [keptSession])),
		).toEqual([{ id: keptSession }]);
		expect(
			await db()
				.select({ key: loginFailures.key })
				.from(loginFailures)
				.where(inArray(loginFailures.key, [keptFailure])),
		).toEqual([{ key: keptFailure }]);
		expect(
			await db()
				.select({ key: idempotencyKeys.key })
				.from(idempotencyKeys)
				.where(inArray(idempotencyKeys.key, [keptKey])),
		).toEqual([{ key: keptKey }]);
	});

	it("runs from the Worker's scheduled handler on the five-minute cron", async () => {
		const now = Date.now();
		const old = await insertEmail(now - 91 * DAY, [now - 89 * DAY]);
		const recent = await insertEmail(now - 89 * DAY);
		const expiredSession = await insertSession(now - HOUR);

		await Promise.all(await runCron(EVERY_FIVE_MINUTES));

		expect(await existing(emails, [old, recent])).toEqual([recent]);
		expect(
			await db()
				.select({ id: sessions.id })
				.from(sessions)
				.where(inArray(sessions.id, [expiredSession])),
		).toEqual([]);
	});
});
