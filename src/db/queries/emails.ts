/**
 * Emails and their events. Writes are built as statements so callers can put several in one
 * `db.batch` (D1 has no interactive transactions; a batch commits or fails as a whole).
 */
import { and, asc, eq, getTableColumns, inArray } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunk } from "../../lib/chunk.ts";
import type { Db } from "../client.ts";
import { emailEvents, emails } from "../schema.ts";
import { keysetPage, type PageRequest } from "./pagination.ts";

export type EmailRow = typeof emails.$inferSelect;
export type NewEmail = typeof emails.$inferInsert;
export type NewEmailEvent = typeof emailEvents.$inferInsert;
type Statement = BatchItem<"sqlite">;

/**
 * D1 binds at most 100 parameters per statement, and a multi-row INSERT binds every column of
 * every row: rows per INSERT = floor(100 / columns).
 */
export function rowsPerInsert(table: typeof emails | typeof emailEvents): number {
	return Math.floor(100 / Object.keys(getTableColumns(table)).length);
}

export function insertEmailsStatements(db: Db, rows: NewEmail[]): Statement[] {
	return chunk(rows, rowsPerInsert(emails)).map((part) => db.insert(emails).values(part));
}

export function insertEventsStatements(db: Db, rows: NewEmailEvent[]): Statement[] {
	return chunk(rows, rowsPerInsert(emailEvents)).map((part) =>
		db.insert(emailEvents).values(part).onConflictDoNothing(),
	);
}

export async function runBatch(db: Db, statements: Statement[]): Promise<void> {
	const [head, ...rest] = statements;
	if (head) await db.batch([head, ...rest]);
}

export async function deleteEmails(db: Db, ids: string[]): Promise<void> {
	await runBatch(
		db,
		chunk(ids, 100).map((part) => db.delete(emails).where(inArray(emails.id, part))),
	);
}

/** The email and its timeline, or undefined if it is not this account's. */
export async function findEmailWithEvents(db: Db, accountId: string, id: string) {
	const [found, events] = await db.batch([
		db
			.select()
			.from(emails)
			.where(and(eq(emails.accountId, accountId), eq(emails.id, id)))
			.limit(1),
		db
			.select()
			.from(emailEvents)
			.where(and(eq(emailEvents.emailId, id), eq(emailEvents.accountId, accountId)))
			.orderBy(asc(emailEvents.occurredAt), asc(emailEvents.id)),
	]);
	const email = found[0];
	return email ? { email, events } : undefined;
}

export const listColumns = {
	id: emails.id,
	from: emails.from,
	to: emails.to,
	cc: emails.cc,
	bcc: emails.bcc,
	replyTo: emails.replyTo,
	subject: emails.subject,
	status: emails.status,
	lastEvent: emails.lastEvent,
	createdAt: emails.createdAt,
	sentAt: emails.sentAt,
	deliveredAt: emails.deliveredAt,
	failureReason: emails.failureReason,
};

export function listEmails(db: Db, accountId: string, page: PageRequest) {
	return keysetPage(page, (where, order) =>
		db
			.select(listColumns)
			.from(emails)
			.where(and(eq(emails.accountId, accountId), where(emails.id)))
			.orderBy(order(emails.id))
			.limit(page.limit + 1),
	);
}

/** Loads the emails a queue batch names (at most 100 ids, one statement). */
export function findEmailsByIds(db: Db, ids: string[]) {
	return db.select().from(emails).where(inArray(emails.id, ids));
}

export function markSentStatement(db: Db, id: string, sesMessageId: string, at: number) {
	return db
		.update(emails)
		.set({ sesMessageId, lastEvent: "sent", sentAt: at })
		.where(and(eq(emails.id, id), eq(emails.lastEvent, "queued")));
}

/** Marks an email that never reached SES as failed (it must still be `queued`). */
export function markSendFailedStatement(db: Db, id: string, reason: string) {
	return db
		.update(emails)
		.set({ status: "failed", lastEvent: "failed", failureReason: reason })
		.where(and(eq(emails.id, id), eq(emails.lastEvent, "queued")));
}
