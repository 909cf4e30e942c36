/**
 * Suspension and reinstatement, around the account's guard (the authority): the guard decides
 * and enforces; D1 mirrors the state for the dashboard, staff and the send path's early
 * refusal, with an audit entry and a notice to the owner, all written in one batch.
 *
 * Recording is idempotent (ids derived from the suspension's time) and the guard keeps asking
 * until it is told the suspension is recorded, so a caller that fails half-way (an SNS
 * notification answered 503, a send request whose waitUntil died) is followed by one that
 * finishes the job, and the owner is told exactly once.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { findOwnerEmail } from "../db/queries/accounts.ts";
import { insertNoticeStatement, type NoticeRow } from "../db/queries/notices.ts";
import { accountActions, accounts } from "../db/schema.ts";
import { derivedUuidv7, uuidv7 } from "../lib/ids.ts";
import type {
	ReputationEvent,
	ReputationGuard,
	ReputationWarning,
	SendCount,
	SendGuard,
	Suspension,
} from "./guard.ts";
import { buildNotice } from "./notices.ts";
import { describeFigures, headroom } from "./reputation.ts";
import type { WebhookMessage } from "./webhook-delivery.ts";
import { emitEvents, enqueueDeliveries, outwardEventStatements } from "./webhook-events.ts";

export interface SuspensionDeps {
	db: Db;
	/** `account.suspended` / `account.reinstated` deliveries to the customer's endpoints. */
	webhookQueue: Queue<WebhookMessage>;
	guard: Pick<
		ReputationGuard,
		"recordFeedback" | "markSuspensionRecorded" | "reinstate" | "standing"
	> &
		Pick<SendGuard, "recordSends">;
}

/**
 * Feeds bounces and complaints to the guard, with the sends a notification recorded (one that
 * came before the consumer recorded its email's send: src/domain/email-recorder.ts), and
 * records a suspension it has not recorded yet. Answers the notice to dispatch, if this call
 * recorded one.
 */
export async function recordReputation(
	deps: SuspensionDeps,
	accountId: string,
	events: ReputationEvent[],
	now = Date.now(),
	sends: SendCount[] = [],
): Promise<NoticeRow | null> {
	if (events.length === 0 && sends.length === 0) return null;
	// The sends first: they are the rates' denominator.
	const counted = sends.length ? await deps.guard.recordSends(sends, now) : null;
	const feedback = events.length ? await deps.guard.recordFeedback(events, now) : null;
	if (feedback?.warning) await emitReputationWarning(deps, accountId, feedback.warning);
	const unrecorded = feedback?.unrecorded ?? counted?.unrecorded ?? null;
	return unrecorded ? recordSuspension(deps, accountId, unrecorded) : null;
}

/**
 * `account.reputation_warning`: a 7-day rate passed 75% of its suspension threshold. The guard
 * answers it once per window; if writing it fails here, that warning is not sent again.
 */
async function emitReputationWarning(
	deps: SuspensionDeps,
	accountId: string,
	warning: ReputationWarning,
) {
	const { figures } = warning;
	await emitEvents(deps, [
		{
			accountId,
			type: "account.reputation_warning",
			key: `reputation-warning:${accountId}:${warning.at}`,
			at: warning.at,
			data: {
				account_id: accountId,
				rate: warning.rate,
				figures: describeFigures(figures),
				headroom: {
					hard_bounces_before_suspension: headroom(figures, "hardBounces"),
					complaints_before_suspension: headroom(figures, "complaints"),
				},
			},
		},
	]);
}

/** Mirrors a suspension the guard decided to D1 with its audit entry and the owner's notice. */
export async function recordSuspension(
	deps: SuspensionDeps,
	accountId: string,
	suspension: Suspension,
): Promise<NoticeRow | null> {
	const { db } = deps;
	const details = describeFigures(suspension.figures);
	const owner = await findOwnerEmail(db, accountId);
	const notice = owner
		? await buildNotice(
				{ key: `suspension:${accountId}`, keyTime: suspension.at },
				{
					accountId,
					to: owner,
					subject: "Your SendFleet sending is suspended",
					text: `API sending for your SendFleet account has been suspended automatically to protect the shared sending reputation.\n\n${suspension.reason}\n\nClean your recipient lists (remove addresses that bounce or complain), then contact support to have the account reviewed and reinstated.\n`,
				},
				suspension.at,
			)
		: null;
	// Keyed like the audit entry, so recording the same suspension again emits nothing new.
	const emit = await outwardEventStatements(db, [
		{
			accountId,
			type: "account.suspended",
			key: `suspended:${accountId}:${suspension.at}`,
			at: suspension.at,
			data: {
				account_id: accountId,
				suspended_at: new Date(suspension.at).toISOString(),
				reason: suspension.reason,
				figures: details,
			},
		},
	]);
	const results = await db.batch([
		db
			.update(accounts)
			.set({
				suspendedAt: suspension.at,
				suspensionReason: suspension.reason,
				suspensionDetails: details,
			})
			.where(eq(accounts.id, accountId)),
		db
			.insert(accountActions)
			.values({
				id: await derivedUuidv7(suspension.at, `suspended:${accountId}`),
				accountId,
				action: "suspended",
				reason: suspension.reason,
				details,
				actorUserId: null,
				createdAt: suspension.at,
			})
			.onConflictDoNothing(),
		...(notice ? [insertNoticeStatement(db, notice)] : []),
		...emit.statements,
	]);
	await enqueueDeliveries(deps, emit.deliveriesIn(results, notice ? 3 : 2));
	await deps.guard.markSuspensionRecorded(suspension.at);
	console.warn(`account ${accountId} suspended: ${suspension.reason}`);
	return notice;
}

/**
 * Staff lift a suspension; the guard's window restarts so the same events cannot repeat it.
 * The guard is the authority: a suspension it holds is lifted even if its D1 mirror was never
 * written, and a mirror left behind is cleared even if the guard has none.
 */
export async function reinstateAccount(
	deps: SuspensionDeps,
	account: { id: string; suspendedAt: number | null },
	staff: { userId: string; note: string },
	now = Date.now(),
): Promise<{ kind: "reinstated"; lifted: Suspension | null } | { kind: "not_suspended" }> {
	const { db } = deps;
	const accountId = account.id;
	const current = await deps.guard.standing();
	if (!current && account.suspendedAt === null) return { kind: "not_suspended" };
	const lifted = await deps.guard.reinstate(now);
	const actionId = uuidv7(now);
	const emit = await outwardEventStatements(db, [
		{
			accountId,
			type: "account.reinstated",
			key: `reinstated:${actionId}`,
			at: now,
			data: { account_id: accountId, reinstated_at: new Date(now).toISOString() },
		},
	]);
	const results = await db.batch([
		db
			.update(accounts)
			.set({ suspendedAt: null, suspensionReason: null, suspensionDetails: null })
			.where(eq(accounts.id, accountId)),
		db.insert(accountActions).values({
			id: actionId,
			accountId,
			action: "reinstated",
			reason: staff.note,
			details: lifted ? describeFigures(lifted.figures) : null,
			actorUserId: staff.userId,
			createdAt: now,
		}),
		...emit.statements,
	]);
	await enqueueDeliveries(deps, emit.deliveriesIn(results, 2));
	return { kind: "reinstated", lifted };
}
