/**
 * Emails and their events. Writes are built as statements so callers can put several in one
 * `db.batch` (D1 has no interactive transactions; a batch commits or fails as a whole).
 */
import { and, asc, eq, getTableColumns, inArray } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunk } from "../../lib/chunk.ts";
import type { Db } from "../client.ts";
import { accounts, domains, emailEvents, emails } from "../schema.ts";
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

/** Timeline rows; a row whose dedupe key exists is skipped, and RETURNING names the new ones. */
export function insertEventsStatements(db: Db, rows: NewEmailEvent[]) {
	return chunk(rows, rowsPerInsert(emailEvents)).map((part) =>
		db.insert(emailEvents).values(part).onConflictDoNothing().returning({ id: emailEvents.id }),
	);
}

/** Runs statements as one D1 batch (all or nothing); each statement's rows, in order. */
export async function runBatch(db: Db, statements: Statement[]): Promise<unknown[]> {
	const [head, ...rest] = statements;
	if (!head) return [];
	return db.batch([head, ...rest]);
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

/**
 * The emails a send batch names (at most 100 ids), each with what decides whether it may still
 * go: its account's standing and its domain's verification, in one statement.
 */
export function findEmailsToSend(db: Db, ids: string[]) {
	return db
		.select({
			email: emails,
			account: {
				plan: accounts.plan,
				verificationStatus: accounts.verificationStatus,
				subscriptionStatus: accounts.subscriptionStatus,
				suspendedAt: accounts.suspendedAt,
				suspensionReason: accounts.suspensionReason,
			},
			domain: {
				name: domains.name,
				ownershipStatus: domains.ownershipStatus,
				dkimStatus: domains.dkimStatus,
			},
		})
		.from(emails)
		.leftJoin(accounts, eq(accounts.id, emails.accountId))
		.leftJoin(domains, eq(domains.id, emails.domainId))
		.where(inArray(emails.id, ids));
}

/** Loads the emails a queue batch names (at most 100 ids, one statement). */
export function findEmailsByIds(db: Db, ids: string[]) {
	return db.select().from(emails).where(inArray(emails.id, ids));
}

/**
 * Writes an email's lifecycle fields (src/domain/email-lifecycle.ts) only if the row is still at
 * the revision they were decided on; RETURNING says whether it was (no row: decide again).
 */
export function updateEmailStateStatement(
	db: Db,
	id: string,
	revision: number,
	state: Pick<
		EmailRow,
		"status" | "lastEvent" | "sesMessageId" | "sentAt" | "deliveredAt" | "failureReason"
	> & { deliveredTo: readonly string[] },
) {
	return db
		.update(emails)
		.set({
			status: state.status,
			lastEvent: state.lastEvent,
			sesMessageId: state.sesMessageId,
			sentAt: state.sentAt,
			deliveredAt: state.deliveredAt,
			failureReason: state.failureReason,
			deliveredTo: state.deliveredTo.length ? [...state.deliveredTo] : null,
			revision: revision + 1,
		})
		.where(and(eq(emails.id, id), eq(emails.revision, revision)))
		.returning({ id: emails.id });
}
