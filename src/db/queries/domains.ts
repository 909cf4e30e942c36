import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../client.ts";
import { domains } from "../schema.ts";

export type DomainRow = typeof domains.$inferSelect;

export async function findDomain(db: Db, accountId: string, id: string) {
	const [row] = await db
		.select()
		.from(domains)
		.where(and(eq(domains.accountId, accountId), eq(domains.id, id)))
		.limit(1);
	return row;
}

/** The account's domains among `names` (a sender's domain and its parents). */
export function findDomainsByNames(db: Db, accountId: string, names: string[]) {
	return db
		.select()
		.from(domains)
		.where(and(eq(domains.accountId, accountId), inArray(domains.name, names)));
}
