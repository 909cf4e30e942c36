/**
 * `GET /account/metrics`: what happened to the account's email on each UTC day of the last 7
 * or 30 (today included, so far), every day present, and the window's bounce and complaint
 * rates. Read from the account's daily counts (src/db/queries/metrics.ts), one primary-key
 * range, never the account's emails. The suspension check's own figures are `/account/reputation`'s (a rolling 7 days,
 * SES's mailbox simulator excluded); these are for watching trends.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { countByDay, dayOf, type Figure } from "../../db/queries/metrics.ts";
import { createRouter } from "../../env.ts";
import { DAY } from "../../lib/time.ts";
import { commonErrors } from "../common-schemas.ts";

const count = (description: string) => z.number().int().openapi({ description });

const Counts = {
	sent: count("Recipients of the emails SES accepted"),
	delivered: count("Recipients whose delivery SES confirmed"),
	bounced: count("Bounces, hard and soft"),
	hard_bounced: count("Hard bounces: the address is suppressed and counts for the bounce rate"),
	soft_bounced: count("Soft bounces: temporary, SES kept trying"),
	complained: count("Complaints: the recipient marked the email as spam"),
	failed: count("Emails that never reached SES or that SES refused (per email, not recipient)"),
};

const CountsSchema = z.object(Counts).openapi("MetricsCounts");

const MetricsSchema = z
	.object({
		object: z.literal("metrics"),
		days: z.number().int(),
		from: z
			.string()
			.openapi({ description: "The first day (UTC), YYYY-MM-DD", example: "2026-11-23" }),
		to: z
			.string()
			.openapi({ description: "The last day (UTC, today), YYYY-MM-DD", example: "2026-11-29" }),
		daily: z.array(z.object({ date: z.string(), ...Counts }).openapi("MetricsDay")).openapi({
			description: "One entry per day, oldest first, zeros included",
		}),
		totals: CountsSchema,
		bounce_rate: z
			.number()
			.openapi({ description: "Hard bounces / sent over the window (0 without sends)" }),
		complaint_rate: z
			.number()
			.openapi({ description: "Complaints / sent over the window (0 without sends)" }),
	})
	.openapi("Metrics");

const MetricsQuery = z.object({
	days: z
		.enum(["7", "30"], { error: "must be 7 or 30" })
		.default("7")
		.openapi({ param: { name: "days", in: "query" }, example: "30" }),
});

const route = createRoute({
	method: "get",
	path: "/metrics",
	summary:
		"Daily sent, delivered, bounced, complained and failed counts over the last 7 or 30 days",
	request: { query: MetricsQuery },
	responses: {
		200: {
			description: "The figures, one entry per UTC day",
			content: { "application/json": { schema: MetricsSchema } },
		},
		...commonErrors,
	},
});

type Totals = Record<keyof typeof Counts, number>;

const zero = (): Totals => ({
	sent: 0,
	delivered: 0,
	bounced: 0,
	hard_bounced: 0,
	soft_bounced: 0,
	complained: 0,
	failed: 0,
});

const dateOf = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

export function summarize(
	rows: { day: number; figure: Figure; count: number }[],
	firstDay: number,
	days: number,
) {
	const daily = Array.from({ length: days }, (_, i) => ({ date: dateOf(firstDay + i), ...zero() }));
	const totals = zero();
	for (const { day, figure, count } of rows) {
		const entry = daily[day - firstDay];
		if (!entry) continue;
		const add = (key: keyof Totals) => {
			entry[key] += count;
			totals[key] += count;
		};
		add(figure);
		if (figure === "hard_bounced" || figure === "soft_bounced") add("bounced");
	}
	return {
		daily,
		totals,
		bounce_rate: totals.sent ? totals.hard_bounced / totals.sent : 0,
		complaint_rate: totals.sent ? totals.complained / totals.sent : 0,
	};
}

export const getMetrics = createRouter().openapi(route, async (c) => {
	const days = Number(c.req.valid("query").days);
	const lastDay = dayOf(Date.now());
	const firstDay = lastDay - days + 1;
	const rows = await countByDay(
		createDb(c.env.DB),
		c.get("caller").accountId,
		firstDay * DAY,
		(lastDay + 1) * DAY,
	);
	return c.json(
		{
			object: "metrics" as const,
			days,
			from: dateOf(firstDay),
			to: dateOf(lastDay),
			...summarize(rows, firstDay, days),
		},
		200,
	);
});
