/** Accounts as the account and staff pages see them, and verification requests. */
import { and, desc, eq, isNotNull, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../client.ts";
import { accountActions, accounts, users, verificationRequests } from "../schema.ts";
import { keysetPage, type PageRequest } from "./pagination.ts";

export type AccountRow = typeof accounts.$inferSelect;
export type VerificationRequestRow = typeof verificationRequests.$inferSelect;

export async function findAccount(db: Db, id: string) {
	const [row] = await db.select().from(accounts).where(eq(accounts.id, id)).limit(1);
	return row;
}

export async function findOwnerEmail(db: Db, accountId: string): Promise<string | undefined> {
	const [row] = await db
		.select({ email: users.email })
		.from(accounts)
		.innerJoin(users, eq(users.id, accounts.ownerUserId))
		.where(eq(accounts.id, accountId))
		.limit(1);
	return row?.email;
}

export async function latestVerificationRequest(db: Db, accountId: string) {
	const [row] = await db
		.select()
		.from(verificationRequests)
		.where(eq(verificationRequests.accountId, accountId))
		.orderBy(desc(verificationRequests.id))
		.limit(1);
	return row;
}

/** Records the request and marks the account pending, together. */
export async function submitVerificationRequest(
	db: Db,
	request: typeof verificationRequests.$inferInsert,
) {
	await db.batch([
		db.insert(verificationRequests).values(request),
		db
			.update(accounts)
			.set({ verificationStatus: "pending" })
			.where(eq(accounts.id, request.accountId)),
	]);
}

export function listVerificationRequests(
	db: Db,
	status: "pending" | "approved" | "rejected",
	page: PageRequest,
) {
	return keysetPage(page, (where, order) =>
		db
			.select({ request: verificationRequests, accountName: accounts.name })
			.from(verificationRequests)
			.innerJoin(accounts, eq(accounts.id, verificationRequests.accountId))
			.where(and(eq(verificationRequests.status, status), where(verificationRequests.id)))
			.orderBy(order(verificationRequests.id))
			.limit(page.limit + 1),
	);
}

export async function findVerificationRequest(db: Db, id: string) {
	const [row] = await db
		.select()
		.from(verificationRequests)
		.where(eq(verificationRequests.id, id))
		.limit(1);
	return row;
}

/**
 * Records a staff decision on a pending request and sets the account's verification status, in
 * one batch with `alongside` (the owner's notice); false when the request was no longer pending
 * (decided meanwhile).
 */
export async function decideVerificationRequest(
	db: Db,
	request: VerificationRequestRow,
	decision: {
		status: "approved" | "rejected";
		note: string | null;
		decidedBy: string;
		decidedAt: number;
	},
	alongside: BatchItem<"sqlite">[] = [],
): Promise<boolean> {
	const [updated] = await db.batch([
		db
			.update(verificationRequests)
			.set({
				status: decision.status,
				decisionNote: decision.note,
				decidedBy: decision.decidedBy,
				decidedAt: decision.decidedAt,
			})
			.where(
				and(eq(verificationRequests.id, request.id), eq(verificationRequests.status, "pending")),
			)
			.returning({ id: verificationRequests.id }),
		// Only if the first statement decided it: D1 batches cannot branch, so the second one
		// checks for the decision it would have written.
		db
			.update(accounts)
			.set({ verificationStatus: decision.status })
			.where(
				and(
					eq(accounts.id, request.accountId),
					sql`EXISTS (SELECT 1 FROM ${verificationRequests} WHERE ${verificationRequests.id} = ${request.id} AND ${verificationRequests.decidedAt} = ${decision.decidedAt})`,
				),
			),
		...alongside,
	]);
	return updated.length > 0;
}

/** Accounts for the staff pages, newest first; optionally only the suspended ones. */
export function listAccounts(db: Db, page: PageRequest & { suspended?: boolean }) {
	return keysetPage(page, (where, order) =>
		db
			.select()
			.from(accounts)
			.where(and(page.suspended ? isNotNull(accounts.suspendedAt) : undefined, where(accounts.id)))
			.orderBy(order(accounts.id))
			.limit(page.limit + 1),
	);
}

export function listAccountActions(db: Db, accountId: string) {
	return db
		.select()
		.from(accountActions)
		.where(eq(accountActions.accountId, accountId))
		.orderBy(desc(accountActions.id))
		.limit(50);
}
