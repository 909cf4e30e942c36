import { and, asc, count, eq, inArray, isNotNull, isNull, lte, or, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { domains, type SendingPath } from "../schema.ts";
import { keysetPage, type PageRequest } from "./pagination.ts";

export type DomainRow = typeof domains.$inferSelect;
export type NewDomain = typeof domains.$inferInsert;

/**
 * A domain that verified at least once (`verified_at`, or rows made verified without a check,
 * as seeds do), as SQL over the columns of `table`: `verifiedOnce` in src/domain/domain-checks.ts.
 */
const verifiedOnce = (table = "domains") =>
	sql.raw(
		`(${table}.verified_at IS NOT NULL OR (${table}.ownership_status = 'verified' AND ${table}.dkim_status = 'verified'))`,
	);

export async function findDomain(db: Db, accountId: string, id: string) {
	const [row] = await db
		.select()
		.from(domains)
		.where(and(eq(domains.accountId, accountId), eq(domains.id, id)))
		.limit(1);
	return row;
}

/** Any account's domain by name: a domain belongs to one account at a time (released ones to none). */
/** Who holds `name` in our shared SES account (BYOC names are per account), if anyone. */
export async function findSharedDomainByName(db: Db, name: string) {
	const [row] = await db
		.select()
		.from(domains)
		.where(
			and(eq(domains.name, name), isNull(domains.releasedAt), eq(domains.sendingPath, "shared")),
		)
		.limit(1);
	return row;
}

/** The account's unreleased domain of this name, on either path. */
export async function findAccountDomainByName(db: Db, accountId: string, name: string) {
	const [row] = await db
		.select()
		.from(domains)
		.where(
			and(eq(domains.accountId, accountId), eq(domains.name, name), isNull(domains.releasedAt)),
		)
		.limit(1);
	return row;
}

/** The account's domains among `names` (a sender's domain and its parents); released ones hold nothing. */
export function findDomainsByNames(db: Db, accountId: string, names: string[]) {
	return db
		.select()
		.from(domains)
		.where(
			and(
				eq(domains.accountId, accountId),
				inArray(domains.name, names),
				isNull(domains.releasedAt),
			),
		);
}

/** Every account's unreleased domains among `names` (a name being added and its parents). */
export function findHeldNames(db: Db, names: string[]) {
	return db
		.select()
		.from(domains)
		.where(and(inArray(domains.name, names), isNull(domains.releasedAt)));
}

/** The account's unreleased domains on one path, and how many of them never verified. */
export function countAccountDomains(db: Db, accountId: string, path: SendingPath) {
	return db
		.select({
			held: count(),
			pending: sql<number>`coalesce(sum(CASE WHEN ${verifiedOnce()} THEN 0 ELSE 1 END), 0)`,
		})
		.from(domains)
		.where(
			and(
				eq(domains.accountId, accountId),
				isNull(domains.releasedAt),
				eq(domains.sendingPath, path),
			),
		);
}

/** Unreleased Shared SES domains of every account: identities in the shared SES account. */
export function countHeldDomains(db: Db) {
	return db
		.select({ held: count() })
		.from(domains)
		.where(and(isNull(domains.releasedAt), eq(domains.sendingPath, "shared")));
}

/**
 * Inserts a domain only within the account's limits, in one transaction (a D1 batch): the row
 * goes in, comes out again if the account now holds more than `max` domains or more than
 * `maxPending` unverified ones, and, if it stayed, replaces the account's released rows of the
 * same name. Concurrent adds are serialized by D1, so the limits hold under any concurrency.
 * True when the row was kept.
 */
export async function insertDomainWithinLimits(
	db: Db,
	row: NewDomain,
	limits: { max: number; maxPending: number },
): Promise<boolean> {
	const path = row.sendingPath ?? "shared";
	const held = (pendingOnly: boolean) =>
		sql`(SELECT count(*) FROM domains AS d WHERE d.account_id = ${row.accountId} AND d.released_at IS NULL AND d.sending_path = ${path}${pendingOnly ? sql` AND NOT ${verifiedOnce("d")}` : sql``})`;
	const [, removed] = await db.batch([
		db.insert(domains).values(row),
		db
			.delete(domains)
			.where(
				and(
					eq(domains.id, row.id),
					sql`(${held(false)} > ${limits.max} OR ${held(true)} > ${limits.maxPending})`,
				),
			)
			.returning({ id: domains.id }),
		db
			.delete(domains)
			.where(
				and(
					eq(domains.accountId, row.accountId),
					eq(domains.name, row.name),
					isNotNull(domains.releasedAt),
					sql`EXISTS (SELECT 1 FROM domains AS d WHERE d.id = ${row.id})`,
				),
			),
	]);
	return removed.length === 0;
}

export function updateDomainStatement(db: Db, id: string, update: Partial<NewDomain>) {
	return db.update(domains).set(update).where(eq(domains.id, id));
}

export async function updateDomain(db: Db, id: string, update: Partial<NewDomain>) {
	await updateDomainStatement(db, id, update);
}

/**
 * Marks a claim that never verified as released, unless it verified or was released meanwhile.
 * True when this call released it.
 */
export async function releaseDomain(db: Db, id: string, update: Partial<NewDomain>) {
	const rows = await db
		.update(domains)
		.set(update)
		.where(and(eq(domains.id, id), isNull(domains.releasedAt), isNull(domains.verifiedAt)))
		.returning({ id: domains.id });
	return rows.length > 0;
}

export type CheckKind = "ownership" | "dkim";

const checkedAt = (kind: CheckKind) =>
	kind === "ownership" ? domains.ownershipCheckedAt : domains.dkimCheckedAt;

/**
 * Claims the right to check each of `kinds` now, for those not checked since `since`: one
 * conditional write each, so of many requests at once exactly one gets each kind. Answers the
 * kinds claimed.
 */
export async function claimChecks(
	db: Db,
	id: string,
	kinds: CheckKind[],
	now: number,
	since: number,
): Promise<CheckKind[]> {
	const [first, ...rest] = kinds.map((kind) =>
		db
			.update(domains)
			.set(kind === "ownership" ? { ownershipCheckedAt: now } : { dkimCheckedAt: now })
			.where(and(eq(domains.id, id), or(isNull(checkedAt(kind)), lte(checkedAt(kind), since))))
			.returning({ id: domains.id }),
	);
	if (!first) return [];
	const claimed = await db.batch([first, ...rest]);
	return kinds.filter((_, i) => (claimed[i]?.length ?? 0) > 0);
}

/** Gives claimed checks back when the check could not be made (SES unavailable). */
export async function unclaimChecks(
	db: Db,
	domain: Pick<DomainRow, "id" | "ownershipCheckedAt" | "dkimCheckedAt">,
	kinds: CheckKind[],
	claimedAt: number,
) {
	for (const kind of kinds) {
		await db
			.update(domains)
			.set(
				kind === "ownership"
					? { ownershipCheckedAt: domain.ownershipCheckedAt }
					: { dkimCheckedAt: domain.dkimCheckedAt },
			)
			.where(and(eq(domains.id, domain.id), eq(checkedAt(kind), claimedAt)));
	}
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
		.where(and(lte(domains.nextCheckAt, now), isNull(domains.releasedAt)))
		.orderBy(asc(domains.nextCheckAt))
		.limit(limit);
}
