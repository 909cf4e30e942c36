/**
 * Send marks: SES's acceptance of recent emails, recorded for many emails in one row.
 *
 * Why: the send consumer wrote each email's row when SES accepted it (its SES message id, when,
 * `last_event: sent`), and seconds later the delivery notification wrote the row again, a write
 * that could carry all of it. D1 bills each row written, so that was a row per email for a state
 * that lasts seconds. Now the consumer records a group of results in one `send_marks` row and
 * the next write of each email stores them with its own.
 *
 * How:
 * - At acceptance, the emails of one queue message get one send group (`newSendGroup`; the
 *   group commit of src/domain/email-storage.ts tells each request its message's): the consumer
 *   gets them together, so one write's results share one mark. A group is kept that small on
 *   purpose: finding an email's mark reads every row of its group (one per consumer write that
 *   reported some of it), so a group of many messages would make each read long. A scheduled
 *   email has none, and its send is written as before.
 * - The recorder (src/domain/email-recorder.ts) puts three or more sends of one group in one
 *   write in one row (`markSendsStatement`): `{ email id: [SES message id, sent at] }`, only
 *   those the minute's tally has not passed (their id at or past its cursor) and whose rows are
 *   as the consumer read them, both checked in the statement. The others are written as
 *   before, as are failures, which change more.
 * - Every read of an email sees its mark (`sendMarkOf`, `withSendMark`): the consumer's check of
 *   what is still to send (so a redelivered message sends nothing twice), GET /emails and its
 *   filters, feedback's check of the SES message id.
 * - The next lifecycle write of the email (its delivery, nearly always) stores the mark's
 *   fields with its own (`unmarked`, used by `updateEmailStateStatement`).
 * - The tally folds the marks of the emails it passes that no write has stored yet
 *   (`foldSendMarksStatement`), in the batch that counts them and moves its cursor. So an
 *   email behind the cursor is always its row alone: the state index's filters and the sweep
 *   of stuck emails read rows only.
 * - Each minute, marks whose emails all hold their sends are deleted (`forgetStoredMarks`).
 *   A mark costs two rows written, its insert and its delete (D1 bills both), shared by its
 *   emails: a fiftieth each for a batch's, two thirds of a row for three singles that shared a
 *   message. Fewer than three sends cost less as their own writes, so a single alone in its
 *   message (an isolate serving one request at a time) is written as before.
 */
import { type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Db } from "../client.ts";
import { emails, type SendResult, sendMarks } from "../schema.ts";
import { aliasHasId } from "./email-seq.ts";
import { tallyCursor } from "./metrics.ts";

/** A send group's key: its creation time in ms times 1,024 plus a random part (below 2^53). */
const GROUP_SPREAD = 1024;
/** A new send group, for the emails one request queues at `now`. */
export function newSendGroup(now: number): number {
	return now * GROUP_SPREAD + Math.floor(Math.random() * GROUP_SPREAD);
}

/** The columns a mark is found by, of `emails` or an alias of it. */
type MarkedColumns = Record<"id" | "sendGroup" | "sesMessageId", SQLiteColumn | SQL>;

/** JSON path of an email's entry in a mark's results. */
const entryPath = (id: SQLiteColumn | SQL) => sql`'$."' || ${id} || '"'`;

/**
 * An email's mark not yet stored in its row, as JSON text (`[ses_message_id, sent_at]`), or
 * NULL. Reads nothing for an email without a send group or already holding its SES id.
 */
export function sendMarkOf(e: MarkedColumns): SQL<string | null> {
	return sql<
		string | null
	>`CASE WHEN ${e.sendGroup} IS NULL OR ${e.sesMessageId} IS NOT NULL THEN NULL ELSE (SELECT json_extract(m.results, ${entryPath(e.id)}) FROM ${sendMarks} m WHERE m.group_key = ${e.sendGroup} AND json_type(m.results, ${entryPath(e.id)}) = 'array' LIMIT 1) END`;
}

/** What a read adds to an email's row: its mark, if one is not stored yet. */
export interface SendMark {
	sesMessageId: string;
	sentAt: number;
	/** The row's own `last_event`, which the mark moved to `sent`. */
	storedLastEvent: string;
}

interface MarkableRow {
	sesMessageId: string | null;
	sentAt: number | null;
	lastEvent: string;
}

/** The row as its mark makes it (what the recorder would have written), with `sendMark` set. */
export function withSendMark<T extends MarkableRow>(
	row: T & { sendMark: string | null },
): Omit<T, "sendMark"> & { sendMark: SendMark | null } {
	const { sendMark: text, ...rest } = row;
	if (text === null || row.sesMessageId !== null) return { ...rest, sendMark: null };
	const [sesMessageId, sentAt] = JSON.parse(text) as SendResult;
	return {
		...rest,
		sesMessageId,
		sentAt,
		lastEvent: movedToSent(row.lastEvent) as T["lastEvent"],
		sendMark: { sesMessageId, sentAt, storedLastEvent: row.lastEvent },
	};
}

/** `last_event` once SES accepted the email: `sent`, unless a later event already moved it. */
const movedToSent = (lastEvent: string) =>
	lastEvent === "queued" || lastEvent === "scheduled" ? "sent" : lastEvent;

/** The row as stored, before its mark: what a write compares its new fields with. */
export function unmarked<T extends MarkableRow & { sendMark?: SendMark | null }>(row: T): T {
	if (!row.sendMark) return row;
	return {
		...row,
		sesMessageId: null,
		sentAt: null,
		lastEvent: row.sendMark.storedLastEvent as T["lastEvent"],
	};
}

/** A send to record: SES's message id, when, and the row's revision the send was decided on. */
export type MarkedSend = [sesMessageId: string, sentAt: number, revision: number];

/**
 * Records SES's acceptance of a send group's emails in one row, keeping only those the tally
 * has not passed (none before its first run) and whose rows are still at the revision the send
 * was decided on (a notification that came first may have recorded it). RETURNING gives the
 * results kept: the caller decides the others again on their rows, as after a lost race.
 */
export function markSendsStatement(db: Db, sendGroup: number, sends: Record<string, MarkedSend>) {
	const part = Math.floor(Math.random() * Number.MAX_SAFE_INTEGER);
	const asRead = sql`EXISTS (SELECT 1 FROM ${emails} e WHERE ${aliasHasId("j.key")} AND e.revision = json_extract(j.value, '$[2]'))`;
	const result = sql`json_array(json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'))`;
	return db
		.insert(sendMarks)
		.select(
			sql`SELECT ${sendGroup}, ${part}, json_group_object(j.key, ${result}) FROM json_each(${JSON.stringify(sends)}) j WHERE j.key >= ${tallyCursor} AND ${asRead} HAVING COUNT(*) > 0`,
		)
		.returning({ results: sendMarks.results });
}

/**
 * Stores in their rows the marks of the emails `inPage` selects that no write stored yet, as
 * the recorder would have: SES's id, when, and `last_event: sent` unless a later event is
 * there. The revision moves, so a write decided on the row before decides again.
 */
export function foldSendMarksStatement(db: Db, inPage: SQL) {
	const e = {
		id: sql.raw(`"emails"."id"`),
		sendGroup: sql.raw(`"emails"."send_group"`),
		sesMessageId: sql.raw(`"emails"."ses_message_id"`),
		lastEvent: sql.raw(`"emails"."last_event"`),
	};
	const mark = sendMarkOf(e);
	return db
		.update(emails)
		.set({
			sesMessageId: sql`json_extract(${mark}, '$[0]')`,
			sentAt: sql`json_extract(${mark}, '$[1]')`,
			lastEvent: sql`CASE WHEN ${e.lastEvent} IN ('queued', 'scheduled') THEN 'sent' ELSE ${e.lastEvent} END`,
			revision: sql`${emails.revision} + 1`,
		})
		.where(
			sql`${inPage} AND ${e.sendGroup} IS NOT NULL AND ${e.sesMessageId} IS NULL AND ${mark} IS NOT NULL`,
		);
}

/** Marks the minute's clean-up reads at most, oldest first. */
const FORGET_BATCH = 10_000;

/**
 * Deletes the marks whose every email holds its send in its row (its delivery, or the tally,
 * stored it) or is gone: nothing reads them any more. Run each minute, so a mark lives about
 * as long as its emails' first notifications take, and the deletes (D1 bills a deleted row as
 * written) fall in the same minutes as the sends.
 */
export async function forgetStoredMarks(db: Db): Promise<number> {
	const unstored = sql`SELECT 1 FROM json_each(m.results) j, ${emails} e WHERE ${aliasHasId("j.key")} AND e.ses_message_id IS NULL`;
	const oldest = sql`SELECT m.group_key, m.part FROM ${sendMarks} m WHERE NOT EXISTS (${unstored}) ORDER BY m.group_key LIMIT ${FORGET_BATCH}`;
	const gone = await db
		.delete(sendMarks)
		.where(sql`(${sendMarks.sendGroup}, ${sendMarks.part}) IN (${oldest})`)
		.returning({ part: sendMarks.part });
	return gone.length;
}
