/**
 * The staff account list with its owner's email and a search over the name and that email.
 * A staff-only page over few accounts: the search scans them (no index serves a substring).
 */
import { type AnyColumn, and, eq, isNotNull, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { keysetPage, type PageRequest } from "../../db/queries/pagination.ts";
import { accounts, users } from "../../db/schema.ts";

/** Matches a column containing `text` literally, whatever the case. */
function contains(column: AnyColumn, text: string): SQL {
	// D1 has no default LIKE escape character; naming one keeps % and _ literal.
	const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
	return sql`lower(${column}) LIKE ${pattern} ESCAPE '\\'`;
}

export function listAccountsWithOwners(
	db: Db,
	page: PageRequest & { suspended?: boolean; search?: string },
) {
	return keysetPage(page, (where, order) =>
		db
			.select({ account: accounts, ownerEmail: users.email })
			.from(accounts)
			.leftJoin(users, eq(users.id, accounts.ownerUserId))
			.where(
				and(
					page.suspended ? isNotNull(accounts.suspendedAt) : undefined,
					page.search
						? or(contains(accounts.name, page.search), contains(users.email, page.search))
						: undefined,
					where(accounts.id),
				),
			)
			.orderBy(order(accounts.id))
			.limit(page.limit + 1),
	);
}
