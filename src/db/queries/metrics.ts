/**
 * Daily sending figures for `GET /account/metrics`, per UTC day of a window, from
 * `account_day_counts`: one row per account, day and figure, so a window of 30 days reads at
 * most 30 × 6 rows whatever the account's volume or history.
 *
 * A timeline entry counts in its figure on the day it happened (deliveries, hard and soft
 * bounces and complaints per recipient, failures per email), and an email SES accepts counts its
 * recipients as sent, so the rates compare like with like. The minute's tally
 * (src/cron/tally-day-figures.ts) counts them from the rows of emails two minutes old; the
 * email recorder (src/domain/email-recorder.ts) counts the events of emails the tally has
 * passed as it records them, each only if the lifecycle write that added its entries won
 * (`onlyIf` its token), so a race or a redelivery never counts twice; a batch's counts are
 * summed into one upsert per account, day and figure.
 */
import { and, eq, gte, lt, sql } from "drizzle-orm";
import { DAY } from "../../lib/time.ts";
import type { Db } from "../client.ts";
import { accountDayCounts, cronCursors, emails } from "../schema.ts";
import { aliasHasId } from "./email-seq.ts";

/** Timeline entry types (src/domain/email-lifecycle.ts) and the figure each one counts in. */
export const EVENT_FIGURES = {
	delivered: "delivered",
	bounced: "hard_bounced",
	soft_bounced: "soft_bounced",
	complained: "complained",
	// One entry per email, not per recipient: it never reached SES, or SES refused it whole.
	failed: "failed",
	rejected: "failed",
	rendering_failed: "failed",
} as const;

export type Figure = (typeof EVENT_FIGURES)[keyof typeof EVENT_FIGURES] | "sent";

/** The figure a timeline entry counts in, if any. */
export const figureOf = (type: string): Figure | null =>
	EVENT_FIGURES[type as keyof typeof EVENT_FIGURES] ?? null;

/** The UTC day number (days since the epoch) of a time in milliseconds. */
export const dayOf = (ms: number) => Math.floor(ms / DAY);

export interface DayCount {
	/** UTC day number (days since the epoch). */
	day: number;
	figure: Figure;
	count: number;
}

/** Day figures an email's lifecycle write decided, to count only if that write won. */
export interface DecidedCounts {
	accountId: string;
	counts: DayCount[];
	/** The email's row must carry this `write_token` (its write won) for the counts to apply. */
	onlyIf: { emailId: string; token: string };
}

/**
 * The `cron_cursors` entry of the minute's tally (src/cron/tally-day-figures.ts): emails with
 * ids from it on have their figures counted by the tally, from their rows; those before it as
 * their events are recorded (`countsStatement`).
 */
export const TALLY_CURSOR = "day-figures";

/** The tally's cursor, read inside a statement (NULL before the tally's first run). */
export const tallyCursor = sql`(SELECT ${cronCursors.position} FROM ${cronCursors} WHERE ${cronCursors.name} = ${TALLY_CURSOR})`;

/**
 * Adds the decided counts of any number of emails to their accounts' days in one statement, one
 * upsert per (account, day, figure) summed over the emails whose write won: 100 emails of one
 * account recorded together write one row for their `sent` figure, not 100. Each email's counts
 * still apply only if its row carries its token (the lifecycle write that decided them won),
 * checked per email before summing, and only for an email the minute's tally has passed (its id
 * before the tally's cursor; every email while there is no cursor): the tally counts the others
 * from their rows. Null when there is nothing to add.
 */
export function countsStatement(db: Db, decided: DecidedCounts[]) {
	const rows = decided.flatMap(({ accountId, counts, onlyIf }) =>
		counts.map((c) => [accountId, c.day, c.figure, c.count, onlyIf.emailId, onlyIf.token]),
	);
	if (rows.length === 0) return null;
	// No cursor yet: 'g' sorts after every id (hex digits and dashes), so every email counts here.
	const at = (i: number) => sql.raw(`json_extract(value, '$[${i}]')`);
	return db
		.insert(accountDayCounts)
		.select(
			sql`SELECT ${at(0)}, ${at(1)}, ${at(2)}, SUM(${at(3)}) FROM json_each(${JSON.stringify(rows)}) WHERE EXISTS (SELECT 1 FROM ${emails} e WHERE ${aliasHasId("json_extract(value, '$[4]')")} AND e.write_token = ${at(5)}) AND ${at(4)} < COALESCE(${tallyCursor}, 'g') GROUP BY 1, 2, 3`,
		)
		.onConflictDoUpdate({
			target: [accountDayCounts.accountId, accountDayCounts.day, accountDayCounts.figure],
			set: { count: sql`${accountDayCounts.count} + excluded.count` },
		});
}

/** The statement of `countByDay`, apart so a test can check its query plan. */
export function metricsStatement(db: Db, accountId: string, from: number, to: number) {
	return db
		.select({
			day: accountDayCounts.day,
			figure: accountDayCounts.figure,
			count: accountDayCounts.count,
		})
		.from(accountDayCounts)
		.where(
			and(
				eq(accountDayCounts.accountId, accountId),
				gte(accountDayCounts.day, dayOf(from)),
				lt(accountDayCounts.day, dayOf(to - 1) + 1),
			),
		);
}

/** Counts per day and figure in [from, to) (whole UTC days); absent where nothing happened. */
export async function countByDay(
	db: Db,
	accountId: string,
	from: number,
	to: number,
): Promise<DayCount[]> {
	const rows = await metricsStatement(db, accountId, from, to);
	return rows.map((row) => ({
		day: Number(row.day),
		figure: row.figure as Figure,
		count: Number(row.count),
	}));
}
