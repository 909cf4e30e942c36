/** Notices to account owners (src/domain/notices.ts): recorded once, dispatched once. */
import { and, asc, eq, isNull, lt } from "drizzle-orm";
import type { Db } from "../client.ts";
import { notices } from "../schema.ts";

export type NoticeRow = typeof notices.$inferSelect;

export function insertNoticeStatement(db: Db, row: NoticeRow) {
	return db.insert(notices).values(row).onConflictDoNothing();
}

/** Notices not dispatched yet, oldest first (created before `before`). */
export function findUndispatchedNotices(db: Db, before: number, limit: number) {
	return db
		.select()
		.from(notices)
		.where(and(isNull(notices.dispatchedAt), lt(notices.createdAt, before)))
		.orderBy(asc(notices.createdAt))
		.limit(limit);
}

export function findNotice(db: Db, id: string) {
	return db.select().from(notices).where(eq(notices.id, id)).limit(1);
}

export async function markNoticeDispatched(db: Db, id: string, at: number, problem: string | null) {
	await db
		.update(notices)
		.set({ dispatchedAt: at, problem })
		.where(and(eq(notices.id, id), isNull(notices.dispatchedAt)));
}
