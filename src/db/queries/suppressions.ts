/**
 * The per-account suppression list. Lookups bind the addresses as one JSON array
 * (`json_each`), so checking a batch of 100 emails × 50 recipients is one statement, not fifty.
 */
import { and, eq, like, or, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { type SuppressionOrigin, suppressions } from "../schema.ts";
import { keysetPage, type PageRequest } from "./pagination.ts";

export type SuppressionRow = typeof suppressions.$inferSelect;
export type NewSuppression = typeof suppressions.$inferInsert;

/** The account's suppressed addresses among `emails` (already lower-cased). */
export function findSuppressedStatement(db: Db, accountId: string, emails: string[]) {
	return db
		.select({ email: suppressions.email })
		.from(suppressions)
		.where(
			and(
				eq(suppressions.accountId, accountId),
				sql`${suppressions.email} IN (SELECT value FROM json_each(${JSON.stringify(emails)}))`,
			),
		);
}

/** Suppressed (account, address) pairs among `pairs`, across accounts: the consumer's re-check. */
export function findSuppressedPairs(db: Db, pairs: [accountId: string, email: string][]) {
	return db
		.select({ accountId: suppressions.accountId, email: suppressions.email })
		.from(suppressions)
		.where(
			sql`(${suppressions.accountId}, ${suppressions.email}) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(${JSON.stringify(pairs)}))`,
		);
}

/** Idempotent: an address already on the list keeps its first origin and reason. */
export function insertSuppressionStatement(db: Db, row: NewSuppression) {
	return db.insert(suppressions).values(row).onConflictDoNothing();
}

/**
 * Whether the row `insertSuppressionStatement` was given is stored: the id just chosen is there
 * only if the batch really added the address (an address already listed keeps its own row).
 */
export const suppressionStored = (row: Pick<NewSuppression, "accountId" | "id">) =>
	sql`EXISTS (SELECT 1 FROM ${suppressions} WHERE ${suppressions.accountId} = ${row.accountId} AND ${suppressions.id} = ${row.id})`;

export function listSuppressions(
	db: Db,
	accountId: string,
	page: PageRequest & { origin?: SuppressionOrigin; search?: string },
) {
	return keysetPage(page, (where, order) =>
		db
			.select()
			.from(suppressions)
			.where(
				and(
					eq(suppressions.accountId, accountId),
					page.origin ? eq(suppressions.origin, page.origin) : undefined,
					page.search
						? like(suppressions.email, `%${escapeLike(page.search.toLowerCase())}%`)
						: undefined,
					where(suppressions.id),
				),
			)
			.orderBy(order(suppressions.id))
			.limit(page.limit + 1),
	);
}

function escapeLike(text: string): string {
	// D1's LIKE has no ESCAPE default; strip the wildcards instead so a search is literal.
	return text.replace(/[%_]/g, "");
}

/** By id or by address, as Resend's `/suppressions/:id_or_email` takes either. */
export async function findSuppression(db: Db, accountId: string, idOrEmail: string) {
	const [row] = await db
		.select()
		.from(suppressions)
		.where(
			and(
				eq(suppressions.accountId, accountId),
				or(eq(suppressions.id, idOrEmail), eq(suppressions.email, idOrEmail.toLowerCase())),
			),
		)
		.limit(1);
	return row;
}

/** The account's entries among `keys` (ids or lower-cased addresses), one statement. */
export function findSuppressionsByKeys(db: Db, accountId: string, keys: string[]) {
	const list = JSON.stringify(keys);
	return db
		.select()
		.from(suppressions)
		.where(
			and(
				eq(suppressions.accountId, accountId),
				sql`(${suppressions.id} IN (SELECT value FROM json_each(${list})) OR ${suppressions.email} IN (SELECT value FROM json_each(${list})))`,
			),
		);
}

export async function deleteSuppressionsByIds(db: Db, accountId: string, ids: string[]) {
	await db
		.delete(suppressions)
		.where(
			and(
				eq(suppressions.accountId, accountId),
				sql`${suppressions.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`,
			),
		);
}
