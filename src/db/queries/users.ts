/** Dashboard users, their sessions, email verification and the throttling counters. */
import { and, eq, gt, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../client.ts";
import { accounts, loginFailures, sessions, users } from "../schema.ts";
import { callerAccountColumns } from "./api-keys.ts";

export type UserRow = typeof users.$inferSelect;

/** The user fields that decide what a user may do (staff, verified). */
const trustColumns = {
	id: users.id,
	email: users.email,
	accountId: users.accountId,
	emailVerifiedAt: users.emailVerifiedAt,
	staffGrant: users.staffGrant,
};

export async function findUserByEmail(db: Db, email: string) {
	const [row] = await db.select().from(users).where(eq(users.email, email)).limit(1);
	return row;
}

/** The read of a user by email, to put in a batch. */
export function findUserByEmailStatement(db: Db, email: string) {
	return db.select().from(users).where(eq(users.email, email)).limit(1);
}

/** A new user with their own new account and whatever must be written with them, in one batch. */
export async function createUserWithAccount(
	db: Db,
	user: {
		id: string;
		email: string;
		passwordHash: string;
		createdAt: number;
		verificationTokenHash: string;
		verificationExpiresAt: number;
	},
	account: { id: string; name: string },
	alongside: BatchItem<"sqlite">[],
) {
	await db.batch([
		db.insert(accounts).values({ ...account, ownerUserId: user.id, createdAt: user.createdAt }),
		db.insert(users).values({ ...user, accountId: account.id }),
		...alongside,
	]);
}

/** After a successful login: where it came from, and a stronger hash when one is due. */
export function recordLoginStatement(
	db: Db,
	id: string,
	update: { lastLoginIp: string; passwordHash?: string },
) {
	return db.update(users).set(update).where(eq(users.id, id));
}

/**
 * Replaces the live verification link of a user whose email is not verified yet, unless a newer
 * one was issued meanwhile (parallel requests): the newest mail's link is the one that works.
 */
export function setVerificationTokenStatement(
	db: Db,
	id: string,
	tokenHash: string,
	expiresAt: number,
) {
	return db
		.update(users)
		.set({ verificationTokenHash: tokenHash, verificationExpiresAt: expiresAt })
		.where(
			and(
				eq(users.id, id),
				isNull(users.emailVerifiedAt),
				or(isNull(users.verificationExpiresAt), lt(users.verificationExpiresAt, expiresAt)),
			),
		);
}

/**
 * Uses a verification link: one statement that checks it is live and spends it, so a link
 * works once however many requests race with it. Answers the user it verified, if any.
 */
export async function consumeVerificationToken(db: Db, tokenHash: string, now: number) {
	const [row] = await db
		.update(users)
		.set({ emailVerifiedAt: now, verificationTokenHash: null, verificationExpiresAt: null })
		.where(
			and(
				eq(users.verificationTokenHash, tokenHash),
				isNotNull(users.verificationExpiresAt),
				gt(users.verificationExpiresAt, now),
			),
		)
		.returning(trustColumns);
	return row;
}

/** The owner of an account, with what decides their trust; none for seeded accounts. */
export async function findAccountOwner(db: Db, accountId: string) {
	const [row] = await db
		.select(trustColumns)
		.from(accounts)
		.innerJoin(users, eq(users.id, accounts.ownerUserId))
		.where(eq(accounts.id, accountId))
		.limit(1);
	return row;
}

export async function insertSession(
	db: Db,
	session: {
		id: string;
		tokenHash: string;
		csrfToken: string;
		userId: string;
		createdAt: number;
		expiresAt: number;
	},
) {
	await db.insert(sessions).values(session);
}

/** The live session for a token hash, with its user and the account fields a request needs. */
export async function findSession(db: Db, tokenHash: string, now: number) {
	const [row] = await db
		.select({
			id: sessions.id,
			csrfToken: sessions.csrfToken,
			expiresAt: sessions.expiresAt,
			user: trustColumns,
			account: callerAccountColumns,
		})
		.from(sessions)
		.innerJoin(users, eq(users.id, sessions.userId))
		.innerJoin(accounts, eq(accounts.id, users.accountId))
		.where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now)))
		.limit(1);
	return row;
}

export async function deleteSession(db: Db, id: string) {
	await db.delete(sessions).where(eq(sessions.id, id));
}

/** Expired sessions, for the retention cron: at most `limit` per call. */
export async function deleteExpiredSessions(db: Db, now: number, limit: number): Promise<number> {
	const gone = await db
		.delete(sessions)
		.where(
			sql`${sessions.id} IN (SELECT ${sessions.id} FROM ${sessions} WHERE ${sessions.expiresAt} < ${now} LIMIT ${limit})`,
		)
		.returning({ id: sessions.id });
	return gone.length;
}

/**
 * Counts one attempt for `key` and answers the count, in one statement: D1 has no interactive
 * transactions, and a read before the write would let parallel attempts all see the old count.
 * A window that started before `since` starts over.
 */
export function countAttemptStatement(db: Db, key: string, now: number, since: number) {
	return db
		.insert(loginFailures)
		.values({ key, count: 1, firstAt: now })
		.onConflictDoUpdate({
			target: loginFailures.key,
			set: {
				count: sql`CASE WHEN ${loginFailures.firstAt} < ${since} THEN 1 ELSE ${loginFailures.count} + 1 END`,
				firstAt: sql`CASE WHEN ${loginFailures.firstAt} < ${since} THEN ${now} ELSE ${loginFailures.firstAt} END`,
			},
		})
		.returning({ count: loginFailures.count });
}

/** Takes back one counted attempt (it turned out to be the right password). */
export function uncountAttemptStatement(db: Db, key: string) {
	return db
		.update(loginFailures)
		.set({ count: sql`MAX(${loginFailures.count} - 1, 0)` })
		.where(eq(loginFailures.key, key));
}

export function clearAttemptsStatement(db: Db, key: string) {
	return db.delete(loginFailures).where(eq(loginFailures.key, key));
}
