/**
 * The feedback loop: SES's notifications (parsed by src/services/ses-notifications.ts) turned
 * into lifecycle events for the email they are about (product page "Bounce & complaint
 * handling"). What each event does (statuses, suppressions, reputation) is decided in
 * src/domain/email-lifecycle.ts; this module finds the email and says what SES reported.
 *
 * Idempotent: timeline entries and reputation events are keyed by the SNS message id and the
 * recipient, so SNS redelivering a message changes nothing the second time.
 */
import type { Db } from "../db/client.ts";
import { findEmailsByIds } from "../db/queries/emails.ts";
import type { NoticeRow } from "../db/queries/notices.ts";
import { unmatchedNotifications } from "../db/schema.ts";
import { uuidv7 } from "../lib/ids.ts";
import { type FeedbackEvent, parseSesNotification } from "../services/ses-notifications.ts";
import { type RecorderStore, recordEmailEvents } from "./email-recorder.ts";
import type { LifecycleEvent } from "./email-state.ts";
import type { ReputationEvent, SendCount } from "./guard.ts";
import type { RecordEvent } from "./recorded-together.ts";
import { recordReputation, type SuspensionDeps } from "./suspension.ts";
import type { WebhookMessage } from "./webhook-delivery.ts";

export interface FeedbackSource {
	snsMessageId: string;
	topicArn: string;
	/** The SES notification as received, kept for unmatched events. */
	raw: string;
}

export type FeedbackOutcome =
	| {
			kind: "applied" | "duplicate";
			emailId: string;
			accountId: string;
			/**
			 * Given on duplicates too: the guard counts each key once, so a notification whose
			 * first handling failed half-way is counted when SNS retries it.
			 */
			reputation: ReputationEvent[];
			/** The send the notification recorded, if it came before the consumer recorded it. */
			sends: SendCount[];
	  }
	| { kind: "unmatched" }
	| { kind: "ignored" };

/** SES's notification as a lifecycle event; null for SES's own `Send` (we record acceptance). */
export function toLifecycleEvent(event: FeedbackEvent): LifecycleEvent | null {
	const { occurredAt: at, recipients, details } = event;
	switch (event.kind) {
		case "delivery":
			return { kind: "delivered", at, recipients, details };
		case "delivery_delay":
			return { kind: "delivery_delayed", at, recipients, details };
		case "bounce":
			return {
				kind: "bounced",
				bounceType: event.bounceType ?? "Undetermined",
				at,
				recipients,
				reason: bounceReason(details),
				details,
			};
		case "complaint":
			return {
				kind: "complained",
				at,
				recipients,
				reason: `Complaint (${String(details.feedback_type ?? "unspecified")})`,
				details,
			};
		case "reject":
			return {
				kind: "rejected",
				at,
				reason: `SES rejected the email: ${String(details.reason ?? "no reason given")}`,
				details,
			};
		case "rendering_failure":
			return {
				kind: "rendering_failed",
				at,
				reason: `SES could not render the email: ${String(details.error ?? "no reason given")}`,
				details,
			};
		case "open":
			return { kind: "opened", at, recipients, details };
		case "click":
			return { kind: "clicked", at, recipients, details };
		case "send":
		case "subscription":
			return null;
	}
}

function bounceReason(details: Record<string, unknown>): string {
	const diagnostics =
		(details.diagnostics as { email: string; diagnostic_code: string | null }[] | undefined) ?? [];
	const who = diagnostics.map(
		(x) => `${x.email}${x.diagnostic_code ? ` (${x.diagnostic_code})` : ""}`,
	);
	return `Hard bounce (${String(details.bounce_sub_type ?? "General")}): ${who.join(", ")}`;
}

export async function applyFeedback(
	store: RecorderStore & { record?: RecordEvent },
	feedback: FeedbackEvent,
	source: FeedbackSource,
	now = Date.now(),
): Promise<FeedbackOutcome> {
	const event = toLifecycleEvent(feedback);
	if (!event) return { kind: "ignored" };
	const { db } = store;

	// Our tag (`sendfleet_email_id`) finds the email by its primary key, even if the D1 write
	// that stored the SES id never happened. SES includes message tags in every event it
	// publishes through a configuration set, which is how ours reach us, and never in an
	// identity's feedback notifications ("If you're using feedback notifications directly on the
	// identity, SES doesn't publish tags", SES developer guide, event publishing examples): a
	// notification without the tag is not about an email of ours. No index of SES message ids
	// is kept for the lookup (one row written per send, migration 0024); the stored id is only
	// checked, so a tag that names an email SES knows by another message id matches nothing.
	const [email] = feedback.emailId ? await findEmailsByIds(db, [feedback.emailId]) : [];
	if (!email || (email.sesMessageId && email.sesMessageId !== feedback.sesMessageId)) {
		await db.insert(unmatchedNotifications).values({
			id: uuidv7(now),
			snsMessageId: source.snsMessageId,
			topicArn: source.topicArn,
			sesMessageId: feedback.sesMessageId,
			type: feedback.kind,
			payload: source.raw,
			createdAt: now,
		});
		return { kind: "unmatched" };
	}

	const input = {
		email,
		event,
		key: `sns:${source.snsMessageId}`,
		sentFirst: { sesMessageId: feedback.sesMessageId, at: feedback.sentAt },
	};
	const [recorded] = store.record
		? [await store.record(input)]
		: await recordEmailEvents(store, [input], now);
	if (!recorded) return { kind: "ignored" };
	return {
		kind: recorded.isNew ? "applied" : "duplicate",
		emailId: email.id,
		accountId: email.accountId,
		reputation: recorded.guard.reputation,
		sends: recorded.guard.sends,
	};
}

export interface NotificationDeps {
	db: Db;
	/** Where the customers' webhook deliveries the events create are queued. */
	webhookQueue: Queue<WebhookMessage>;
	/** The account's guard and D1, for the reputation window and a suspension it decides. */
	suspensionFor: (accountId: string) => SuspensionDeps;
	/** Called with a notice recorded on the way (a suspension), to dispatch it. */
	onNotice: (notice: NoticeRow) => void;
	/**
	 * Records the email's event with those of notifications processed meanwhile
	 * (src/domain/recorded-together.ts); without it, each is recorded on its own.
	 */
	record?: RecordEvent;
}

export interface SnsNotification {
	messageId: string;
	topicArn: string;
	/** SNS's `Message`: the SES notification's JSON text. */
	message: string;
}

/**
 * One verified SNS notification, end to end: the email's lifecycle, the suppression list, and
 * the account's reputation window (with a suspension it causes). Throws when D1 or the guard
 * is unavailable; running it again is safe (every part is keyed by the SNS message id).
 */
export async function processNotification(
	deps: NotificationDeps,
	sns: SnsNotification,
): Promise<"processed" | "duplicate" | "unmatched" | "ignored"> {
	const parsed = parseSesNotification(sns.message);
	if (!parsed.ok) {
		console.warn("sns: not an SES event, acknowledged", sns.messageId, parsed.reason);
		return "ignored";
	}
	const outcome = await applyFeedback(deps, parsed.event, {
		snsMessageId: sns.messageId,
		topicArn: sns.topicArn,
		raw: sns.message,
	});
	if (outcome.kind !== "applied" && outcome.kind !== "duplicate") return outcome.kind;
	const notice = await recordReputation(
		deps.suspensionFor(outcome.accountId),
		outcome.accountId,
		outcome.reputation,
		Date.now(),
		outcome.sends,
	);
	if (notice) deps.onNotice(notice);
	return outcome.kind === "applied" ? "processed" : "duplicate";
}
