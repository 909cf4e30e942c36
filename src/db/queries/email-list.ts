/**
 * GET /emails's query: a page of an account's emails, newest first, with the filters the API
 * and the dashboard offer, each a range of an index in the log's order (keyset, never OFFSET).
 */
import { and, eq, gte, lt, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { alias, type SQLiteColumn } from "drizzle-orm/sqlite-core";
import { idFloor } from "../../lib/ids.ts";
import type { Db } from "../client.ts";
import { type EmailEvent, type EmailStatus, emails, ON_ITS_WAY_KEY } from "../schema.ts";
import { lookupRanges } from "./email-lookup-filters.ts";
import { inRuns, runReach } from "./email-runs.ts";
import { seqFloor, seqOf } from "./email-seq.ts";
import {
	type FilteredColumns,
	filteredColumns,
	lastEventIs,
	type Narrowing,
	onTheirWay,
	stateKeysFor,
	statusIs,
} from "./email-state-filters.ts";
import { isAscending, keysetPage, type Order, type PageRequest } from "./pagination.ts";
import { sendMarkOf, withSendMark } from "./send-marks.ts";

export const listColumns = {
	id: emails.id,
	/** The email's seq as fixed-width text, for merging pages in the order SQL gave them. */
	place: sql<string>`printf('%019d', ${emails.seq})`.as("place"),
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
	/** With `sendMark`: the email's SES acceptance not yet in its row (src/db/queries/send-marks.ts). */
	sesMessageId: emails.sesMessageId,
	sendMark: sendMarkOf(emails),
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
 * A page of the account's emails, newest first, filtered. Every filter is a range in the log's
 * order on an index (each index of `emails` ends with its rowid, `seq`, which orders emails as
 * their ids do; a cursor's id is turned into its email's seq, src/db/queries/email-seq.ts), so a page reads about `limit` index entries when the filter matches often and
 * never uses OFFSET; only a rare filter combined with another (say `status=failed` and a
 * `domain_id`) reads past the rows one index matches to find those the other keeps.
 *
 * - no filter, `created_after`/`created_before`: each of the account's domains' runs, a range
 *   of `emails_account_runs` (account_id, domain_id, seq) with each run's rows read by seq
 *   (src/db/queries/email-runs.ts), at most a page each, merged in order in one statement
 *   (`inEachDomain`); the dates are a seq range (UUIDv7 ids start with their
 *   creation time, and so do seqs). An account sends from a few domains (Pro: 20, and those deleted within the
 *   90 days), so a page reads a few pages' entries whatever the account's size;
 * - `status`, `last_event`: `emails_account_state` (account_id, state_key, seq), one range per
 *   `<status>:<last_event>` key the filter allows (`status=pending` is eight of them), run in
 *   one batch and merged in order (by `place`, the seq as text), each reading at most a page. The common end state
 *   (status `sent` with last_event `delivered`) has no key: `status=sent` and
 *   `last_event=delivered` filter the account's list instead, reading about `limit` entries
 *   divided by the share of the account's emails in that state, the majority for any account
 *   whose mail is delivered. An account whose emails are almost all something else (every one
 *   canceled, say) pays a long read for those two filters; docs/scaling.md weighs it.
 *   Emails on their way (queued or sent) that the minute's tally has not passed have no key
 *   either (`ON_ITS_WAY_KEY`): a filter that allows them also reads the account's emails past
 *   the tally's cursor, its last few minutes, keeping those pending without a key;
 * - `domain_id`: its runs likewise;
 * - `to`, `tag`: the emails whose first recipient or tag it is, a range of its index, merged in
 *   order with those that have a lookup row for it, a range of the lookup table's primary key
 *   (src/db/queries/email-lookup-filters.ts).
 *
 * What this costs in rows written (D1 counts a row per table or index entry written):
 * - per email stored: 1 index entry (its domain's runs), shared by a batch's emails from one
 *   domain (one run), and 1 more each time the lifecycle gives it
 *   another state key (an entry removed is not billed): none for an email delivered before
 *   the tally passes it (it never had one), 1 for a bounced one;
 * - per distinct recipient: 1 index entry for the first (`emails_account_recipient`), which
 *   the purge removes free, and 1 row each for the others (`email_recipients` has no rowid:
 *   its row is its key), a row written again by the purge's delete; at most 50 recipients;
 * - per distinct tag: likewise, the first an index entry (`emails_account_tag`) and the others
 *   rows of `email_tags`; none for an untagged email;
 * - the 90-day purge deletes the lookup rows of the emails it deletes, by their keys.
 * Emails stored before these tables existed have no lookup rows: `to` and `tag` do not find
 * them (they age out within the 90 days).
 */
export async function listEmails(db: Db, accountId: string, query: PageRequest & EmailFilters) {
	const page = await listedRows(db, accountId, query);
	return { ...page, rows: page.rows.map(withSendMark) };
}

function listedRows(db: Db, accountId: string, query: PageRequest & EmailFilters) {
	const { status, lastEvent, to, domainId, tag, createdAfter, createdBefore } = query;
	// The dates bound the list's order: ids in a lookup table's key, seqs in `emails`.
	const at = (time: number) => seqFloor(idFloor(time));
	const rest = (t: FilteredColumns = emails, id?: SQLiteColumn) => {
		const bound = (time: number) => (id ? idFloor(time) : at(time));
		return [
			status === undefined ? undefined : statusIs(t, status),
			lastEvent === undefined ? undefined : lastEventIs(t, lastEvent),
			domainId === undefined ? undefined : eq(t.domainId, domainId),
			createdAfter === undefined ? undefined : sql`${id ?? t.seq} >= ${bound(createdAfter)}`,
			createdBefore === undefined ? undefined : sql`${id ?? t.seq} < ${bound(createdBefore)}`,
		];
	};
	return keysetPage(query, (where, order) => {
		/** The rows of a selection of rowids, in order. */
		const listed = (rowids: SQLWrapper) =>
			db
				.select(listColumns)
				.from(emails)
				.where(sql`${emails}.rowid IN (${rowids})`)
				.orderBy(order(emails.seq))
				.limit(query.limit + 1);
		const lookups = lookupRanges(
			db,
			accountId,
			{ to, tag },
			{ where, order, limit: query.limit + 1, others: (id) => rest(emails, id) },
		);
		if (lookups) {
			const [first, further] = lookups;
			return db
				.batch([listed(first), listed(further)])
				.then((pages) => mergeInOrder(pages, order, query.limit + 1));
		}
		/** A page of the emails of a state key, a range of `emails_account_state`. */
		const page = (stateKey: string) =>
			db
				.select(listColumns)
				.from(emails)
				.where(
					and(
						eq(emails.accountId, accountId),
						eq(emails.stateKey, stateKey),
						where(emails.seq, seqOf),
						...rest(),
					),
				)
				.orderBy(order(emails.seq))
				.limit(query.limit + 1);
		/**
		 * A page of the account's emails from `domain` (a bound id, or `d.domain_id` of
		 * `inEachDomain`) through their runs (src/db/queries/email-runs.ts): the runs' first
		 * emails from the cursor and dates on (a run holding an email past a lower bound starts
		 * at most `runReach` before it), and their rows that pass every bound and filter.
		 */
		const ofDomain = (domain: SQL, only: Narrowing = {}) => {
			const h = alias(emails, "h");
			const y = alias(emails, "y");
			// The rows' own bounds (the cursor, the dates, the tally's) compare `+seq`, which
			// SQLite cannot take for the rowid's range: that range must be the run's, or each
			// run's rows would be read from the bound on.
			const rows = { ...filteredColumns(y), seq: sql`+${y.seq}` };
			const ascending = isAscending(order);
			return (
				db
					.select({ rowid: sql`${y}.rowid` })
					// The runs' index, and the runs outside (CROSS JOIN): with a bound on seqs (a date,
					// a cursor) SQLite would otherwise read every account's emails in that range.
					.from(sql`${emails} AS ${h} INDEXED BY emails_account_runs`)
					.crossJoin(y)
					.where(
						and(
							inRuns({ h, e: y }, accountId),
							sql`${h.domainId} = ${domain}`,
							ascending ? where(h.seq, (id) => runReach(seqOf(id))) : where(h.seq, seqOf),
							createdAfter === undefined ? undefined : gte(h.seq, runReach(at(createdAfter))),
							createdBefore === undefined ? undefined : lt(h.seq, at(createdBefore)),
							only.from === undefined ? undefined : gte(h.seq, runReach(only.from)),
							where(rows.seq, seqOf),
							...rest(rows),
							...(only.rows?.(rows) ?? []),
						),
					)
					.orderBy(order(h.seq), order(y.seq))
					.limit(query.limit + 1)
			);
		};
		/** The account's list: a page of each of its domains (`inEachDomain`), merged in order. */
		const merged = (only?: Narrowing) =>
			listed(inEachDomain(accountId, ofDomain(sql`d.domain_id`, only)));
		const ofOneDomain = (id: string, only?: Narrowing) => listed(ofDomain(sql`${id}`, only));
		const keys = stateKeysFor(status, lastEvent);
		if (!keys && domainId !== undefined) return ofOneDomain(domainId);
		if (!keys) return merged();
		const pages = keys.map((key) => page(key));
		// Emails on their way that the tally has not passed have no key (ON_ITS_WAY_KEY): the
		// account's emails past its cursor, a few minutes' worth, are read for them.
		if (keys.includes(ON_ITS_WAY_KEY))
			pages.push(domainId === undefined ? merged(onTheirWay) : ofOneDomain(domainId, onTheirWay));
		const [first, ...others] = pages;
		if (!first) return Promise.resolve([]);
		return db
			.batch([first, ...others])
			.then((pages) => mergeInOrder(pages, order, query.limit + 1));
	});
}

/**
 * The rowids `ofOneDomain` selects for each domain the account's emails were sent from, one
 * statement: the domain ids come from `emails_account_runs` itself, one seek each (a
 * recursive skip over `(account_id, domain_id)`), so a deleted domain's emails are listed too,
 * and `ofOneDomain` (correlated on `d.domain_id`) reads each domain's range in order, at most a
 * page. The account's list is their merge: no index of the account's emails in id order alone,
 * which cost a row written per email.
 */
function inEachDomain(accountId: string, ofOneDomain: SQLWrapper): SQL {
	return sql`WITH RECURSIVE d(domain_id) AS (
		SELECT (SELECT s.domain_id FROM emails s WHERE s.account_id = ${accountId} AND s.in_run IS NULL ORDER BY s.domain_id LIMIT 1)
		UNION ALL
		SELECT (SELECT s.domain_id FROM emails s WHERE s.account_id = ${accountId} AND s.in_run IS NULL AND s.domain_id > d.domain_id ORDER BY s.domain_id LIMIT 1)
		FROM d WHERE d.domain_id IS NOT NULL
	) SELECT x.rowid FROM d, emails x WHERE x.rowid IN (${ofOneDomain})`;
}

/** The first `count` rows of pages each already in the log's order, in that order. */
function mergeInOrder<T extends { place: string }>(pages: T[][], order: Order, count: number): T[] {
	const ascending = isAscending(order);
	return pages
		.flat()
		.sort((a, b) => (a.place < b.place === ascending ? -1 : 1))
		.slice(0, count);
}
