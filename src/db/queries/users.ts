/** Dashboard users, their sessions and the login-failure counters. */
import { and, eq, gt, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { accounts, loginFailures, sessions, type UserRole, users } from "../schema.ts";
import { callerAccountColumns } from "./api-keys.ts";

export type UserRow = typeof users.$inferSelect;

export async function findUserByEmail(db: Db, email: string) {
	const [row] = await db.select().from(users).where(eq(users.email, email)).limit(1);
	return row;
}

/** A new user with their own new account, in one batch. */
export async function createUserWithAccount(
	db: Db,
	user: { id: string; email: string; passwordHash: string; role: UserRole; createdAt: number },
	account: { id: string; name: string },
) {
	await db.batch([
		db.insert(accounts).values({ ...account, ownerUserId: user.id, createdAt: user.createdAt }),
		db.insert(users).values({ ...user, accountId: account.id }),
	]);
}

export async function updateUser(
	db: Db,
	id: string,
	update: Partial<Pick<UserRow, "passwordHash" | "role">>,
) {
	await db.update(users).set(update).where(eq(users.id, id));
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
			user: { id: users.id, email: users.email, role: users.role, accountId: users.accountId },
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

/** Failures counted for `key` within the window that started at `since`. */
export async function recentFailures(db: Db, key: string, since: number): Promise<number> {
	const [row] = await db
		.select({ count: loginFailures.count })
		.from(loginFailures)
		.where(and(eq(loginFailures.key, key), gt(loginFailures.firstAt, since)));
	return row?.count ?? 0;
}

/** Counts a failure; a window older than `since` starts over. */
export function recordFailureStatement(db: Db, key: string, now: number, since: number) {
	return db
		.insert(loginFailures)
		.values({ key, count: 1, firstAt: now })
		.onConflictDoUpdate({
			target: loginFailures.key,
			set: {
				count: sql`CASE WHEN ${loginFailures.firstAt} < ${since} THEN 1 ELSE ${loginFailures.count} + 1 END`,
				firstAt: sql`CASE WHEN ${loginFailures.firstAt} < ${since} THEN ${now} ELSE ${loginFailures.firstAt} END`,
			},
		});
}

export async function clearFailures(db: Db, key: string) {
	await db.delete(loginFailures).where(eq(loginFailures.key, key));
}
