/**
 * GET /emails's `to` and `tag` filters (src/db/queries/email-list.ts runs them). An email's
 * first recipient and first tag are columns of its row, each with a partial index; any further
 * ones have lookup rows (`email_recipients`, `email_tags`). The index entry costs what a lookup
 * row does when written, but the purge's delete of the row removes it unbilled, where a lookup
 * row's delete is a row written (docs/scaling.md, "The purge"). So a filter reads two ranges,
 * each at most a page in the log's order, which the list merges:
 * - the emails whose first value it is, a range of `emails_account_recipient` or
 *   `emails_account_tag` (account_id, first value, seq);
 * - those with a lookup row for it, a range of the lookup table's primary key (account_id,
 *   value, email_id), each email found by a seek of its window. Emails stored before the columns
 *   have a lookup row for every value, so they are found here.
 * With both filters, the tag is checked on each email the recipient finds: its first tag, or its
 * own `email_tags` row by its whole key.
 */
import { and, eq, exists, or, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Db } from "../client.ts";
import { emailRecipients, emails, emailTags } from "../schema.ts";
import { isEmail, seqOf, windowStart } from "./email-seq.ts";
import type { Order, Where } from "./pagination.ts";

/** A filter's two sources (`emailId` as SQL text, for the seek of its email's window). */
const BY_RECIPIENT = {
	first: emails.firstRecipient,
	index: "emails_account_recipient",
	lookup: {
		table: emailRecipients,
		column: emailRecipients.address,
		emailId: `"email_recipients"."email_id"`,
	},
};
const BY_TAG = {
	first: emails.firstTag,
	index: "emails_account_tag",
	lookup: { table: emailTags, column: emailTags.tag, emailId: `"email_tags"."email_id"` },
};

export interface LookupPage {
	where: Where;
	order: Order;
	/** Rows each range reads at most. */
	limit: number;
	/** The list's other filters on `emails`, its dates compared with `id` when given. */
	others: (id?: SQLiteColumn) => (SQL | undefined)[];
}

/**
 * The rowids of a page of the emails with the recipient `to` and the tag `tag`, from each of
 * the two ranges, each in the log's order; undefined when neither filter is given.
 */
export function lookupRanges(
	db: Db,
	accountId: string,
	{ to, tag }: { to?: string; tag?: string },
	{ where, order, limit, others }: LookupPage,
): [SQL, SQL] | undefined {
	const lookup =
		to !== undefined
			? { by: BY_RECIPIENT, value: to }
			: tag !== undefined
				? { by: BY_TAG, value: tag }
				: undefined;
	if (!lookup) return undefined;
	const { by, value } = lookup;
	const tagged = to !== undefined && tag !== undefined ? hasTag(db, accountId, tag) : undefined;
	// Named: with a state filter SQLite could otherwise take the state's range, which the value
	// narrows far more.
	const first = db
		.select({ rowid: sql`rowid` })
		.from(sql`${emails} INDEXED BY ${sql.raw(by.index)}`)
		.where(
			and(
				eq(emails.accountId, accountId),
				eq(by.first, value),
				where(emails.seq, seqOf),
				...others(),
				tagged,
			),
		)
		.orderBy(order(emails.seq))
		.limit(limit);
	const { table, column, emailId } = by.lookup;
	const further = db
		.select({ rowid: sql`${emails}.rowid` })
		.from(table)
		.innerJoin(emails, isEmail(emails, table.emailId, windowStart(emailId)))
		.where(
			and(
				eq(table.accountId, accountId),
				eq(column, value),
				where(table.emailId),
				...others(table.emailId),
				tagged,
			),
		)
		.orderBy(order(table.emailId))
		.limit(limit);
	return [first.getSQL(), further.getSQL()];
}

/** Whether the email (`emails`) has the tag: its first, or one of its `email_tags` rows. */
function hasTag(db: Db, accountId: string, tag: string): SQL | undefined {
	return or(
		eq(emails.firstTag, tag),
		exists(
			db
				.select({ one: sql`1` })
				.from(emailTags)
				.where(
					and(
						eq(emailTags.accountId, accountId),
						eq(emailTags.tag, tag),
						eq(emailTags.emailId, emails.id),
					),
				),
		),
	);
}
