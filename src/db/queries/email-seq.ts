/**
 * `emails.seq`: where an email is in the log, and the table's integer primary key (its rowid).
 *
 * An email's id is a UUIDv7: 48 bits of time, then a 12-bit counter that one isolate increases
 * for each id of the same millisecond (src/lib/ids.ts). Its window is those 60 bits times eight:
 * eight slots that no other time and counter shares. The insert puts the email in the first
 * free slot of its window, nearly always the first; two emails get the same window only when
 * two isolates pick the same counter in the same millisecond. So:
 * - the email is found from its id by a seek of its window (at most eight rows, nearly always
 *   one) and a check of the id, with no index of ids: a rowid table keyed by the text id kept
 *   one, and each email wrote a row in it;
 * - the log's order is its ids' order (time, then counter; emails sharing a window go in the
 *   order they were stored), so every index, which ends with the rowid, lists emails in that
 *   order, and a time is a range of seqs: `seqFloor(idFloor(t))` is the first seq of `t`.
 *
 * A seq has 63 bits, more than a JavaScript number holds exactly (D1 answers integers as
 * numbers), so seqs are computed and compared in SQL only, from ids, and never read.
 */
import { type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { emails } from "../schema.ts";

/** Slots a window holds: the emails that can share an id's time and counter. */
export const SLOTS = 8;

const slots = sql.raw(String(SLOTS));

/** The id's characters (1-based) that hold its time and counter. */
const DIGITS = [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 16, 17, 18];

/**
 * The first seq of the window of the id `id` names (SQL text: a column, or an expression that
 * binds nothing): the 15 hex digits of its time and counter (the id's characters 1–8, 10–13 and
 * 16–18, 1-based) as a number, times eight. The one definition: the queries, the migration that
 * made `seq` (migrations/0033 spells out this text) and the benchmark's seeds use it.
 */
export function windowStartText(id: string): string {
	const digits = DIGITS.map((at, i) => {
		const weight = 16n ** BigInt(DIGITS.length - 1 - i) * BigInt(SLOTS);
		return `(instr('0123456789abcdef', substr(${id}, ${at}, 1)) - 1) * ${weight}`;
	});
	return balancedSum(digits);
}

/** `a + b + …` as a balanced tree: D1 refuses expressions more than 100 deep. */
function balancedSum(terms: string[]): string {
	if (terms.length === 1) return terms[0] as string;
	const half = Math.ceil(terms.length / 2);
	return `(${balancedSum(terms.slice(0, half))} + ${balancedSum(terms.slice(half))})`;
}

/** `windowStartText` as SQL: seeks need the expression itself, not a subquery, to be a range. */
export const windowStart = (id: string): SQL => sql.raw(windowStartText(id));

/**
 * The first seq of a given id's window (an email's, a time's from `idFloor`, or a cursor's),
 * computed here and written into the statement as a number (its digits only, so nothing of
 * the id reaches the SQL): -1, before every seq, for text that is not an id (a notification's
 * tag, say).
 */
export function seqFloor(id: string): SQL {
	const hex = DIGITS.map((at) => id.charAt(at - 1)).join("");
	const start = /^[0-9a-f]{15}$/.test(hex) ? BigInt(`0x${hex}`) * BigInt(SLOTS) : -1n;
	return sql.raw(start.toString());
}

type SeqColumns = { seq: SQLWrapper; id: SQLWrapper };

/**
 * The row of `emails` (or an alias of it) with the id `id` gives: its window's seek, then the
 * id. `start` is the window's first seq, computed from `id` (a bound id's is `seqFloor`).
 */
export function isEmail(row: SeqColumns, id: SQLWrapper, start: SQL): SQL {
	return sql`${row.seq} >= ${start} AND ${row.seq} < ${start} + ${slots} AND ${row.id} = ${id}`;
}

/** The email with this id. */
export function emailWithId(id: string): SQL {
	return isEmail(emails, sql`${id}`, seqFloor(id));
}

/**
 * `e`, the caller's alias of `emails`, is the email whose id is the SQL expression `id` (a JSON
 * value, another table's column): a seek of the window the expression's id gives.
 */
export function aliasHasId(id: string): SQL {
	return isEmail({ seq: sql`e.seq`, id: sql`e.id` }, sql.raw(id), windowStart(id));
}

/**
 * The emails with these ids (one JSON parameter, however many: D1 binds at most 100 a
 * statement), each by a seek of its window.
 */
export function emailsWithIds(ids: string[]): SQL {
	return sql`${emails.seq} IN (SELECT e.seq FROM json_each(${JSON.stringify(ids)}) j, ${emails} e WHERE ${aliasHasId("j.value")})`;
}

/**
 * The seq of the email with this id, or its window's first when there is none (a cursor whose
 * email was purged): where a walk or a page that stopped at that email goes on from.
 */
export function seqOf(id: string): SQL {
	const e = { seq: sql`e.seq`, id: sql`e.id` };
	const start = seqFloor(id);
	return sql`COALESCE((SELECT e.seq FROM ${emails} e WHERE ${isEmail(e, sql`${id}`, start)}), ${start})`;
}

/**
 * A new email's seq: the slot after the last taken in its window, the first if none is. An id
 * already stored (a notice's, derived from what it announces, stored by two racing dispatches)
 * or a full window (eight emails of one time and counter) gives a value the rowid refuses, so
 * the insert fails as a taken primary key did, rather than store an id twice or take a slot of
 * another window. The ids of one statement come from one isolate, so their windows differ and
 * each row's choice is its own.
 */
export function newSeq(id: string): SQL {
	const start = seqFloor(id);
	const last = sql.raw(String(SLOTS - 1));
	return sql`(SELECT CASE WHEN MAX(e.id = ${id}) THEN 'id taken' WHEN MAX(e.seq) IS NULL THEN ${start} WHEN MAX(e.seq) < ${start} + ${last} THEN MAX(e.seq) + 1 ELSE 'no free slot' END FROM ${emails} e WHERE e.seq >= ${start} AND e.seq < ${start} + ${slots})`;
}

/**
 * The smallest id of an id's window: its time and counter, then zeros (with the variant's
 * bits). Ids and seqs agree on either side of it, so a walk that keeps its place as an id stops
 * at one of these (src/cron/tally-day-figures.ts).
 */
export function windowFloorId(id: string): string {
	return `${id.slice(0, 19)}8000-000000000000`;
}

/** The smallest id of the window after an id's: its time and counter plus one. */
export function nextWindowFloorId(id: string): string {
	const hex = (BigInt(`0x${id.slice(0, 8)}${id.slice(9, 13)}${id.slice(15, 18)}`) + 1n)
		.toString(16)
		.padStart(15, "0");
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(12)}-8000-000000000000`;
}
