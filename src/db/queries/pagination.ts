/**
 * Keyset pagination over UUIDv7 ids, newest first, as Resend's lists are: `after` walks to
 * older rows, `before` to newer ones. One extra row is fetched to know `has_more`. Each list
 * query is a range scan on an `(account_id, id)` index, so its cost does not grow with the
 * account's size the way OFFSET would.
 */
import { asc, desc, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

export interface PageRequest {
	limit: number;
	after?: string;
	before?: string;
}

export interface Page<T> {
	rows: T[];
	hasMore: boolean;
}

/**
 * The keyset's condition on a column; `position`, when the column is not the id itself, turns
 * the cursor's id into that column's value (an email's `seq`, src/db/queries/email-seq.ts).
 */
export type Where = (column: SQLiteColumn | SQL, position?: (id: string) => SQL) => SQL | undefined;
export type Order = (id: SQLiteColumn) => SQL;

/** Whether a page's query runs oldest first (a `before` page). */
export const isAscending = (order: Order) => order === asc;

/** The same pages over rows already in memory (a short list kept in one row, like a log). */
export function keysetPageOf<T extends { id: string }>(all: T[], page: PageRequest): Page<T> {
	const { limit, after, before } = page;
	const newestFirst = [...all].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
	if (before) {
		const newer = newestFirst.filter((row) => row.id > before);
		return { rows: newer.slice(-limit), hasMore: newer.length > limit };
	}
	const older = after ? newestFirst.filter((row) => row.id < after) : newestFirst;
	return { rows: older.slice(0, limit), hasMore: older.length > limit };
}

export async function keysetPage<T>(
	page: PageRequest,
	query: (where: Where, order: Order) => Promise<T[]>,
): Promise<Page<T>> {
	const { limit, after, before } = page;
	const rows = before
		? await query(
				(column, position) => sql`${column} > ${position ? position(before) : before}`,
				asc,
			)
		: await query(
				(column, position) =>
					after ? sql`${column} < ${position ? position(after) : after}` : undefined,
				desc,
			);
	const hasMore = rows.length > limit;
	const kept = rows.slice(0, limit);
	return { rows: before ? kept.reverse() : kept, hasMore };
}
