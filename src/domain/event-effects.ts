/**
 * What a recorded event of an email does beyond its row (src/domain/email-recorder.ts): the
 * customer's `email.*` webhook event, and what the account's guard must count.
 */
import type { EmailRow } from "../db/queries/emails.ts";
import type { Effect, EmailState, LifecycleEvent } from "./email-state.ts";
import type { ReputationEvent, SendCount } from "./guard.ts";
import type { OutwardEvent } from "./webhooks.ts";

/** An event of a stored email, with the key that makes it once (the recorder's input). */
interface SourceEvent {
	email: EmailRow;
	event: LifecycleEvent;
	key: string;
}

/** The key of SES's acceptance of an email (its send attempt's, as the consumer records it). */
export const sendKey = (emailId: string) => `ses-send:${emailId}`;

export interface GuardEffects {
	reputation: ReputationEvent[];
	sends: SendCount[];
	releasedRecipients: number;
}

/** The customer's `email.*` event: Resend's data, the email's own fields plus the effect's. */
export function emailEvent(
	input: SourceEvent,
	next: EmailState,
	effect: Extract<Effect, { kind: "emit" }>,
): OutwardEvent {
	const { email, event } = input;
	return {
		accountId: email.accountId,
		type: effect.type,
		at: event.at,
		// SES accepts an email once, whichever path records it (the consumer, or a notification
		// that came first, each at its own time): one `email.sent`, one id.
		...(effect.type === "email.sent"
			? { key: sendKey(email.id), idAt: email.scheduledAt ?? email.createdAt }
			: { key: input.key }),
		data: {
			email_id: email.id,
			created_at: new Date(email.createdAt).toISOString(),
			...(next.sesMessageId ? { message_id: next.sesMessageId } : {}),
			from: email.from,
			to: email.to,
			subject: email.subject,
			tags: Object.fromEntries((email.tags ?? []).map((tag) => [tag.name, tag.value])),
			...("recipients" in event ? { recipients: event.recipients } : {}),
			...effect.extra,
		},
	};
}

export function guardEffects(input: SourceEvent, effects: Effect[]): GuardEffects {
	const out: GuardEffects = { reputation: [], sends: [], releasedRecipients: 0 };
	for (const effect of effects) {
		if (effect.kind === "count_for_reputation") {
			out.reputation.push({
				key: `${input.key}:${effect.address}`,
				kind: effect.what,
				at: input.event.at,
			});
		} else if (effect.kind === "count_sends" && effect.recipients > 0) {
			out.sends.push({
				recipients: effect.recipients,
				at: input.event.at,
			});
		} else if (effect.kind === "release_quota") {
			out.releasedRecipients += effect.recipients;
		}
	}
	return out;
}
