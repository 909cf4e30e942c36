/** Attachments' metadata (their bytes are in R2, src/domain/email-storage.ts). */
import { and, asc, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunk } from "../../lib/chunk.ts";
import type { Db } from "../client.ts";
import { emailAttachments } from "../schema.ts";
import { idIn } from "./emails.ts";

export type AttachmentRow = typeof emailAttachments.$inferSelect;

/** 9 columns: 11 rows per INSERT stays under D1's 100 bound parameters. */
const ROWS_PER_INSERT = 11;

export function insertAttachmentsStatements(db: Db, rows: AttachmentRow[]): BatchItem<"sqlite">[] {
	return chunk(rows, ROWS_PER_INSERT).map((part) => db.insert(emailAttachments).values(part));
}

/** An email's attachments in the order they were given (the caller has checked the email's account). */
export function findAttachmentsOfEmail(db: Db, accountId: string, emailId: string) {
	return db
		.select()
		.from(emailAttachments)
		.where(and(eq(emailAttachments.emailId, emailId), eq(emailAttachments.accountId, accountId)))
		.orderBy(asc(emailAttachments.position));
}

/** The attachments of several emails (a send batch's), in order, in one statement. */
export function findAttachmentsOfEmails(db: Db, emailIds: string[]) {
	return db
		.select()
		.from(emailAttachments)
		.where(idIn(emailAttachments.emailId, emailIds))
		.orderBy(asc(emailAttachments.emailId), asc(emailAttachments.position));
}

/** One attachment by its email and id, whoever asks (a signed download link carries both). */
export async function findAttachment(db: Db, emailId: string, id: string) {
	const [row] = await db
		.select()
		.from(emailAttachments)
		.where(and(eq(emailAttachments.emailId, emailId), eq(emailAttachments.id, id)))
		.limit(1);
	return row;
}
