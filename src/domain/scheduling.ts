/**
 * Rescheduling and canceling a scheduled email (`PATCH /emails/:id`, `POST /emails/:id/cancel`).
 * Both go through the email lifecycle, which applies them only to an email still `scheduled`
 * and writes it only at the revision it decided on (src/domain/email-recorder.ts). The send
 * consumer's claim of a due email goes the same way, so of a cancel and a claim racing exactly
 * one wins, and the answer is read back from the row: success, or a 409 that says the email is
 * already being sent. Never both, never a send after a successful cancel.
 */
import { type EmailRow, findEmailOfAccount } from "../db/queries/emails.ts";
import { type Recorded, type RecorderStore, recordEmailEvents } from "./email-recorder.ts";
import { isScheduled, type LifecycleEvent } from "./email-state.ts";
import { DISPATCH_AHEAD_MS, delayUntil } from "./email-storage.ts";
import type { GuardPort } from "./guard.ts";
import { type Rejected, rejected } from "./refusals.ts";
import type { SendMessage } from "./send-message.ts";

export interface SchedulingDeps extends RecorderStore {
	queue: Queue<SendMessage>;
	guard: Pick<GuardPort, "release">;
}

export type ScheduleChange = { kind: "changed" } | { kind: "not_found" } | Rejected;

/**
 * Records `event` on the account's email if it is still scheduled, and answers whether the row
 * now shows it (`applied`, read back after the write): a claim by the send consumer, or another
 * change, may have won the race.
 */
async function changeScheduled(
	deps: SchedulingDeps,
	accountId: string,
	id: string,
	event: LifecycleEvent,
	key: string,
	applied: (after: EmailRow) => boolean,
): Promise<
	| { kind: "changed"; email: EmailRow; recorded: Recorded | undefined }
	| Exclude<ScheduleChange, { kind: "changed" }>
> {
	const email = await findEmailOfAccount(deps.db, accountId, id);
	if (!email) return { kind: "not_found" };
	if (!isScheduled(email)) {
		return rejected({ code: "email_not_scheduled", lastEvent: email.lastEvent });
	}
	const [recorded] = await recordEmailEvents(deps, [{ email, event, key }], event.at);
	const after = await findEmailOfAccount(deps.db, accountId, id);
	if (!after || !applied(after)) {
		return rejected({ code: "email_not_scheduled", lastEvent: after?.lastEvent ?? "queued" });
	}
	return { kind: "changed", email, recorded };
}

export async function cancelEmail(
	deps: SchedulingDeps,
	accountId: string,
	id: string,
	now = Date.now(),
): Promise<ScheduleChange> {
	const change = await changeScheduled(
		deps,
		accountId,
		id,
		{ kind: "canceled", at: now },
		`cancel:${id}`,
		(after) => after.lastEvent === "canceled",
	);
	if (change.kind !== "changed") return change;
	const recipients = change.recorded?.guard.releasedRecipients ?? 0;
	if (recipients > 0) {
		// The quota it took when accepted goes back to that month; if the guard is down, the
		// figures stay high until the month ends (it never blocks more than was really asked).
		await deps.guard
			.release({ recipients, at: change.email.createdAt })
			.catch((cause) => console.error("could not release a canceled email's quota", cause));
	}
	return { kind: "changed" };
}

export async function rescheduleEmail(
	deps: SchedulingDeps,
	accountId: string,
	id: string,
	scheduledAt: number,
	now = Date.now(),
): Promise<ScheduleChange> {
	const change = await changeScheduled(
		deps,
		accountId,
		id,
		{ kind: "rescheduled", scheduledAt, at: now },
		`reschedule:${id}:${now}`,
		(after) => after.lastEvent === "scheduled" && after.scheduledAt === scheduledAt,
	);
	if (change.kind !== "changed") return change;
	// Within the minute, the minute's dispatch may already have run: queue it now, delayed.
	if (scheduledAt - now <= DISPATCH_AHEAD_MS) {
		await deps.queue.send({ emailId: id }, { delaySeconds: delayUntil(scheduledAt, now) });
	}
	return { kind: "changed" };
}
