/**
 * The email lifecycle: the one place that decides what an event does to an email. Pure: given
 * the email's current state and one event, it answers the next state, the timeline entries to
 * add and the effects the event has outside the email (suppress an address, count a bounce or
 * complaint for the account's reputation). `src/domain/email-recorder.ts` is the one writer
 * that applies these decisions to D1; the send consumer, its dead-letter consumer and the
 * feedback loop all go through it. The state, events and effects it speaks of, and what
 * `status` and `last_event` mean, are in src/domain/email-state.ts.
 *
 * A scheduled email waits with `last_event` `scheduled` until it is `due` (then `queued`, and
 * the send consumer takes it from there); until then it can be `rescheduled` or `canceled`.
 * Each of the three applies only to an email still `scheduled`, and the recorder writes an
 * email only at the revision its decision was made on, so whichever comes first wins and the
 * others change nothing: a canceled email is never sent, a due one is never canceled.
 *
 * Every rule is idempotent (the same event twice changes nothing the second time) and
 * independent of arrival order where SES does not guarantee one (a delivery notification may
 * arrive before the consumer records SES's acceptance).
 */
import type { EmailEvent } from "../db/schema.ts";
import {
	type Details,
	type Effect,
	type EmailState,
	isAwaitingSes,
	isScheduled,
	type LifecycleEvent,
	RANK,
	SUPPRESSED_CODE,
	type TimelineEntry,
	type Transition,
} from "./email-state.ts";
import { countsForReputation } from "./reputation.ts";

/** Why a canceled email failed, as `failure_reason` says it. */
export const CANCELED_REASON = "Canceled before its scheduled time.";

const stronger = (current: EmailEvent, candidate: EmailEvent): EmailEvent =>
	RANK[candidate] > RANK[current] ? candidate : current;

/** A pending email fails with the reason; a final one keeps its status and reason. */
function fail(state: EmailState, reason: string): Partial<EmailState> {
	return state.status === "pending" ? { status: "failed", failureReason: reason } : {};
}

const perRecipient = (type: string, recipients: string[], details: Details | null, at: number) =>
	(recipients.length ? recipients : [null]).map((recipient) => ({ type, recipient, details, at }));

export function transition(state: EmailState, event: LifecycleEvent): Transition {
	const { patch, timeline, effects } = decide(state, event);
	const next = { ...state, ...patch };
	const changed = (Object.keys(patch) as (keyof EmailState)[]).some((k) =>
		Array.isArray(next[k])
			? (next[k] as readonly string[]).length !== (state[k] as readonly string[]).length
			: next[k] !== state[k],
	);
	return { next, changed, timeline, effects };
}

/**
 * SES's acceptance of the email, then `event`, as one transition: how a notification that
 * arrives before the consumer recorded the send (SES's events name the message and when SES
 * accepted it) records both in one write.
 */
export function transitionAfterSend(
	state: EmailState,
	send: { sesMessageId: string; at: number },
	event: LifecycleEvent,
): Transition {
	const first = transition(state, { kind: "accepted_by_ses", ...send });
	const then = transition(first.next, event);
	return {
		next: then.next,
		changed: first.changed || then.changed,
		timeline: [...first.timeline, ...then.timeline],
		effects: [...first.effects, ...then.effects],
	};
}

function decide(
	state: EmailState,
	event: LifecycleEvent,
): { patch: Partial<EmailState>; timeline: TimelineEntry[]; effects: Effect[] } {
	const none = { patch: {}, timeline: [], effects: [] };
	switch (event.kind) {
		case "due":
			if (!isScheduled(state)) return none;
			return { patch: { lastEvent: "queued" }, timeline: [], effects: [] };
		case "rescheduled": {
			if (!isScheduled(state) || state.scheduledAt === event.scheduledAt) return none;
			const scheduledAt = new Date(event.scheduledAt).toISOString();
			return {
				patch: { scheduledAt: event.scheduledAt },
				timeline: [
					{
						type: "rescheduled",
						recipient: null,
						details: { scheduled_at: scheduledAt },
						at: event.at,
					},
				],
				effects: [{ kind: "emit", type: "email.scheduled", extra: { scheduled_at: scheduledAt } }],
			};
		}
		case "canceled":
			if (!isScheduled(state)) return none;
			return {
				patch: { status: "failed", lastEvent: "canceled", failureReason: CANCELED_REASON },
				timeline: [{ type: "canceled", recipient: null, details: null, at: event.at }],
				effects: [{ kind: "release_quota", recipients: state.recipients.length }],
			};
		case "accepted_by_ses":
			// Recorded once; SES's later events may already have moved `last_event` past `sent`.
			if (state.sesMessageId !== null) return none;
			return {
				patch: {
					sesMessageId: event.sesMessageId,
					sentAt: event.at,
					lastEvent: stronger(state.lastEvent, "sent"),
				},
				timeline: [],
				effects: [
					{ kind: "count_sends", recipients: state.recipients.filter(countsForReputation).length },
					{ kind: "emit", type: "email.sent", extra: {} },
				],
			};
		case "send_failed":
			// Only an email SES never accepted can fail for not being sent.
			if (!isAwaitingSes(state)) return none;
			return {
				patch: { lastEvent: "failed", ...fail(state, event.reason) },
				timeline: [
					{
						type: "failed",
						recipient: null,
						details: { code: event.code, reason: event.reason },
						at: event.at,
					},
				],
				effects: [
					{ kind: "release_quota", recipients: state.recipients.length },
					event.code === SUPPRESSED_CODE
						? {
								kind: "emit",
								type: "email.suppressed",
								extra: { suppressed: { type: "suppression_list", message: event.reason } },
							}
						: { kind: "emit", type: "email.failed", extra: { failed: { reason: event.reason } } },
				],
			};
		case "delivered": {
			const deliveredTo = [...new Set([...state.deliveredTo, ...event.recipients])];
			const everyone = state.recipients.every((r) => deliveredTo.includes(r));
			return {
				patch: {
					deliveredTo,
					lastEvent: stronger(state.lastEvent, "delivered"),
					...(state.status === "pending" && everyone
						? { status: "sent", deliveredAt: event.at }
						: {}),
				},
				timeline: perRecipient("delivered", event.recipients, event.details, event.at),
				effects: [{ kind: "emit", type: "email.delivered", extra: {} }],
			};
		}
		case "delivery_delayed":
			return {
				patch: { lastEvent: stronger(state.lastEvent, "delivery_delayed") },
				timeline: perRecipient("delivery_delayed", event.recipients, event.details, event.at),
				effects: [{ kind: "emit", type: "email.delivery_delayed", extra: {} }],
			};
		case "bounced":
			if (event.bounceType !== "Permanent") {
				// A soft bounce: SES keeps trying; it is logged and changes nothing else.
				return {
					patch: {},
					timeline: perRecipient("soft_bounced", event.recipients, event.details, event.at),
					effects: [bounceEvent(event)],
				};
			}
			return {
				patch: { lastEvent: stronger(state.lastEvent, "bounced"), ...fail(state, event.reason) },
				timeline: perRecipient("bounced", event.recipients, event.details, event.at),
				effects: [...listEffects(event.recipients, "bounce", event.reason), bounceEvent(event)],
			};
		case "complained":
			return {
				patch: { lastEvent: stronger(state.lastEvent, "complained") },
				timeline: perRecipient("complained", event.recipients, event.details, event.at),
				effects: [
					...listEffects(event.recipients, "complaint", event.reason),
					{ kind: "emit", type: "email.complained", extra: {} },
				],
			};
		case "rejected":
		case "rendering_failed":
			return {
				patch: { lastEvent: stronger(state.lastEvent, "failed"), ...fail(state, event.reason) },
				timeline: [{ type: event.kind, recipient: null, details: event.details, at: event.at }],
				effects: [
					{ kind: "emit", type: "email.failed", extra: { failed: { reason: event.reason } } },
				],
			};
		case "opened":
		case "clicked":
			return {
				patch: {},
				timeline: perRecipient(event.kind, event.recipients, event.details, event.at),
				effects: [],
			};
	}
}

/**
 * `email.bounced`, hard or soft as Resend says it: `bounce.type` is SES's `Permanent`
 * (hard), `Transient` or `Undetermined` (soft), with SES's sub-type and our reason.
 */
function bounceEvent(event: Extract<LifecycleEvent, { kind: "bounced" }>): Effect {
	const subType = event.details.bounce_sub_type;
	return {
		kind: "emit",
		type: "email.bounced",
		extra: {
			bounce: {
				type: event.bounceType,
				subType: typeof subType === "string" ? subType : "Undetermined",
				message: event.reason,
			},
		},
	};
}

/** A hard bounce or complaint suppresses each address and counts against the reputation. */
function listEffects(
	addresses: string[],
	origin: "bounce" | "complaint",
	reason: string,
): Effect[] {
	return addresses.flatMap((address): Effect[] => [
		{ kind: "suppress", address, origin, reason },
		...(countsForReputation(address)
			? [
					{
						kind: "count_for_reputation" as const,
						address,
						what: origin === "bounce" ? ("hard_bounce" as const) : ("complaint" as const),
					},
				]
			: []),
	]);
}
