/**
 * Emails and their events. Writes are built as statements so callers can put several in one
 * `db.batch` (D1 has no interactive transactions; a batch commits or fails as a whole).
 */
import { and, eq, getTableColumns, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteColumn, SQLiteInsertValue } from "drizzle-orm/sqlite-core";
import { recipientAddresses } from "../../lib/addresses.ts";
import type { Db } from "../client.ts";
import {
	accounts,
	domains,
	emailAttachments,
	emailRecipients,
	emailStateKey,
	emails,
	emailTags,
	nextStateKey,
	ON_ITS_WAY_KEY,
} from "../schema.ts";
import { unpackBodies } from "./email-bodies.ts";
import {
	keepRunsListed,
	planRuns,
	type RunPart,
	runChecksBound,
	runColumns,
} from "./email-runs.ts";
import { emailsWithIds, emailWithId, newSeq } from "./email-seq.ts";
import { tallyCursor } from "./metrics.ts";
import {
	forgetMarksOfStatement,
	type SendMark,
	sameMarkAs,
	sendMarkOf,
	unmarked,
	withSendMark,
} from "./send-marks.ts";

/**
 * An email's columns as JavaScript reads them: all but `seq` (src/db/queries/email-seq.ts), and
 * its send mark not yet stored in the row (src/db/queries/send-marks.ts), which `withSendMark`
 * applies.
 */
const { seq: _seq, ...readable } = getTableColumns(emails);
export const emailColumns = { ...readable, sendMark: sendMarkOf(emails) };
/** An email as every read sees it: its row with its send mark applied (`sendMark` says so). */
export type EmailRow = Omit<typeof emails.$inferSelect, "seq"> & { sendMark?: SendMark | null };
export type NewEmail = Omit<typeof emails.$inferInsert, "seq">;
export type Statement = BatchItem<"sqlite">;

/** D1 binds at most this many parameters per statement. */
const MAX_BOUND = 100;
/**
 * What the SQL of a new row binds at most besides its run's checks (`withKeys`): its seq the id
 * (`newSeq`), its state key's CASE three (the id, the key and the tally cursor's name).
 */
const BOUND_BY_KEYS = 4;
const emailsColumns = Object.entries(getTableColumns(emails));

/**
 * The parameters a row binds in a multi-row INSERT, at most: each value it gives (null too), each
 * default of a column it leaves out (drizzle binds those; a column without one is a literal
 * NULL), and its keys' SQL.
 */
function boundBy(row: NewEmail, part: RunPart): number {
	const given = row as Record<string, unknown>;
	return emailsColumns.reduce(
		(n, [key, column]) => n + (given[key] !== undefined || column.hasDefault ? 1 : 0),
		BOUND_BY_KEYS + runChecksBound(part),
	);
}

/** The rows in INSERTs of as many rows as D1's parameter bound allows, in order. */
function insertsOf(
	db: Db,
	rows: { row: NewEmail; part: RunPart; value: SQLiteInsertValue<typeof emails> }[],
): Statement[] {
	const statements: Statement[] = [];
	let values: SQLiteInsertValue<typeof emails>[] = [];
	let bound = 0;
	const flush = () => {
		if (values.length) statements.push(db.insert(emails).values(values));
		values = [];
		bound = 0;
	};
	for (const { row, part, value } of rows) {
		const n = boundBy(row, part);
		if (bound + n > MAX_BOUND) flush();
		values.push(value);
		bound += n;
	}
	flush();
	return statements;
}

/**
 * Stores emails with the lookup rows GET /emails filters on (`to`, `tag`), so every path that
 * stores an email makes it findable, in the caller's batch (all or nothing). The first
 * recipient and the first tag go in the row (`first_recipient`, `first_tag`, each indexed), any
 * further ones in lookup rows.
 *
 * Each lookup table gets one INSERT … SELECT over a JSON array bound as a single parameter:
 * two statements whatever the number of emails, recipients and tags, where a multi-row INSERT
 * (100 bound parameters at most) would need one per 33 rows, up to 270 for a batch of 100.
 */
export function insertEmailsStatements(db: Db, emailRows: NewEmail[]): Statement[] {
	const rows = emailRows.map((row) => ({
		...row,
		firstRecipient: recipientAddresses(row)[0] ?? null,
		firstTag: tagKeys(row)[0] ?? null,
	}));
	const { recipients, tags } = lookupRows(rows);
	const parts = planRuns(rows);
	const values = rows.map((row, i) => {
		const part = parts[i] ?? "alone";
		return { row, part, value: withKeys(row, part) };
	});
	// A run's later rows check the runs stored before their statement: its first goes before.
	const later = values.filter((_, i) => parts[i] === "in");
	const first = values.filter((_, i) => parts[i] !== "in");
	return [
		...insertsOf(db, first),
		...insertsOf(db, later),
		...(recipients.length ? [db.insert(emailRecipients).select(fromJsonRows(recipients))] : []),
		...(tags.length ? [db.insert(emailTags).select(fromJsonRows(tags))] : []),
	];
}

/**
 * A new row with its seq (its window's free slot, src/db/queries/email-seq.ts), its place in
 * the runs of the list's index (src/db/queries/email-runs.ts) and its key in the list's state
 * index, from its status and last_event; none for an email on its way that the tally has not
 * passed (`ON_ITS_WAY_KEY`), decided in the insert itself against the cursor it reads (an
 * email stored behind it, or before the tally's first run, gets its key).
 */
const withKeys = (row: NewEmail, part: RunPart): SQLiteInsertValue<typeof emails> => {
	const keyed = { ...row, seq: newSeq(row.id), ...runColumns(row, part) };
	const key = emailStateKey(row.status ?? "pending", row.lastEvent ?? "queued");
	if (key !== ON_ITS_WAY_KEY) return { ...keyed, stateKey: key };
	return {
		...keyed,
		stateKey: sql`CASE WHEN ${row.id} >= ${tallyCursor} THEN NULL ELSE ${key} END`,
	};
};

export type LookupSource = Pick<
	NewEmail,
	"accountId" | "to" | "cc" | "bcc" | "tags" | "firstRecipient" | "firstTag"
> & {
	id: string;
	/** Its send group, whose marks go with the group's last email (src/db/queries/send-marks.ts). */
	sendGroup?: number | null;
};

/**
 * The lookup rows of emails, as `[email_id, value, account_id]` triples: one per distinct
 * recipient (bare, lower-cased) and one per distinct `name:value` tag, but the first of each,
 * which the row holds (`first_recipient`, `first_tag`). The one definition for inserting them
 * and for the purge, which deletes them by these keys. An email stored before those columns
 * (null there) has a row for every value, and a source without them deletes every value's key
 * (a key not stored costs nothing).
 */
export function lookupRows(rows: LookupSource[]) {
	const further = (
		row: LookupSource,
		values: string[],
		first: string | null | undefined,
	): string[][] =>
		values.filter((value) => value !== first).map((value) => [row.id, value, row.accountId]);
	return {
		recipients: rows.flatMap((row) => further(row, recipientAddresses(row), row.firstRecipient)),
		tags: rows.flatMap((row) => further(row, tagKeys(row), row.firstTag)),
	};
}

/** An email's distinct tags as `name:value`, in the order given: the `tag` filter's values. */
function tagKeys(row: Pick<NewEmail, "tags">): string[] {
	return [...new Set((row.tags ?? []).map((t) => `${t.name}:${t.value}`))];
}

/** `[email_id, value, account_id]` triples as rows, in the lookup tables' column order. */
function fromJsonRows(rows: string[][]): SQL {
	return sql`SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(${JSON.stringify(rows)})`;
}

/**
 * Deletes emails with their lookup rows, by the lookup rows' whole keys (`email_recipients`
 * and `email_tags` have no index by email), their attachments' metadata, and the marks of their
 * send groups once no email of the group is left: statements for one batch, so they all go
 * together.
 */
export function deleteEmailsStatements(db: Db, batch: LookupSource[]): Statement[] {
	const { recipients, tags } = lookupRows(batch);
	const byKey = (
		table: typeof emailRecipients | typeof emailTags,
		value: SQLiteColumn,
		rows: string[][],
	) =>
		db
			.delete(table)
			.where(
				sql`(${table.accountId}, ${value}, ${table.emailId}) IN (SELECT json_extract(value, '$[2]'), json_extract(value, '$[1]'), json_extract(value, '$[0]') FROM json_each(${JSON.stringify(rows)}))`,
			);
	const ids = batch.map((e) => e.id);
	const groups = [...new Set(batch.flatMap((e) => (e.sendGroup == null ? [] : [e.sendGroup])))];
	return [
		...(recipients.length ? [byKey(emailRecipients, emailRecipients.address, recipients)] : []),
		...(tags.length ? [byKey(emailTags, emailTags.tag, tags)] : []),
		db.delete(emailAttachments).where(idIn(emailAttachments.emailId, ids)),
		keepRunsListed(db, ids),
		db.delete(emails).where(emailsWithIds(ids)),
		...(groups.length ? [forgetMarksOfStatement(db, groups)] : []),
	];
}

/** Runs statements as one D1 batch (all or nothing); each statement's rows, in order. */
export async function runBatch(db: Db, statements: Statement[]): Promise<unknown[]> {
	const [head, ...rest] = statements;
	if (!head) return [];
	return db.batch([head, ...rest]);
}

/** One email of the account, or undefined (another account's id is not found either). */
export async function findEmailOfAccount(db: Db, accountId: string, id: string) {
	const [email] = await db
		.select(emailColumns)
		.from(emails)
		.where(sql`${emailWithId(id)} AND ${eq(emails.accountId, accountId)}`)
		.limit(1);
	return email && unpackBodies(withSendMark(email));
}

/**
 * The emails a send batch names (at most 100 ids), each with what decides whether it may still
 * go: its account's standing and its domain's verification, in one statement.
 */
export async function findEmailsToSend(db: Db, ids: string[]) {
	const found = await db
		.select({
			email: emailColumns,
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
		.where(emailsWithIds(ids));
	return Promise.all(
		found.map(async (f) => ({ ...f, email: await unpackBodies(withSendMark(f.email)) })),
	);
}

/** Loads the emails a queue batch names (one statement, however many). */
export async function findEmailsByIds(db: Db, ids: string[]): Promise<EmailRow[]> {
	const rows = await db.select(emailColumns).from(emails).where(emailsWithIds(ids));
	return rows.map(withSendMark);
}

/**
 * `column IN (ids)` with the ids as one JSON parameter: a consumer run names hundreds of
 * emails, and D1 binds at most 100 parameters a statement. An index on the column still serves
 * it. (Emails themselves are found by `emailsWithIds`: their ids have no index.)
 */
export function idIn(column: SQLiteColumn, ids: string[]): SQL {
	return sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;
}

/** The lifecycle fields a write decides (src/domain/email-lifecycle.ts via the recorder). */
export type EmailStateFields = Pick<
	EmailRow,
	| "status"
	| "lastEvent"
	| "sesMessageId"
	| "sentAt"
	| "deliveredAt"
	| "failureReason"
	| "scheduledAt"
	| "timeline"
	| "writeToken"
> & { deliveredTo: readonly string[] };

/**
 * Writes an email's lifecycle fields (src/domain/email-lifecycle.ts) only if the row is still at
 * the revision they were decided on; RETURNING says whether it was (no row: decide again).
 *
 * Only the columns whose value changes are in the SET: SQLite rewrites an index whose column is
 * assigned even to the value it had, and D1 bills that entry as a row written. So the send's
 * write (status still `pending`) leaves `emails_account_status` alone, and each index is written
 * only by the writes that move the email in it. The revision guard makes this exact: the row is
 * `email` as read, or the write changes nothing. A mark written meanwhile (a delivery's,
 * src/db/queries/send-marks.ts) does not move the revision, so the write requires the email's
 * mark to be the one it read as well.
 */
export function updateEmailStateStatement(db: Db, email: EmailRow, state: EmailStateFields) {
	const next: Partial<EmailRow> = {
		status: state.status,
		lastEvent: state.lastEvent,
		sesMessageId: state.sesMessageId,
		sentAt: state.sentAt,
		deliveredAt: state.deliveredAt,
		failureReason: state.failureReason,
		scheduledAt: state.scheduledAt,
		timeline: state.timeline,
		writeToken: state.writeToken,
		deliveredTo: state.deliveredTo.length ? [...state.deliveredTo] : null,
		stateKey: nextStateKey(email.stateKey, state.status, state.lastEvent),
	};
	// Compared with the row as stored: a send mark's fields are written with the rest.
	const stored = unmarked(email);
	const changed = Object.fromEntries(
		Object.entries(next).filter(
			([column, value]) =>
				JSON.stringify(value) !== JSON.stringify(stored[column as keyof EmailRow]),
		),
	);
	return db
		.update(emails)
		.set({ ...changed, revision: email.revision + 1 })
		.where(and(emailWithId(email.id), eq(emails.revision, email.revision), sameMarkAs(email)))
		.returning({ id: emails.id });
}
