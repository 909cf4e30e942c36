/**
 * Emails and their events. Writes are built as statements so callers can put several in one
 * `db.batch` (D1 has no interactive transactions; a batch commits or fails as a whole).
 */
import {
	and,
	eq,
	exists,
	getTableColumns,
	gte,
	lt,
	type SQL,
	type SQLWrapper,
	sql,
} from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { alias, type SQLiteColumn } from "drizzle-orm/sqlite-core";
import { recipientAddresses } from "../../lib/addresses.ts";
import { chunk } from "../../lib/chunk.ts";
import { idFloor } from "../../lib/ids.ts";
import type { Db } from "../client.ts";
import {
	accounts,
	domains,
	EMAIL_EVENTS,
	EMAIL_STATUSES,
	type EmailEvent,
	type EmailStatus,
	emailRecipients,
	emailStateKey,
	emails,
	emailTags,
} from "../schema.ts";
import { isAscending, keysetPage, type Order, type PageRequest } from "./pagination.ts";

export type EmailRow = typeof emails.$inferSelect;
export type NewEmail = typeof emails.$inferInsert;
export type Statement = BatchItem<"sqlite">;

/**
 * D1 binds at most 100 parameters per statement, and a multi-row INSERT binds every column of
 * every row: rows per INSERT = floor(100 / columns).
 */
export function rowsPerInsert(table: typeof emails): number {
	return Math.floor(100 / Object.keys(getTableColumns(table)).length);
}

/**
 * Stores emails with the lookup rows GET /emails filters on (`to`, `tag`), so every path that
 * stores an email makes it findable, in the caller's batch (all or nothing).
 *
 * Each lookup table gets one INSERT … SELECT over a JSON array bound as a single parameter:
 * two statements whatever the number of emails, recipients and tags, where a multi-row INSERT
 * (100 bound parameters at most) would need one per 33 rows, up to 270 for a batch of 100.
 */
export function insertEmailsStatements(db: Db, rows: NewEmail[]): Statement[] {
	const { recipients, tags } = lookupRows(rows);
	return [
		...chunk(rows.map(withStateKey), rowsPerInsert(emails)).map((part) =>
			db.insert(emails).values(part),
		),
		...(recipients.length ? [db.insert(emailRecipients).select(fromJsonRows(recipients))] : []),
		...(tags.length ? [db.insert(emailTags).select(fromJsonRows(tags))] : []),
	];
}

/** A new row with its key in the list's state index, from its status and last_event. */
const withStateKey = (row: NewEmail): NewEmail => ({
	...row,
	stateKey: emailStateKey(row.status ?? "pending", row.lastEvent ?? "queued"),
});

export type LookupSource = Pick<NewEmail, "accountId" | "to" | "cc" | "bcc" | "tags"> & {
	id: string;
};

/**
 * The lookup rows of emails, as `[email_id, value, account_id]` triples: one per distinct
 * recipient (bare, lower-cased) and one per distinct `name:value` tag. The one definition for
 * inserting them and for the purge, which deletes them by these keys.
 */
export function lookupRows(rows: LookupSource[]) {
	return {
		recipients: rows.flatMap((row) =>
			recipientAddresses(row).map((address) => [row.id, address, row.accountId]),
		),
		tags: rows.flatMap((row) =>
			[...new Set((row.tags ?? []).map((t) => `${t.name}:${t.value}`))].map((tag) => [
				row.id,
				tag,
				row.accountId,
			]),
		),
	};
}

/** `[email_id, value, account_id]` triples as rows, in the lookup tables' column order. */
function fromJsonRows(rows: string[][]): SQL {
	return sql`SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(${JSON.stringify(rows)})`;
}

/**
 * Deletes emails with their lookup rows, by the lookup rows' whole keys (`email_recipients`
 * and `email_tags` have no index by email), and their attachments' metadata by ON DELETE
 * CASCADE: statements for one batch, so the lookup rows and the emails go together.
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
	const ids = JSON.stringify(batch.map((e) => e.id));
	return [
		...(recipients.length ? [byKey(emailRecipients, emailRecipients.address, recipients)] : []),
		...(tags.length ? [byKey(emailTags, emailTags.tag, tags)] : []),
		db.delete(emails).where(sql`${emails.id} IN (SELECT value FROM json_each(${ids}))`),
	];
}

/** Runs statements as one D1 batch (all or nothing); each statement's rows, in order. */
export async function runBatch(db: Db, statements: Statement[]): Promise<unknown[]> {
	const [head, ...rest] = statements;
	if (!head) return [];
	return db.batch([head, ...rest]);
}

/** The email and its timeline, or undefined if it is not this account's. */
/** One email of the account, or undefined (another account's id is not found either). */
export async function findEmailOfAccount(db: Db, accountId: string, id: string) {
	const [email] = await db
		.select()
		.from(emails)
		.where(and(eq(emails.accountId, accountId), eq(emails.id, id)))
		.limit(1);
	return email;
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
	scheduledAt: emails.scheduledAt,
	attachmentCount: emails.attachmentCount,
};

export interface EmailFilters {
	status?: EmailStatus;
	lastEvent?: EmailEvent;
	/** A bare address, lower-cased. */
	to?: string;
	domainId?: string;
	/** `name:value`. */
	tag?: string;
	/** Epoch ms, inclusive. */
	createdAfter?: number;
	/** Epoch ms, exclusive. */
	createdBefore?: number;
}

/**
 * A page of the account's emails, newest first, filtered. Every filter is a range in id order
 * on an index, so a page reads about `limit` index entries when the filter matches often and
 * never uses OFFSET; only a rare filter combined with another (say `status=failed` and a
 * `domain_id`) reads past the rows one index matches to find those the other keeps.
 *
 * - no filter, `created_after`/`created_before`: each of the account's domains' range of
 *   `emails_account_domain` (account_id, domain_id, id), at most a page each, merged in id order
 *   in one statement (`inEachDomain`); the dates are an id range (UUIDv7 ids start with their
 *   creation time). An account sends from a few domains (Pro: 20, and those deleted within the
 *   90 days), so a page reads a few pages' entries whatever the account's size;
 * - `status`, `last_event`: `emails_account_state` (account_id, state_key, id), one range per
 *   `<status>:<last_event>` key the filter allows (`status=pending` is eight of them), run in
 *   one batch and merged in id order, each reading at most a page. The common end state
 *   (status `sent` with last_event `delivered`) has no key: `status=sent` and
 *   `last_event=delivered` filter the account's list instead, reading about `limit` entries
 *   divided by the share of the account's emails in that state, the majority for any account
 *   whose mail is delivered. An account whose emails are almost all something else (every one
 *   canceled, say) pays a long read for those two filters; docs/scaling.md weighs it;
 * - `domain_id`: its range of `emails_account_domain`;
 * - `to`: `email_recipients`' primary key (account_id, address, email_id), then each email by
 *   its key;
 * - `tag`: `email_tags`' likewise; with `to` as well, the tag is checked on the email's own
 *   `email_tags` row by its whole key (account_id, tag, email_id).
 *
 * What this costs in rows written (D1 counts a row per table or index entry written):
 * - per email stored: 2 index entries (state, domain), and 1 more each time the
 *   lifecycle gives it another state key (an entry removed is not billed): none for a
 *   delivered email (the send keeps the key, the delivery removes it), 1 for a bounced one;
 * - per distinct recipient: 1 row (`email_recipients` has no rowid: its row is its key), so 1
 *   for the usual one-recipient email, at most 50;
 * - per distinct tag: 1 row in `email_tags` likewise, none for an untagged email;
 * - the 90-day purge deletes the lookup rows of the emails it deletes, by their keys.
 * Emails stored before these tables existed have no lookup rows: `to` and `tag` do not find
 * them (they age out within the 90 days).
 */
/** The columns the filters read, of `emails` or an alias of it. */
type FilteredColumns = Record<"status" | "lastEvent" | "domainId", SQLiteColumn>;

export function listEmails(db: Db, accountId: string, query: PageRequest & EmailFilters) {
	const { status, lastEvent, to, domainId, tag, createdAfter, createdBefore } = query;
	const rest = (id: SQLiteColumn, t: FilteredColumns = emails) => [
		status === undefined ? undefined : eq(t.status, status),
		lastEvent === undefined ? undefined : eq(t.lastEvent, lastEvent),
		domainId === undefined ? undefined : eq(t.domainId, domainId),
		createdAfter === undefined ? undefined : gte(id, idFloor(createdAfter)),
		createdBefore === undefined ? undefined : lt(id, idFloor(createdBefore)),
	];
	return keysetPage(query, (where, order) => {
		if (to !== undefined) {
			const id = emailRecipients.emailId;
			return db
				.select(listColumns)
				.from(emailRecipients)
				.innerJoin(emails, eq(emails.id, id))
				.where(
					and(
						eq(emailRecipients.accountId, accountId),
						eq(emailRecipients.address, to),
						where(id),
						...rest(id),
						tag === undefined ? undefined : hasTag(db, accountId, id, tag),
					),
				)
				.orderBy(order(id))
				.limit(query.limit + 1);
		}
		if (tag !== undefined) {
			const id = emailTags.emailId;
			return db
				.select(listColumns)
				.from(emailTags)
				.innerJoin(emails, eq(emails.id, id))
				.where(
					and(eq(emailTags.accountId, accountId), eq(emailTags.tag, tag), where(id), ...rest(id)),
				)
				.orderBy(order(id))
				.limit(query.limit + 1);
		}
		const page = (stateKey?: string) =>
			db
				.select(listColumns)
				.from(emails)
				.where(
					and(
						eq(emails.accountId, accountId),
						stateKey === undefined ? undefined : eq(emails.stateKey, stateKey),
						where(emails.id),
						...rest(emails.id),
					),
				)
				.orderBy(order(emails.id))
				.limit(query.limit + 1);
		const keys = stateKeysFor(status, lastEvent);
		if (!keys && domainId !== undefined) return page();
		if (!keys) {
			// A page of each of the account's domains (`inEachDomain`), merged in id order.
			const y = alias(emails, "y");
			const ofOneDomain = db
				.select({ rowid: sql`${y}.rowid` })
				.from(y)
				.where(
					and(
						eq(y.accountId, accountId),
						sql`${y.domainId} = d.domain_id`,
						where(y.id),
						...rest(y.id, y),
					),
				)
				.orderBy(order(y.id))
				.limit(query.limit + 1);
			return db
				.select(listColumns)
				.from(emails)
				.where(sql`${emails}.rowid IN (${inEachDomain(accountId, ofOneDomain)})`)
				.orderBy(order(emails.id))
				.limit(query.limit + 1);
		}
		const [first, ...others] = keys.map(page);
		if (!first) return Promise.resolve([]);
		return db
			.batch([first, ...others])
			.then((pages) => mergeInIdOrder(pages, order, query.limit + 1));
	});
}

/**
 * The rowids `ofOneDomain` selects for each domain the account's emails were sent from, one
 * statement: the domain ids come from `emails_account_domain` itself, one seek each (a
 * recursive skip over `(account_id, domain_id)`), so a deleted domain's emails are listed too,
 * and `ofOneDomain` (correlated on `d.domain_id`) reads each domain's range in id order, at most a
 * page. The account's list is their merge: no index of the account's emails in id order alone,
 * which cost a row written per email.
 */
function inEachDomain(accountId: string, ofOneDomain: SQLWrapper): SQL {
	return sql`WITH RECURSIVE d(domain_id) AS (
		SELECT (SELECT s.domain_id FROM emails s WHERE s.account_id = ${accountId} ORDER BY s.domain_id LIMIT 1)
		UNION ALL
		SELECT (SELECT s.domain_id FROM emails s WHERE s.account_id = ${accountId} AND s.domain_id > d.domain_id ORDER BY s.domain_id LIMIT 1)
		FROM d WHERE d.domain_id IS NOT NULL
	) SELECT x.rowid FROM d, emails x WHERE x.rowid IN (${ofOneDomain})`;
}

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

/** The first `count` rows of pages each already in id order, in that order. */
function mergeInIdOrder<T extends { id: string }>(pages: T[][], order: Order, count: number): T[] {
	const ascending = isAscending(order);
	return pages
		.flat()
		.sort((a, b) => (a.id < b.id === ascending ? -1 : 1))
		.slice(0, count);
}

function hasTag(db: Db, accountId: string, emailId: SQLiteColumn, tag: string) {
	return exists(
		db
			.select({ one: sql`1` })
			.from(emailTags)
			.where(
				and(
					eq(emailTags.accountId, accountId),
					eq(emailTags.tag, tag),
					eq(emailTags.emailId, emailId),
				),
			),
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
		.where(idIn(emails.id, ids));
}

/** Loads the emails a queue batch names (one statement, however many). */
export function findEmailsByIds(db: Db, ids: string[]) {
	return db.select().from(emails).where(idIn(emails.id, ids));
}

/**
 * `column IN (ids)` with the ids as one JSON parameter: a consumer run names hundreds of
 * emails, and D1 binds at most 100 parameters a statement. The primary key still serves it.
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
 * `email` as read, or the write changes nothing.
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
		stateKey: emailStateKey(state.status, state.lastEvent),
	};
	const changed = Object.fromEntries(
		Object.entries(next).filter(
			([column, value]) =>
				JSON.stringify(value) !== JSON.stringify(email[column as keyof EmailRow]),
		),
	);
	return db
		.update(emails)
		.set({ ...changed, revision: email.revision + 1 })
		.where(and(eq(emails.id, email.id), eq(emails.revision, email.revision)))
		.returning({ id: emails.id });
}
