/**
 * `Idempotency-Key` records: one row per (account, key) while the key is kept. A row without a
 * response is a claim (the first request is still running); a row with one is replayed.
 *
 * Every write names the claim it acts on by its `created_at`, so a request that finishes after
 * its claim was taken over (see `claimIdempotencyKey`) cannot overwrite or delete the new one.
 */
import { and, eq, isNull, lt, sql } from "drizzle-orm";
import { DAY } from "../../lib/time.ts";
import type { Db } from "../client.ts";
import { idempotencyKeys } from "../schema.ts";

export type IdempotencyRecord = typeof idempotencyKeys.$inferSelect;

/** How long a key is kept: Resend keeps them 24 hours, and so do we. */
export const IDEMPOTENCY_KEY_TTL = DAY;

/** Identifies one claim: the key and the moment it was claimed. */
export interface IdempotencyClaim {
	accountId: string;
	key: string;
	createdAt: number;
}

export type ClaimResult =
	| { kind: "claimed" }
	/** Someone holds the key: a finished request (replay it) or one still running. */
	| { kind: "taken"; record: IdempotencyRecord };

/**
 * Claims the key for a new request, in one round trip and atomically: the INSERT either writes
 * the claim or, on conflict, takes over the existing row only when it may be reused (kept past
 * `expiredBefore`, or a claim without a response older than `abandonedBefore`, whose Worker
 * died before it could finish or release it). RETURNING yields a row only when this request
 * wrote it; the SELECT in the same batch (one transaction in D1) then reads whoever holds it.
 */
export async function claimIdempotencyKey(
	db: Db,
	claim: IdempotencyClaim & { endpoint: string; requestHash: string },
	reuse: { expiredBefore: number; abandonedBefore: number },
): Promise<ClaimResult> {
	const [inserted, held] = await db.batch([
		db
			.insert(idempotencyKeys)
			.values({ ...claim, responseStatus: null, responseBody: null })
			.onConflictDoUpdate({
				target: [idempotencyKeys.accountId, idempotencyKeys.key],
				set: {
					endpoint: claim.endpoint,
					requestHash: claim.requestHash,
					responseStatus: null,
					responseBody: null,
					createdAt: claim.createdAt,
				},
				setWhere: sql`${idempotencyKeys.createdAt} < ${reuse.expiredBefore} OR (${idempotencyKeys.responseStatus} IS NULL AND ${idempotencyKeys.createdAt} < ${reuse.abandonedBefore})`,
			})
			.returning({ createdAt: idempotencyKeys.createdAt }),
		db
			.select()
			.from(idempotencyKeys)
			.where(
				and(eq(idempotencyKeys.accountId, claim.accountId), eq(idempotencyKeys.key, claim.key)),
			)
			.limit(1),
	]);
	if (inserted.length > 0) return { kind: "claimed" };
	const record = held[0];
	// The INSERT conflicted with this very row inside the same transaction, so it exists.
	if (!record) throw new Error("idempotency key neither claimed nor held");
	return { kind: "taken", record };
}

const stillClaimed = (claim: IdempotencyClaim) =>
	and(
		eq(idempotencyKeys.accountId, claim.accountId),
		eq(idempotencyKeys.key, claim.key),
		eq(idempotencyKeys.createdAt, claim.createdAt),
		isNull(idempotencyKeys.responseStatus),
	);

/** Records the first request's response, to be replayed for the rest of the key's life. */
export async function completeIdempotencyKey(
	db: Db,
	claim: IdempotencyClaim,
	response: { status: number; body: string },
): Promise<void> {
	await db
		.update(idempotencyKeys)
		.set({ responseStatus: response.status, responseBody: response.body })
		.where(stillClaimed(claim));
}

/** Gives the key back (the request failed), so the client can retry with the same key. */
export async function releaseIdempotencyKey(db: Db, claim: IdempotencyClaim): Promise<void> {
	await db.delete(idempotencyKeys).where(stillClaimed(claim));
}

/**
 * Deletes up to `limit` keys created before `before` (epoch ms) and returns how many went, so
 * the retention cron can loop in bounded steps. Uses the `created_at` index.
 */
export async function deleteExpiredIdempotencyKeys(
	db: Db,
	before: number,
	limit: number,
): Promise<number> {
	const result = await db
		.delete(idempotencyKeys)
		.where(
			sql`rowid IN (${db
				.select({ rowid: sql`rowid` })
				.from(idempotencyKeys)
				.where(lt(idempotencyKeys.createdAt, before))
				.orderBy(idempotencyKeys.createdAt)
				.limit(limit)})`,
		);
	return result.meta.changes;
}
