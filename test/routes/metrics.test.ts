/**
 * `GET /account/metrics`: daily counts from the account's own timeline rows and sends, every
 * day of the window present, read through index ranges only.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
	insertEventsStatements,
	type NewEmailEvent,
	runBatch,
} from "../../src/db/queries/emails.ts";
import { metricsStatements } from "../../src/db/queries/metrics.ts";
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

/** An email SES accepted at `sentAt`, with its timeline rows (type and time). */
async function sent(
	sender: Sender,
	sentAt: number,
	recipients: { to: string[]; cc?: string[]; bcc?: string[] },
	events: { type: string; at: number; recipient?: string }[] = [],
) {
	const email = await createQueuedEmail(sender, {
		...recipients,
		createdAt: sentAt,
		sentAt,
		sesMessageId: `ses-${uuidv7()}`,
		lastEvent: "sent",
	});
	await addEvents(sender, email.id as string, events);
	return email;
}

async function addEvents(
	sender: Sender,
	emailId: string,
	events: { type: string; at: number; recipient?: string }[],
) {
	const rows: NewEmailEvent[] = events.map((e) => ({
		id: uuidv7(),
		emailId,
		accountId: sender.account.id,
		type: e.type,
		recipient: e.recipient ?? null,
		occurredAt: e.at,
		dedupeKey: uuidv7(),
		createdAt: e.at,
	}));
	await runBatch(db(), insertEventsStatements(db(), rows));
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
		const failed = await createQueuedEmail(sender, { createdAt: on(2), lastEvent: "failed" });
		await addEvents(sender, failed.id as string, [
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

	it("reads index ranges on (account, time), never a scan of the account's rows", async () => {
		const { events, sent } = metricsStatements(db(), uuidv7(), 0, DAY);
		const plan = async (query: { toSQL(): { sql: string; params: unknown[] } }) => {
			const { sql, params } = query.toSQL();
			const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
				.bind(...params)
				.all<{ detail: string }>();
			return results.map((r) => r.detail).join("\n");
		};
		const eventsPlan = await plan(events);
		expect(eventsPlan).toMatch(
			/SEARCH email_events USING COVERING INDEX email_events_account_time \(account_id=\? AND occurred_at>\? AND occurred_at<\?\)/,
		);
		const sentPlan = await plan(sent);
		expect(sentPlan).toMatch(
			/SEARCH emails USING INDEX emails_account_sent \(account_id=\? AND sent_at>\? AND sent_at<\?\)/,
		);
	});
});

runCommonRouteTests("/account/metrics", [
	{ method: "GET", path: "/account/metrics", access: "full_access" },
]);
