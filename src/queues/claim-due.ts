/**
 * The send consumer's first step for scheduled emails (src/queues/send.ts): claims the due ones
 * through the lifecycle (scheduled → queued, only if still scheduled, so a cancel that got
 * there first wins) and moves the quota of one accepted in an earlier month to this month's.
 */
import { findEmailsToSend } from "../db/queries/emails.ts";
import { type RecorderStore, recordEmailEvents } from "../domain/email-recorder.ts";
import { isAwaitingSes, isScheduled } from "../domain/email-state.ts";
import type { SendGuard } from "../domain/guard.ts";
import { recipientAddresses } from "../lib/addresses.ts";
import type { EmailHandle } from "./send-ledger.ts";

export interface ClaimDeps extends RecorderStore {
	guardFor: (accountId: string) => SendGuard;
}

/** A scheduled email this close to its time is due (queue delays are whole seconds). */
const DUE_SLACK_MS = 1000;

export type Found = Awaited<ReturnType<typeof findEmailsToSend>>[number];

/**
 * Claims the due scheduled emails among `found` (scheduled → queued) and answers the batch's
 * emails as they are now; a scheduled one not due yet (rescheduled to later) is acked and
 * dropped, as its new time's dispatch sends a new message. A claimed email accepted in an
 * earlier month counts against this month's quota now (`overQuota`: the ones that found no
 * room, with the reason they are held).
 */
export async function claimDue(
	deps: ClaimDeps,
	found: Found[],
	work: Map<string, EmailHandle>,
): Promise<{ found: Found[]; overQuota: Map<string, string> }> {
	const overQuota = new Map<string, string>();
	const scheduled = found.filter((f) => isScheduled(f.email));
	if (scheduled.length === 0) return { found, overQuota };
	const now = Date.now();
	const due = scheduled.filter((f) => (f.email.scheduledAt ?? 0) <= now + DUE_SLACK_MS);
	for (const f of scheduled) if (!due.includes(f)) work.get(f.email.id)?.ack();
	const others = found.filter((f) => !isScheduled(f.email));
	if (due.length === 0) return { found: others, overQuota };
	let claimed: Found[];
	try {
		await recordEmailEvents(
			deps,
			due.map((f) => ({
				email: f.email,
				event: { kind: "due", at: now },
				key: `due:${f.email.id}`,
			})),
		);
		// Read again: a cancel or reschedule may have won the race for some.
		claimed = await findEmailsToSend(
			deps.db,
			due.map((f) => f.email.id),
		);
	} catch (cause) {
		console.error("send queue: could not claim due scheduled emails, retrying them", cause);
		for (const f of due) work.get(f.email.id)?.retry({ delaySeconds: 5 });
		return { found: others, overQuota };
	}
	for (const { email, account } of claimed) {
		if (!isAwaitingSes(email) || !account || sameMonth(email.createdAt, now)) continue;
		const recipients = recipientAddresses(email).length;
		const request = { plan: account.plan, recipients, from: email.createdAt, now };
		const room = await deps
			.guardFor(email.accountId)
			.carryOver(request)
			.catch((cause: unknown) => {
				// Fail open: it was admitted when accepted, and the quota is not what protects SES.
				console.error("send queue: could not move a scheduled email's quota", cause);
				return { ok: true, used: 0, quota: 0 };
			});
		if (!room.ok) {
			overQuota.set(
				email.id,
				`Not sent: when it was due, the account's monthly quota had no room for its ${recipients} recipients (${room.used} of ${room.quota} used).`,
			);
		}
	}
	return { found: [...others, ...claimed], overQuota };
}

const sameMonth = (a: number, b: number) =>
	new Date(a).toISOString().slice(0, 7) === new Date(b).toISOString().slice(0, 7);
