/**
 * An email's status and last event, and the key the list's state index files them under: the
 * values the API answers and filters on, and the rules that decide which emails the index holds
 * (src/db/schema/emails.ts has the index; docs/scaling.md weighs what it leaves out).
 */

/** The product page's statuses: pending → sent (delivery confirmed) or failed. */
export const EMAIL_STATUSES = ["pending", "sent", "failed"] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];

/**
 * The end state most emails reach, left out of the list's state index (`emails` below):
 * listing it filters the account's emails instead.
 */
export const COMMON_STATUS = "sent" satisfies EmailStatus;
export const COMMON_LAST_EVENT = "delivered" satisfies EmailEvent;

/**
 * An email's key in the list's state index (`emails.stateKey`): its status and last_event, so
 * one index entry serves both filters, or null for the common end state (sent and delivered),
 * which the index leaves out. `sent` is keyed as `queued`: the send then leaves the entry as it
 * is, and the two are told apart by last_event itself when a filter asks for one of them.
 */
export function emailStateKey(status: EmailStatus, lastEvent: EmailEvent): string | null {
	if (status === COMMON_STATUS && lastEvent === COMMON_LAST_EVENT) return null;
	return `${status}:${lastEvent === "sent" ? "queued" : lastEvent}`;
}

/**
 * The key of an email on its way (pending, queued or sent), which most emails hold for seconds.
 * An email the minute's tally has not passed (its id at or past the tally's cursor) is stored
 * without it, so it is in the state index only if it is still on its way when the tally passes
 * it (src/cron/tally-day-figures.ts keys it then); the list finds the others among the
 * account's emails past the cursor (src/db/queries/email-list.ts). That is a row written less
 * for nearly every email.
 */
export const ON_ITS_WAY_KEY = "pending:queued";

/**
 * The key a lifecycle write gives an email: its state's, except that an email on its way with
 * no key (the tally has not passed it) stays without one while it remains on its way.
 */
export function nextStateKey(
	current: string | null,
	status: EmailStatus,
	lastEvent: EmailEvent,
): string | null {
	const key = emailStateKey(status, lastEvent);
	return key === ON_ITS_WAY_KEY && current === null ? null : key;
}

/** Resend's `last_event`, kept for SDK users. */
export const EMAIL_EVENTS = [
	"scheduled",
	"queued",
	"sent",
	"delivered",
	"delivery_delayed",
	"bounced",
	"complained",
	"failed",
	"canceled",
] as const;
export type EmailEvent = (typeof EMAIL_EVENTS)[number];
