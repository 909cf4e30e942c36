import { and, asc, eq, inArray, lte } from "drizzle-orm";
import type { Db } from "../client.ts";
import { domains } from "../schema.ts";
import { keysetPage, type PageRequest } from "./pagination.ts";

export type DomainRow = typeof domains.$inferSelect;
export type NewDomain = typeof domains.$inferInsert;

export async function findDomain(db: Db, accountId: string, id: string) {
	const [row] = await db
		.select()
		.from(domains)
		.where(and(eq(domains.accountId, accountId), eq(domains.id, id)))
		.limit(1);
	return row;
}

/** Any account's domain by name: a domain belongs to one account at a time. */
export async function findDomainByName(db: Db, name: string) {
	const [row] = await db.select().from(domains).where(eq(domains.name, name)).limit(1);
	return row;
}

/** The account's domains among `names` (a sender's domain and its parents). */
export function findDomainsByNames(db: Db, accountId: string, names: string[]) {
	return db
		.select()
		.from(domains)
		.where(and(eq(domains.accountId, accountId), inArray(domains.name, names)));
}

export async function insertDomain(db: Db, row: NewDomain) {
	await db.insert(domains).values(row);
}

export async function updateDomain(db: Db, id: string, update: Partial<NewDomain>) {
	await db.update(domains).set(update).where(eq(domains.id, id));
}

export async function deleteDomain(db: Db, accountId: string, id: string) {
	await db.delete(domains).where(and(eq(domains.accountId, accountId), eq(domains.id, id)));
}

export function listDomains(db: Db, accountId: string, page: PageRequest) {
	return keysetPage(page, (where, order) =>
		db
			.select()
			.from(domains)
			.where(and(eq(domains.accountId, accountId), where(domains.id)))
			.orderBy(order(domains.id))
			.limit(page.limit + 1),
	);
}

/** Domains whose next check is due, oldest due first (partial index on next_check_at). */
export function domainsDueForCheck(db: Db, now: number, limit: number) {
	return db
		.select()
		.from(domains)
		.where(lte(domains.nextCheckAt, now))
		.orderBy(asc(domains.nextCheckAt))
		.limit(limit);
}
