/**
 * How GET /emails's status and last_event filters see an email: through its send mark where it
 * has one (src/db/queries/send-marks.ts), through the state index's keys, and past the tally's
 * cursor, where emails on their way have no key yet (src/db/queries/email-list.ts runs them).
 */
import { eq, isNull, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import {
	cronCursors,
	EMAIL_EVENTS,
	EMAIL_STATUSES,
	type EmailEvent,
	type EmailStatus,
	emailStateKey,
} from "../schema.ts";
import { windowStart } from "./email-seq.ts";
import { TALLY_CURSOR } from "./metrics.ts";
import { deliveryMarkOf, sendMarkOf } from "./send-marks.ts";

/**
 * The columns the filters read, of `emails` or an alias of it; `seq` may be an expression of
 * the column (src/db/queries/email-list.ts compares `+seq` where the rowid's range is another's).
 */
export type FilteredColumns = Record<
	"status" | "lastEvent" | "domainId" | "id" | "sendGroup" | "sesMessageId",
	SQLiteColumn
> & { seq: SQLiteColumn | SQL };

/**
 * An email's last event as reads show it, where a mark may differ from its row
 * (src/db/queries/send-marks.ts): `sent` for a queued one whose send mark is not in its row yet,
 * `delivered` for one whose delivery is marked (which only marks emails it leaves sent and
 * delivered). Each lookup of a mark reads its JSON, so each value asks only what it needs.
 */
export function lastEventIs(t: FilteredColumns, lastEvent: EmailEvent): SQL | undefined {
	const delivered = deliveryMarkOf(t);
	switch (lastEvent) {
		case "delivered":
			return sql`(${t.lastEvent} = 'delivered' OR ${delivered} IS NOT NULL)`;
		case "queued":
			return sql`(${t.lastEvent} = 'queued' AND ${sendMarkOf(t)} IS NULL)`;
		case "sent":
			// A row as accepted is `sent` through its send entry, unless a delivery entry (looked
			// up first: it rules the email out in one read) says delivered.
			return sql`(${t.lastEvent} = 'sent' OR (${t.lastEvent} IN ('queued', 'scheduled') AND ${delivered} IS NULL AND ${sendMarkOf(t)} IS NOT NULL))`;
		default:
			return eq(t.lastEvent, lastEvent);
	}
}

/** An email's status as reads show it: a marked delivery moves `pending` to `sent`. */
export function statusIs(t: FilteredColumns, status: EmailStatus): SQL | undefined {
	const delivered = deliveryMarkOf(t);
	switch (status) {
		case "sent":
			return sql`(${t.status} = 'sent' OR ${delivered} IS NOT NULL)`;
		case "pending":
			return sql`(${t.status} = 'pending' AND ${delivered} IS NULL)`;
		default:
			return eq(t.status, status);
	}
}

/** The columns `onTheirWay` reads, of `emails` or an alias of it (`seq` as above). */
export type StateColumns = Record<
	"stateKey" | "status" | "id" | "sendGroup" | "sesMessageId",
	SQLiteColumn
> & { seq: SQLiteColumn | SQL };

/** The columns of `t`, `emails` or an alias of it, that the filters and `onTheirWay` read. */
export const filteredColumns = (
	t: Record<keyof FilteredColumns | keyof StateColumns, SQLiteColumn>,
) => ({
	status: t.status,
	lastEvent: t.lastEvent,
	domainId: t.domainId,
	id: t.id,
	sendGroup: t.sendGroup,
	sesMessageId: t.sesMessageId,
	stateKey: t.stateKey,
	seq: t.seq,
});

/** The first seq of the tally's cursor's window (NULL before the tally's first run). */
const tallyCursorSeq = sql`(SELECT ${windowStart("c.position")} FROM ${cronCursors} c WHERE c.name = ${TALLY_CURSOR})`;

/**
 * A narrowing of the account's list (src/db/queries/email-list.ts): the rows it keeps, and the
 * first seq they can have, which bounds the runs the list reads too.
 */
export interface Narrowing {
	from?: SQL;
	rows?: (t: StateColumns) => (SQL | undefined)[];
}

/**
 * Emails on their way with no state key: past the tally's cursor, where the insert leaves it,
 * and not delivered (in their rows or in marks).
 */
export const onTheirWay: Narrowing = {
	from: tallyCursorSeq,
	rows: (t) => [
		sql`${t.seq} >= ${tallyCursorSeq}`,
		isNull(t.stateKey),
		eq(t.status, "pending"),
		// A row still pending may have its delivery in a mark.
		sql`${deliveryMarkOf(t)} IS NULL`,
	],
};

/**
 * The state index's keys whose emails a status and last_event filter can match, or null when
 * the filter allows the common end state, which has no key (the caller filters the account's
 * emails instead).
 */
export function stateKeysFor(status?: EmailStatus, lastEvent?: EmailEvent): string[] | null {
	if (status === undefined && lastEvent === undefined) return null;
	const keys = new Set(
		(status ? [status] : EMAIL_STATUSES).flatMap((s) =>
			(lastEvent ? [lastEvent] : EMAIL_EVENTS).map((e) => emailStateKey(s, e)),
		),
	);
	if (keys.has(null)) return null;
	return [...keys] as string[];
}
