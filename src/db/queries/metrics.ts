/**
 * Daily sending figures for `GET /account/metrics`, per UTC day of a window. Two index range
 * scans, each bounded by the account and the window, so what is read grows with the account's
 * activity in the window and never with its history:
 *
 * - `email_events_account_time` (account_id, occurred_at, type): the timeline rows of the
 *   window (deliveries, hard and soft bounces, complaints, failures), counted per day and type
 *   from the index alone (it covers every column the query reads);
 * - `emails_account_sent` (account_id, sent_at, partial on sent_at): the emails SES accepted in
 *   the window. "Sent" is not a timeline row (it is `emails.sent_at`), so these rows are read
 *   for their recipient lists: sends are counted per recipient, like deliveries and bounces,
 *   so the rates compare like with like.
 */
import { and, eq, gte, inArray, isNotNull, lt, sql } from "drizzle-orm";
import { DAY } from "../../lib/time.ts";
import type { Db } from "../client.ts";
import { emailEvents, emails } from "../schema.ts";

/** Timeline row types (src/domain/email-lifecycle.ts) and the figure each one counts in. */
export const EVENT_FIGURES = {
	delivered: "delivered",
	bounced: "hard_bounced",
	soft_bounced: "soft_bounced",
	complained: "complained",
	// One row per email, not per recipient: it never reached SES, or SES refused it whole.
	failed: "failed",
	rejected: "failed",
	rendering_failed: "failed",
} as const;

export type Figure = (typeof EVENT_FIGURES)[keyof typeof EVENT_FIGURES] | "sent";

/** The UTC day number (days since the epoch) of a time in milliseconds. */
export const dayOf = (ms: number) => Math.floor(ms / DAY);

// Inlined, not bound: D1 may bind a JS number as REAL, and the day must stay an integer division.
const dayOfColumn = (column: typeof emailEvents.occurredAt | typeof emails.sentAt) =>
	sql<number>`${column} / ${sql.raw(String(DAY))}`;

/** The two statements, apart so a test can check their query plans. */
export function metricsStatements(db: Db, accountId: string, from: number, to: number) {
	const eventDay = dayOfColumn(emailEvents.occurredAt);
	const sentDay = dayOfColumn(emails.sentAt);
	return {
		events: db
			.select({ day: eventDay, type: emailEvents.type, count: sql<number>`count(*)` })
			.from(emailEvents)
			.where(
				and(
					eq(emailEvents.accountId, accountId),
					gte(emailEvents.occurredAt, from),
					lt(emailEvents.occurredAt, to),
					inArray(emailEvents.type, Object.keys(EVENT_FIGURES)),
				),
			)
			.groupBy(eventDay, emailEvents.type),
		// to, cc and bcc were deduplicated when the email was accepted.
		sent: db
			.select({
				day: sentDay,
				count: sql<number>`sum(json_array_length(${emails.to}) + coalesce(json_array_length(${emails.cc}), 0) + coalesce(json_array_length(${emails.bcc}), 0))`,
			})
			.from(emails)
			.where(
				and(
					eq(emails.accountId, accountId),
					isNotNull(emails.sentAt),
					gte(emails.sentAt, from),
					lt(emails.sentAt, to),
				),
			)
			.groupBy(sentDay),
	};
}

export interface DayCounts {
	/** UTC day number (days since the epoch). */
	day: number;
	figure: Figure;
	count: number;
}

/** Counts per day and figure in [from, to); days and figures with nothing are absent. */
export async function countByDay(
	db: Db,
	accountId: string,
	from: number,
	to: number,
): Promise<DayCounts[]> {
	const { events, sent } = metricsStatements(db, accountId, from, to);
	const [eventRows, sentRows] = await db.batch([events, sent]);
	return [
		...eventRows.flatMap((row) => {
			const figure = EVENT_FIGURES[row.type as keyof typeof EVENT_FIGURES];
			return figure ? [{ day: Number(row.day), figure, count: Number(row.count) }] : [];
		}),
		...sentRows.map((row) => ({
			day: Number(row.day),
			figure: "sent" as const,
			count: Number(row.count),
		})),
	];
}
