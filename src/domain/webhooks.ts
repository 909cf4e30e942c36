/**
 * Customer webhooks' rules, free of HTTP: the event types an endpoint may subscribe to, which
 * URLs may receive deliveries (SSRF), and the retry schedule.
 */
import type { SQL } from "drizzle-orm";

/** Resend's event types that SendFleet emits, plus our own `account.*` ones. */
export const WEBHOOK_EVENT_TYPES = [
	"email.sent",
	"email.delivered",
	"email.delivery_delayed",
	"email.bounced",
	"email.complained",
	"email.failed",
	"email.suppressed",
	"email.scheduled",
	"suppression.added",
	"suppression.removed",
	"domain.created",
	"domain.updated",
	"domain.deleted",
	"account.suspended",
	"account.reinstated",
	"account.reputation_warning",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** An event to write for the account's subscribed endpoints (src/domain/webhook-events.ts). */
export interface OutwardEvent {
	accountId: string;
	type: WebhookEventType;
	/** What caused it, unique per cause: the event's id is derived from it. */
	key: string;
	at: number;
	/**
	 * The time the id is derived from, when not `at`: for an event that two paths may each
	 * tell, at their own times (`email.sent`: the consumer, or a notification that came first).
	 */
	idAt?: number;
	data: Record<string, unknown>;
	/** Written only if this holds in the same batch (e.g. the row was really inserted). */
	onlyIf?: SQL;
}

/** Sent only by `POST /webhooks/:id/test`, whatever the endpoint subscribes to. */
export const TEST_EVENT_TYPE = "webhook.test";

export { checkEndpointUrl, type EndpointCheck, MAX_ENDPOINT_LENGTH } from "../lib/public-url.ts";

/**
 * The first attempt goes at once; after the n-th failure the next waits 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, then every 12 h (Queues' longest delay), the last one exactly 72 h after the
 * first attempt: longer than Resend's ~27 h, so a weekend outage loses nothing.
 */
const RETRY_DELAYS_S = [5, 300, 1800, 7200, 18000, 36000];
const LATER_DELAY_S = 12 * 3600;
export const GIVE_UP_AFTER_MS = 72 * 3600 * 1000;

/**
 * An endpoint's last success is stored at most this often (`webhook_endpoints.last_success_at`,
 * written only when over this old): a busy endpoint's successes cost no write each.
 */
export const LAST_SUCCESS_EVERY_MS = 3600 * 1000;

/**
 * Whether an endpoint has answered no 2xx for 72 h, from its stored last success: the true one
 * is less than LAST_SUCCESS_EVERY_MS after it, so an endpoint is called dead an hour late at
 * most, never early.
 */
export function answeredNothingFor72h(lastSuccessAt: number | null, now: number): boolean {
	return lastSuccessAt === null || lastSuccessAt + LAST_SUCCESS_EVERY_MS <= now - GIVE_UP_AFTER_MS;
}

/**
 * A retry's message is delayed until its delivery's `next_attempt_at`, so it never arrives
 * earlier than that; this much slack only covers clocks that differ between machines.
 */
export const RETRY_CLOCK_SLACK_MS = 1000;

/**
 * Whether a delivery waits for a retry already queued for it (its failed attempt is recorded
 * only once that retry is queued, src/domain/webhook-delivery.ts). Any other message naming
 * it (a grouped message redelivered after a failure of ours, the dead-letter queue's) leaves it
 * to that retry, so a failure of ours neither attempts it early nor queues it twice.
 */
export function awaitsQueuedRetry(
	delivery: { status: string; nextAttemptAt: number | null },
	now: number,
): boolean {
	return (
		delivery.status === "attempting" &&
		delivery.nextAttemptAt !== null &&
		delivery.nextAttemptAt > now + RETRY_CLOCK_SLACK_MS
	);
}

/** When to try again after `attempts` failed attempts, or null once 72 h have passed. */
export function nextAttemptAt(
	attempts: number,
	firstAttemptAt: number,
	now: number,
): number | null {
	const delay = RETRY_DELAYS_S[attempts - 1] ?? LATER_DELAY_S;
	const deadline = firstAttemptAt + GIVE_UP_AFTER_MS;
	if (now >= deadline) return null;
	return Math.min(now + delay * 1000, deadline);
}
