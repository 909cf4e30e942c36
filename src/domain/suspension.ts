/**
 * Suspension and reinstatement, around the account's guard (the authority): the guard decides
 * and enforces; D1 mirrors the state for the dashboard, staff and the send path's early
 * refusal, with an audit trail; the owner is emailed.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { findOwnerEmail } from "../db/queries/accounts.ts";
import { accountActions, accounts } from "../db/schema.ts";
import type { Suspension } from "../durable-objects/account-guard.ts";
import { guardFor } from "../durable-objects/index.ts";
import type { Bindings } from "../env.ts";
import { uuidv7 } from "../lib/ids.ts";
import type { ReputationEvent } from "./feedback.ts";
import { sendPlatformEmail } from "./platform-email.ts";
import { describeFigures } from "./reputation.ts";

/** Feeds bounces and complaints to the guard; mirrors and announces a suspension it causes. */
export async function recordReputation(
	env: Bindings,
	db: Db,
	accountId: string,
	events: ReputationEvent[],
	now = Date.now(),
): Promise<Suspension | null> {
	if (events.length === 0) return null;
	const { newlySuspended } = await guardFor(env, accountId).recordFeedback(events, now);
	if (newlySuspended) await announceSuspension(env, db, accountId, newlySuspended);
	return newlySuspended;
}

/** Mirrors a suspension the guard decided to D1 (with the audit entry) and emails the owner. */
export async function announceSuspension(
	env: Bindings,
	db: Db,
	accountId: string,
	suspension: Suspension,
) {
	const details = describeFigures(suspension.figures);
	await db.batch([
		db
			.update(accounts)
			.set({
				suspendedAt: suspension.at,
				suspensionReason: suspension.reason,
				suspensionDetails: details,
			})
			.where(eq(accounts.id, accountId)),
		db.insert(accountActions).values({
			id: uuidv7(suspension.at),
			accountId,
			action: "suspended",
			reason: suspension.reason,
			details,
			actorUserId: null,
			createdAt: suspension.at,
		}),
	]);
	console.warn(`account ${accountId} suspended: ${suspension.reason}`);
	const owner = await findOwnerEmail(db, accountId);
	if (owner) {
		await sendPlatformEmail(env, db, {
			to: owner,
			subject: "Your SendFleet sending is suspended",
			text: `API sending for your SendFleet account has been suspended automatically to protect the shared sending reputation.\n\n${suspension.reason}\n\nClean your recipient lists (remove addresses that bounce or complain), then contact support to have the account reviewed and reinstated.\n`,
		});
	}
}

/** Staff lift a suspension; the guard's window restarts so the same events cannot repeat it. */
export async function reinstateAccount(
	env: Bindings,
	db: Db,
	accountId: string,
	staff: { userId: string; note: string },
	now = Date.now(),
): Promise<Suspension | null> {
	const lifted = await guardFor(env, accountId).reinstate(now);
	await db.batch([
		db
			.update(accounts)
			.set({ suspendedAt: null, suspensionReason: null, suspensionDetails: null })
			.where(eq(accounts.id, accountId)),
		db.insert(accountActions).values({
			id: uuidv7(now),
			accountId,
			action: "reinstated",
			reason: staff.note,
			details: lifted ? describeFigures(lifted.figures) : null,
			actorUserId: staff.userId,
			createdAt: now,
		}),
	]);
	return lifted;
}
