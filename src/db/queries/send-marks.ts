/**
 * Send marks: SES's acceptance of recent emails, and their deliveries, recorded for many emails
 * in one row.
 *
 * Why: the send consumer wrote each email's row when SES accepted it (its SES message id, when,
 * `last_event: sent`), and seconds later the delivery notification wrote the row again, a write
 * that could carry all of it. D1 bills each row written, so that was a row per email for a state
 * that lasts seconds. Now the consumer records a group of results in one `send_marks` row and
 * the next write of each email stores them with its own.
 *
 * How:
 * - At acceptance, the emails of one queue message get one send group (`newSendGroup`; the
 *   group commit of src/domain/email-storage.ts tells each request its message's), shared with
 *   the isolate's other messages of the same tenth of a second (src/domain/send-groups.ts): the
 *   consumer mostly gets them together, so one write's results share one mark. A group is kept
 *   to about a hundred emails, as a batch request's: finding an email's mark reads every row of
 *   its group (one per consumer write or recorder batch that reported some of it), so a larger
 *   group would make each read long. A scheduled email has none, and its send is written as
 *   before.
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
 *
 * Deliveries (docs/scaling.md, "Deliveries in marks"): a delivery notification was the last
 * write of nearly every email's row, a row written per email for a fact no filter needs (the
 * state index leaves delivered emails out). The delivery of two or more emails of one group,
 * recorded in one write, goes in a mark of its own whose entries hold the send and what the
 * delivery changed (`MarkedDelivery`), and is never folded into the rows:
 * - only for an email whose send is in a mark, whose account had no webhook endpoint at
 *   acceptance, that the tally has not passed, and whose mark is still the one the recorder read
 *   (so no two deliveries of an email are marked: the second is written to the row);
 * - a read takes an email's delivery entry over its send entry, and applies it
 *   (`withSendMark`); the list's status and last_event filters see a marked delivery as sent
 *   and delivered (`deliveryMarkOf`, src/db/queries/email-state-filters.ts); the tally counts
 *   the delivery's timeline and leaves the email without a state key, as a delivered email;
 * - a later event (a bounce after the delivery, a complaint, an open) writes the row with the
 *   mark's fields, as a send's next write does; every row write requires the email's mark to be
 *   the one it read, so a write that missed a mark written meanwhile decides again;
 * - the mark stays until its emails are gone: the retention purge deletes it with the last of
 *   them (`forgetMarksOfStatement`).
 * The mark costs its insert, shared by the deliveries it holds, and its delete at the purge.
 */
import { type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { HOUR } from "../../lib/time.ts";
import type { Db } from "../client.ts";
import { emails, type MarkedDelivery, type SendResult, sendMarks } from "../schema.ts";
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
 * An email's mark not yet stored in its row, as JSON text (`[ses_message_id, sent_at]`, with
 * the delivery's change after them once delivered), or NULL: the delivery's entry if there is
 * one, else the send's. Reads nothing for an email without a send group or already holding its
 * SES id.
 */
export function sendMarkOf(e: MarkedColumns): SQL<string | null> {
	const path = entryPath(e.id);
	return sql<
		string | null
	>`CASE WHEN ${e.sendGroup} IS NULL OR ${e.sesMessageId} IS NOT NULL THEN NULL ELSE COALESCE(${entryIn(e.sendGroup, sql`json_array_length(m.results, ${path}) > 2`, path)}, ${entryIn(e.sendGroup, sql`json_type(m.results, ${path}) = 'array'`, path)}) END`;
}

/** An entry of the group's marks that `where` keeps, or NULL. */
function entryIn(group: SQLiteColumn | SQL, where: SQL, path: SQL) {
	return sql`(SELECT json_extract(m.results, ${path}) FROM ${sendMarks} m WHERE m.group_key = ${group} AND ${where} LIMIT 1)`;
}

/**
 * An email's delivery entry not yet stored in its row (as `sendMarkOf`'s, when it has one), or
 * NULL. A marked delivery always leaves its email sent and delivered
 * (src/domain/send-marking.ts), so the list's filters need only whether there is one: one
 * lookup of the group's marks where `sendMarkOf` may take two.
 */
export function deliveryMarkOf(e: MarkedColumns): SQL<string | null> {
	const path = entryPath(e.id);
	return sql<
		string | null
	>`CASE WHEN ${e.sendGroup} IS NULL OR ${e.sesMessageId} IS NOT NULL THEN NULL ELSE ${entryIn(e.sendGroup, sql`json_array_length(m.results, ${path}) > 2`, path)} END`;
}

/** The fields a mark changes, as the row stores them (what a write compares its own with). */
const MARKED_FIELDS = [
	"sesMessageId",
	"sentAt",
	"lastEvent",
	"status",
	"deliveredAt",
	"deliveredTo",
	"timeline",
] as const;

interface MarkableRow {
	sesMessageId: string | null;
	sentAt: number | null;
	lastEvent: string;
	status: string;
	deliveredAt: number | null;
	/** Absent from the list's rows, which do not show them. */
	deliveredTo?: string[] | null;
	timeline?: { key: string }[] | null;
}

/** What a read adds to an email's row: its mark, if one is not stored yet. */
export interface SendMark {
	/** The entry as read (JSON text): a write of the row requires it unchanged. */
	text: string;
	/** The marked fields as the row stores them. */
	stored: Pick<MarkableRow, (typeof MARKED_FIELDS)[number]>;
	/** Whether the entry holds the email's delivery, not only its send. */
	delivered: boolean;
}

/** The row as its mark makes it (what the recorder would have written), with `sendMark` set. */
export function withSendMark<T extends MarkableRow>(
	row: T & { sendMark: string | null },
): Omit<T, "sendMark"> & { sendMark: SendMark | null } {
	const { sendMark: text, ...rest } = row;
	if (text === null || row.sesMessageId !== null) return { ...rest, sendMark: null };
	const [sesMessageId, sentAt, delivery] = JSON.parse(text) as SendResult;
	const stored = Object.fromEntries(MARKED_FIELDS.map((f) => [f, row[f]])) as SendMark["stored"];
	const sent = { ...rest, sesMessageId, sentAt, lastEvent: movedToSent(row.lastEvent) };
	const marked = delivery ? { ...sent, ...delivered(row, delivery) } : sent;
	return { ...(marked as Omit<T, "sendMark">), sendMark: { text, stored, delivered: !!delivery } };
}

/** A marked delivery's fields, with its timeline entries after the row's (where it has them). */
const delivered = (row: MarkableRow, d: MarkedDelivery) => ({
	status: d.status,
	lastEvent: d.lastEvent,
	deliveredAt: d.deliveredAt,
	...("deliveredTo" in row ? { deliveredTo: d.deliveredTo.length ? d.deliveredTo : null } : {}),
	...("timeline" in row ? { timeline: [...(row.timeline ?? []), ...d.timeline] } : {}),
});

/** `last_event` once SES accepted the email: `sent`, unless a later event already moved it. */
const movedToSent = (lastEvent: string) =>
	lastEvent === "queued" || lastEvent === "scheduled" ? "sent" : lastEvent;

/** The row as stored, before its mark: what a write compares its new fields with. */
export function unmarked<T extends MarkableRow & { sendMark?: SendMark | null }>(row: T): T {
	return row.sendMark ? { ...row, ...row.sendMark.stored } : row;
}

/**
 * What a write of an email's row requires of its mark: still the one the email was read with
 * (none, or the same entry). Without it, a write that read the email before a delivery was
 * marked would store the send and hide the delivery. Nothing for an email that cannot have one.
 */
export function sameMarkAs(email: {
	sendGroup: number | null;
	sesMessageId: string | null;
	sendMark?: SendMark | null;
}): SQL | undefined {
	const stored = email.sendMark ? email.sendMark.stored.sesMessageId : email.sesMessageId;
	if (email.sendGroup == null || stored !== null) return undefined;
	return sql`${sendMarkOf(emails)} IS ${email.sendMark?.text ?? null}`;
}

/**
 * What a mark records of an email: its entry (`[ses_message_id, sent_at]`, with a delivery's
 * change after them), the row's revision it was decided on, and the mark it was read with.
 */
export type MarkedEntry = [entry: SendResult, revision: number, readMark: string | null];

/**
 * Records a send group's entries in one row, keeping only emails the tally has not passed
 * (none before its first run) whose rows are still at the revision the entry was decided on
 * and whose marks are still the ones read (a notification may have written the row first, a
 * delivery may have been marked meanwhile). RETURNING gives the entries kept: the caller
 * decides the others again on their rows, as after a lost race.
 */
export function markStatement(db: Db, sendGroup: number, entries: Record<string, MarkedEntry>) {
	const part = Math.floor(Math.random() * Number.MAX_SAFE_INTEGER);
	const mark = sendMarkOf({
		id: sql`e.id`,
		sendGroup: sql`e.send_group`,
		sesMessageId: sql`e.ses_message_id`,
	});
	const asRead = sql`EXISTS (SELECT 1 FROM ${emails} e WHERE ${aliasHasId("j.key")} AND e.revision = json_extract(j.value, '$[1]') AND ${mark} IS json_extract(j.value, '$[2]'))`;
	return db
		.insert(sendMarks)
		.select(
			sql`SELECT ${sendGroup}, ${part}, json_group_object(j.key, json(json_extract(j.value, '$[0]'))) FROM json_each(${JSON.stringify(entries)}) j WHERE j.key >= ${tallyCursor} AND ${asRead} HAVING COUNT(*) > 0`,
		)
		.returning({ results: sendMarks.results });
}

/**
 * Stores in their rows the send marks of the emails `inPage` selects that no write stored yet,
 * as the recorder would have: SES's id, when, and `last_event: sent` unless a later event is
 * there. The revision moves, so a write decided on the row before decides again. A marked
 * delivery stays in its mark.
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
			sql`${inPage} AND ${e.sendGroup} IS NOT NULL AND ${e.sesMessageId} IS NULL AND json_array_length(${mark}) = 2`,
		);
}

/** Marks the minute's clean-up reads at most, oldest first. */
const FORGET_BATCH = 10_000;
/**
 * How far back the minute's clean-up looks: the tally stores a send mark within minutes, and a
 * delivery's mark is never stored, so older marks are left to the purge.
 */
const FORGET_WITHIN = HOUR;

/**
 * Deletes the recent marks whose every email holds its send in its row (its delivery, or the
 * tally, stored it) or is gone: nothing reads them any more. Run each minute, so a send mark
 * lives about as long as its emails' first notifications take, and the deletes (D1 bills a
 * deleted row as written) fall in the same minutes as the sends. A mark of deliveries stays.
 */
export async function forgetStoredMarks(db: Db, now = Date.now()): Promise<number> {
	const unstored = sql`SELECT 1 FROM json_each(m.results) j, ${emails} e WHERE ${aliasHasId("j.key")} AND e.ses_message_id IS NULL`;
	const since = (now - FORGET_WITHIN) * GROUP_SPREAD;
	const oldest = sql`SELECT m.group_key, m.part FROM ${sendMarks} m WHERE m.group_key >= ${since} AND NOT EXISTS (${unstored}) ORDER BY m.group_key LIMIT ${FORGET_BATCH}`;
	const gone = await db
		.delete(sendMarks)
		.where(sql`(${sendMarks.sendGroup}, ${sendMarks.part}) IN (${oldest})`)
		.returning({ part: sendMarks.part });
	return gone.length;
}

/**
 * Deletes the marks of these send groups none of whose emails is left: for the purge's batch,
 * after its deletes, so a group's marks go with the last of its emails.
 */
export function forgetMarksOfStatement(db: Db, groups: number[]) {
	const left = sql`SELECT 1 FROM json_each(${sendMarks.results}) j, ${emails} e WHERE ${aliasHasId("j.key")}`;
	return db
		.delete(sendMarks)
		.where(
			sql`${sendMarks.sendGroup} IN (SELECT value FROM json_each(${JSON.stringify(groups)})) AND NOT EXISTS (${left})`,
		);
}
