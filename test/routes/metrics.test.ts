/**
 * `GET /account/metrics`: daily counts the email lifecycle keeps as it records sends and
 * events (each once, however often a notification arrives), every day of the window present,
 * read from one primary-key range.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { metricsStatement } from "../../src/db/queries/metrics.ts";
import { emails } from "../../src/db/schema.ts";
import { recordEmailEvents } from "../../src/domain/email-recorder.ts";
import type { LifecycleEvent } from "../../src/domain/email-state.ts";
import { uuidv7 } from "../../src/lib/ids.ts";
import { DAY, HOUR } from "../../src/lib/time.ts";
import { api } from "../helpers/api.ts";
import { runCommonRouteTests } from "../helpers/common-route-tests.ts";
import { createQueuedEmail, createSender, db } from "../helpers/factories.ts";
import { createSession } from "../helpers/sessions.ts";

type Sender = Awaited<ReturnType<typeof createSender>>;

const startOfToday = () => Math.floor(Date.now() / DAY) * DAY;
/** A time on the UTC day `daysAgo` before today, early enough to be past already today. */
const on = (daysAgo: number) => startOfToday() - daysAgo * DAY + Math.min(HOUR, Date.now() % DAY);
const date = (daysAgo: number) =>
	new Date(startOfToday() - daysAgo * DAY).toISOString().slice(0, 10);

type Happening = { type: string; at: number; recipient?: string };

/** What the tests say happened, as the lifecycle's events (SES's notifications, mapped). */
function lifecycleEvent({ type, at, recipient }: Happening): LifecycleEvent {
	const recipients = recipient ? [recipient] : [];
	const details = { bounce_sub_type: "General" };
	switch (type) {
		case "delivered":
		case "delivery_delayed":
		case "opened":
			return { kind: type, recipients, details, at };
		case "bounced":
		case "soft_bounced": {
			const bounceType = type === "bounced" ? "Permanent" : "Transient";
			return { kind: "bounced", bounceType, recipients, reason: "bounced", details, at };
		}
		case "complained":
			return { kind: "complained", recipients, reason: "complained", details, at };
		case "failed":
			return { kind: "send_failed", code: "Test", reason: "failed", at };
		case "rendering_failed":
			return { kind: "rendering_failed", reason: "failed", details, at };
		default:
			throw new Error(`no lifecycle event for ${type}`);
	}
}

/** Records each happening through the email lifecycle, as the consumer and SNS would. */
async function record(emailId: string, happenings: (Happening | LifecycleEvent)[]) {
	for (const [i, h] of happenings.entries()) {
		const [email] = await db().select().from(emails).where(eq(emails.id, emailId));
		if (!email) throw new Error("gone");
		const event = "kind" in h ? h : lifecycleEvent(h);
		const store = { db: db(), webhookQueue: env.WEBHOOK_QUEUE };
		await recordEmailEvents(store, [{ email, event, key: `test-${emailId}-${i}` }]);
	}
}

/** An email SES accepted at `sentAt`, then what happened to it. */
async function sent(
	sender: Sender,
	sentAt: number,
	recipients: { to: string[]; cc?: string[]; bcc?: string[] },
	events: Happening[] = [],
) {
	const email = await createQueuedEmail(sender, { ...recipients, createdAt: sentAt });
	const accepted: LifecycleEvent = {
		kind: "accepted_by_ses",
		sesMessageId: `ses-${uuidv7()}`,
		at: sentAt,
	};
	await record(email.id as string, [accepted, ...events]);
	return email;
}

const metrics = (sender: Sender, query = "") =>
	api("GET", `/account/metrics${query}`, { key: sender.key.token });

const ZEROS = {
	sent: 0,
	delivered: 0,
	bounced: 0,
	hard_bounced: 0,
	soft_bounced: 0,
	complained: 0,
	failed: 0,
};

describe("GET /account/metrics", () => {
	it("counts each UTC day's sends (per recipient) and timeline events", async () => {
		const sender = await createSender();
		// Today: one email to three recipients, two delivered, one hard bounce, one complaint.
		await sent(sender, on(0), { to: ["a@example.org", "b@example.org"], cc: ["c@example.org"] }, [
			{ type: "delivered", at: on(0), recipient: "a@example.org" },
			{ type: "delivered", at: on(0), recipient: "b@example.org" },
			{ type: "bounced", at: on(0), recipient: "c@example.org" },
			{ type: "complained", at: on(0), recipient: "a@example.org" },
			// Not figures: a delay, an open.
			{ type: "delivery_delayed", at: on(0), recipient: "a@example.org" },
			{ type: "opened", at: on(0), recipient: "a@example.org" },
		]);
		// Two days ago: a soft bounce, delivered the next day; another email failed before SES.
		await sent(sender, on(2), { to: ["d@example.org"], bcc: ["e@example.org"] }, [
			{ type: "soft_bounced", at: on(2), recipient: "d@example.org" },
			{ type: "delivered", at: on(1), recipient: "d@example.org" },
			{ type: "delivered", at: on(2), recipient: "e@example.org" },
		]);
		const failed = await createQueuedEmail(sender, { createdAt: on(2) });
		await record(failed.id as string, [
			{ type: "failed", at: on(2) },
			{ type: "rendering_failed", at: on(2) },
		]);
		// Eight days ago: outside 7 days, inside 30.
		await sent(sender, on(8), { to: ["f@example.org"] }, [
			{ type: "bounced", at: on(8), recipient: "f@example.org" },
		]);

		const week = await metrics(sender, "?days=7");
		expect(week.status).toBe(200);
		expect(week.json).toMatchObject({ object: "metrics", days: 7, from: date(6), to: date(0) });
		const daily = week.json.daily as { date: string }[];
		expect(daily.map((d) => d.date)).toEqual([6, 5, 4, 3, 2, 1, 0].map(date));
		expect(daily[6]).toEqual({
			date: date(0),
			...ZEROS,
			sent: 3,
			delivered: 2,
			bounced: 1,
			hard_bounced: 1,
			complained: 1,
		});
		expect(daily[5]).toEqual({ date: date(1), ...ZEROS, delivered: 1 });
		expect(daily[4]).toEqual({
			date: date(2),
			...ZEROS,
			sent: 2,
			delivered: 1,
			bounced: 1,
			soft_bounced: 1,
			failed: 2,
		});
		for (const i of [0, 1, 2, 3]) expect(daily[i]).toEqual({ date: date(6 - i), ...ZEROS });
		expect(week.json.totals).toEqual({
			sent: 5,
			delivered: 4,
			bounced: 2,
			hard_bounced: 1,
			soft_bounced: 1,
			complained: 1,
			failed: 2,
		});
		expect(week.json.bounce_rate).toBeCloseTo(1 / 5);
		expect(week.json.complaint_rate).toBeCloseTo(1 / 5);

		const month = await metrics(sender, "?days=30");
		expect(month.status).toBe(200);
		expect((month.json.daily as unknown[]).length).toBe(30);
		expect(month.json).toMatchObject({ from: date(29), to: date(0) });
		expect(month.json.totals).toMatchObject({ sent: 6, hard_bounced: 2, bounced: 3 });
		expect(month.json.bounce_rate).toBeCloseTo(2 / 6);
	});

	it("answers every day with zeros, and rates of 0, for an account that has sent nothing", async () => {
		const sender = await createSender();
		const res = await metrics(sender);
		expect(res.status).toBe(200);
		expect(res.json.days).toBe(7);
		expect(res.json.daily).toEqual([6, 5, 4, 3, 2, 1, 0].map((d) => ({ date: date(d), ...ZEROS })));
		expect(res.json).toMatchObject({ totals: ZEROS, bounce_rate: 0, complaint_rate: 0 });
	});

	it("counts only the caller's account", async () => {
		const other = await createSender();
		await sent(other, on(0), { to: ["x@example.org", "y@example.org"] }, [
			{ type: "delivered", at: on(0), recipient: "x@example.org" },
			{ type: "bounced", at: on(0), recipient: "y@example.org" },
		]);
		const sender = await createSender();
		await sent(sender, on(0), { to: ["z@example.org"] }, [
			{ type: "delivered", at: on(0), recipient: "z@example.org" },
		]);
		const res = await metrics(sender);
		expect(res.json.totals).toEqual({ ...ZEROS, sent: 1, delivered: 1 });
	});

	it("answers a dashboard session too", async () => {
		const sender = await createSender();
		const session = await createSession(sender.account.id);
		const res = await api("GET", "/account/metrics?days=30", {
			headers: { cookie: session.cookie },
		});
		expect(res.status).toBe(200);
		expect((res.json.daily as unknown[]).length).toBe(30);
	});

	it.each(["14", "0", "seven", ""])("refuses days=%j with 422 naming `days`", async (days) => {
		const res = await metrics(await createSender(), `?days=${days}`);
		expect(res.status).toBe(422);
		expect(res.json).toMatchObject({ name: "validation_error" });
		expect(res.json.message).toContain("`days`");
	});

	it("reads one primary-key range of the account's daily counts, never its emails", async () => {
		const { sql, params } = metricsStatement(db(), uuidv7(), 0, DAY).toSQL();
		const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
			.bind(...params)
			.all<{ detail: string }>();
		expect(results.map((r) => r.detail).join("\n")).toMatch(
			/SEARCH account_day_counts USING PRIMARY KEY \(account_id=\? AND day>\? AND day<\?\)/,
		);
	});

	it("counts a notification seen twice once", async () => {
		const sender = await createSender();
		const email = await sent(sender, on(0), { to: ["a@example.org"] });
		const [row] = await db()
			.select()
			.from(emails)
			.where(eq(emails.id, email.id as string));
		const delivered = lifecycleEvent({ type: "delivered", at: on(0), recipient: "a@example.org" });
		const store = { db: db(), webhookQueue: env.WEBHOOK_QUEUE };
		if (!row) throw new Error("gone");
		// The same SNS message twice, racing from the same read, and once more later.
		await Promise.all([
			recordEmailEvents(store, [{ email: row, event: delivered, key: "sns-1" }]),
			recordEmailEvents(store, [{ email: row, event: delivered, key: "sns-1" }]),
		]);
		const [again] = await db()
			.select()
			.from(emails)
			.where(eq(emails.id, email.id as string));
		if (!again) throw new Error("gone");
		await recordEmailEvents(store, [{ email: again, event: delivered, key: "sns-1" }]);
		const res = await metrics(sender);
		expect(res.json.totals).toEqual({ ...ZEROS, sent: 1, delivered: 1 });
	});
});

runCommonRouteTests("/account/metrics", [
	{ method: "GET", path: "/account/metrics", access: "full_access" },
]);
