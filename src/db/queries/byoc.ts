/** BYOC connections: one per account, its secrets sealed. */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../client.ts";
import { byocConnections } from "../schema.ts";

export type ByocConnectionRow = typeof byocConnections.$inferSelect;

export async function findByocConnection(db: Db, accountId: string) {
	const [row] = await db
		.select()
		.from(byocConnections)
		.where(eq(byocConnections.accountId, accountId))
		.limit(1);
	return row ?? null;
}

/** Saves the account's connection, replacing the one before. */
export async function saveByocConnection(db: Db, row: ByocConnectionRow) {
	const { accountId, ...rest } = row;
	await db
		.insert(byocConnections)
		.values(row)
		.onConflictDoUpdate({ target: byocConnections.accountId, set: rest });
}

export async function deleteByocConnection(db: Db, accountId: string): Promise<boolean> {
	const deleted = await db
		.delete(byocConnections)
		.where(eq(byocConnections.accountId, accountId))
		.returning({ accountId: byocConnections.accountId });
	return deleted.length > 0;
}

/** Marks it broken once (the first failing send), keeping the first reason and time. */
export async function markByocBroken(db: Db, accountId: string, reason: string, at: number) {
	await db
		.update(byocConnections)
		.set({ brokenReason: reason, brokenAt: at })
		.where(and(eq(byocConnections.accountId, accountId), isNull(byocConnections.brokenAt)));
}

/** A send went through again: the connection works. */
export async function markByocWorking(db: Db, accountId: string) {
	await db
		.update(byocConnections)
		.set({ brokenReason: null, brokenAt: null })
		.where(eq(byocConnections.accountId, accountId));
}
