/**
 * An email's lifecycle as data: the state it is in, the events that can reach it and what a
 * decision looks like (the next state, timeline entries and effects). The rules themselves are
 * in src/domain/email-lifecycle.ts; the feedback loop, the send consumer, scheduling and the
 * recorder's helpers name these types and ask these questions without depending on the rules.
 *
 * Two fields, as the product page and Resend define them:
 * - `status`: `pending` → `sent` (every recipient's delivery confirmed, `delivered_at` set) or
 *   `failed` (a hard bounce, SES rejected or could not render it, it never reached SES, or it
 *   was canceled before its scheduled time). Once final it never changes.
 * - `last_event`: Resend's latest event, which only ever moves to a stronger one (RANK), so a
 *   late or redelivered notification can never undo a bounce or a delivery.
 */
import type { EmailEvent } from "../db/schema.ts";

export type EmailStatus = "pending" | "sent" | "failed";

export interface EmailState {
	status: EmailStatus;
	lastEvent: EmailEvent;
	sesMessageId: string | null;
	sentAt: number | null;
	deliveredAt: number | null;
	failureReason: string | null;
	/** When a scheduled email is due. */
	scheduledAt: number | null;
	/** Every recipient (to, cc, bcc), bare and lower-cased, each once. */
	recipients: readonly string[];
	/** The recipients whose delivery SES confirmed. */
	deliveredTo: readonly string[];
}

/** What can happen to an email, in our words (SES's notifications are mapped in feedback.ts). */
export type LifecycleEvent = {
	at: number;
} /** A scheduled email's time came: it joins the emails waiting for SES. */ & (
	| { kind: "due" }
	| { kind: "rescheduled"; scheduledAt: number }
	| { kind: "canceled" }
	| { kind: "accepted_by_ses"; sesMessageId: string }
	/** It never reached SES: refused by SES, suppressed after acceptance, or out of retries. */
	| { kind: "send_failed"; code: string; reason: string }
	| { kind: "delivered"; recipients: string[]; details: Details }
	| { kind: "delivery_delayed"; recipients: string[]; details: Details }
	| {
			kind: "bounced";
			bounceType: "Permanent" | "Transient" | "Undetermined";
			recipients: string[];
			reason: string;
			details: Details;
	  }
	| { kind: "complained"; recipients: string[]; reason: string; details: Details }
	| { kind: "rejected" | "rendering_failed"; reason: string; details: Details }
	| { kind: "opened" | "clicked"; recipients: string[]; details: Details }
);

export type Details = Record<string, unknown>;

/** One line of the email's timeline (`GET /emails/:id` → `events`). */
export interface TimelineEntry {
	type: string;
	recipient: string | null;
	details: Details | null;
	at: number;
}

export type Effect =
	| { kind: "suppress"; address: string; origin: "bounce" | "complaint"; reason: string }
	/** Counted in the account's 7-day reputation window (SES's mailbox simulator is not). */
	| { kind: "count_for_reputation"; address: string; what: "hard_bounce" | "complaint" }
	/** SES accepted it: its recipients count as sends for the reputation window. */
	| { kind: "count_sends"; recipients: number }
	/** It will never reach SES: its recipients go back to the monthly quota. */
	| { kind: "release_quota"; recipients: number }
	/**
	 * The customer's webhook event for this change (Resend's `email.*` types); `extra` joins the
	 * email's own fields in the payload's `data` (e.g. `bounce`). Written by the recorder only
	 * for accounts with endpoints subscribed to the type.
	 */
	| { kind: "emit"; type: EmailWebhookType; extra: Details };

export type EmailWebhookType =
	| "email.scheduled"
	| "email.sent"
	| "email.delivered"
	| "email.delivery_delayed"
	| "email.bounced"
	| "email.complained"
	| "email.failed"
	| "email.suppressed";

/** The send consumer's code for an email whose recipient was suppressed after acceptance. */
export const SUPPRESSED_CODE = "RecipientSuppressed";

export interface Transition {
	next: EmailState;
	/** Whether `next` differs from the current state, i.e. the email row must be written. */
	changed: boolean;
	timeline: TimelineEntry[];
	effects: Effect[];
}

/** `last_event` only moves up this ranking, whatever order SES's events arrive in. */
export const RANK: Record<EmailEvent, number> = {
	scheduled: 0,
	queued: 1,
	sent: 2,
	delivery_delayed: 3,
	delivered: 4,
	bounced: 5,
	complained: 6,
	failed: 7,
	canceled: 8,
};

/** An email waiting for the send consumer: accepted by us, not yet handed to SES. */
export const isAwaitingSes = (state: Pick<EmailState, "status" | "lastEvent">) =>
	state.status === "pending" && state.lastEvent === "queued";

/** A scheduled email not yet due: the only kind that can be rescheduled or canceled. */
export const isScheduled = (state: Pick<EmailState, "status" | "lastEvent">) =>
	state.status === "pending" && state.lastEvent === "scheduled";
