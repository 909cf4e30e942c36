/**
 * The feedback loop: what an SES event does to the email it is about, the account's
 * suppression list, and the timeline (product page "Bounce & complaint handling").
 *
 * - Delivery: the recipient is delivered; the email is `sent` (with `delivered_at`) once every
 *   recipient is.
 * - Hard bounce: each bounced recipient is suppressed for the account; the email `failed`.
 * - Soft bounce (Transient, Undetermined): logged only.
 * - Complaint: each complaining recipient is suppressed; logged.
 * - Reject, rendering failure: the email `failed`. Delivery delay: logged.
 *
 * Everything is written in one D1 batch and is idempotent: events carry a dedupe key made of
 * the SNS message id and the recipient, status changes only ever move forward (a final status
 * never changes, and `last_event` never moves to a weaker event), and suppressions keep their
 * first entry. So SNS redelivering a message changes nothing the second time.
 */
import { eq, or, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { rowsPerInsert } from "../db/queries/emails.ts";
import { insertSuppressionStatement } from "../db/queries/suppressions.ts";
import { type EmailEvent, emailEvents, emails, unmatchedNotifications } from "../db/schema.ts";
import { chunk } from "../lib/chunk.ts";
import { uuidv7 } from "../lib/ids.ts";
import { countsForReputation } from "./reputation.ts";
import type { FeedbackEvent } from "./ses-notifications.ts";

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
			reputation: ReputationEvent[];
	  }
	| { kind: "unmatched" }
	| { kind: "ignored" };

/**
 * The hard bounces and complaints this notification reports, for the account's reputation
 * window. Given on duplicates too: the guard counts each key once, so a notification whose
 * first handling failed half-way is counted when SNS retries it.
 */
export interface ReputationEvent {
	key: string;
	kind: "hard_bounce" | "complaint";
	at: number;
}

/** The timeline's event names, and the `last_event` each one implies (null: leaves it alone). */
function describe(event: FeedbackEvent): { type: string; lastEvent: EmailEvent | null } {
	switch (event.kind) {
		case "delivery":
			return { type: "delivered", lastEvent: "delivered" };
		case "bounce":
			return event.bounceType === "Permanent"
				? { type: "bounced", lastEvent: "bounced" }
				: { type: "soft_bounced", lastEvent: null };
		case "complaint":
			return { type: "complained", lastEvent: "complained" };
		case "delivery_delay":
			return { type: "delivery_delayed", lastEvent: "delivery_delayed" };
		case "reject":
			return { type: "rejected", lastEvent: "failed" };
		case "rendering_failure":
			return { type: "rendering_failed", lastEvent: "failed" };
		case "open":
			return { type: "opened", lastEvent: null };
		case "click":
			return { type: "clicked", lastEvent: null };
		default:
			return { type: event.kind, lastEvent: null };
	}
}

/** `last_event` only moves to a stronger event, whatever order SNS delivers them in. */
const RANK = sql`CASE ${emails.lastEvent} WHEN 'queued' THEN 0 WHEN 'sent' THEN 1 WHEN 'delivery_delayed' THEN 2 WHEN 'delivered' THEN 3 WHEN 'bounced' THEN 4 WHEN 'complained' THEN 5 ELSE 6 END`;
const RANK_OF: Record<EmailEvent, number> = {
	queued: 0,
	sent: 1,
	delivery_delayed: 2,
	delivered: 3,
	bounced: 4,
	complained: 5,
	failed: 6,
};

const RECIPIENT_COUNT = sql`json_array_length(${emails.to}) + COALESCE(json_array_length(${emails.cc}), 0) + COALESCE(json_array_length(${emails.bcc}), 0)`;

function failureReason(event: FeedbackEvent): string {
	const d = event.details;
	switch (event.kind) {
		case "bounce": {
			const diagnostics =
				(d.diagnostics as { email: string; diagnostic_code: string | null }[]) ?? [];
			const who = diagnostics.map(
				(x) => `${x.email}${x.diagnostic_code ? ` (${x.diagnostic_code})` : ""}`,
			);
			return `Hard bounce (${String(d.bounce_sub_type ?? "General")}): ${who.join(", ")}`;
		}
		case "reject":
			return `SES rejected the email: ${String(d.reason ?? "no reason given")}`;
		default:
			return `SES could not render the email: ${String(d.error ?? "no reason given")}`;
	}
}

export async function applyFeedback(
	db: Db,
	event: FeedbackEvent,
	source: FeedbackSource,
	now = Date.now(),
): Promise<FeedbackOutcome> {
	if (event.kind === "send") return { kind: "ignored" }; // we record SES's acceptance ourselves

	// Our tag finds the email even if the D1 write that stored the SES id never happened.
	const [email] = await db
		.select({ id: emails.id, accountId: emails.accountId, sesMessageId: emails.sesMessageId })
		.from(emails)
		.where(
			or(
				eq(emails.sesMessageId, event.sesMessageId),
				event.emailId ? eq(emails.id, event.emailId) : undefined,
			),
		)
		.limit(2);
	if (!email || (email.sesMessageId && email.sesMessageId !== event.sesMessageId)) {
		await db.insert(unmatchedNotifications).values({
			id: uuidv7(now),
			snsMessageId: source.snsMessageId,
			topicArn: source.topicArn,
			sesMessageId: event.sesMessageId,
			type: event.kind,
			payload: source.raw,
			createdAt: now,
		});
		return { kind: "unmatched" };
	}

	const { type, lastEvent } = describe(event);
	const recipients = event.recipients.length ? event.recipients : [null];
	// One row per recipient, in INSERTs small enough for D1's 100 bound parameters; RETURNING
	// tells which rows are new (a redelivered notification inserts none).
	const insertEvents = chunk(recipients, rowsPerInsert(emailEvents)).map((part) =>
		db
			.insert(emailEvents)
			.values(
				part.map((recipient) => ({
					id: uuidv7(now),
					emailId: email.id,
					accountId: email.accountId,
					type,
					recipient,
					details: event.details,
					occurredAt: event.occurredAt,
					dedupeKey: `sns:${source.snsMessageId}:${recipient ?? "*"}`,
					createdAt: now,
				})),
			)
			.onConflictDoNothing()
			.returning({ id: emailEvents.id }),
	);

	const set: Record<string, unknown> = {};
	if (lastEvent) {
		set.lastEvent = sql`CASE WHEN ${RANK} <= ${RANK_OF[lastEvent]} THEN ${lastEvent} ELSE ${emails.lastEvent} END`;
	}
	const permanentFailure =
		(event.kind === "bounce" && event.bounceType === "Permanent") ||
		event.kind === "reject" ||
		event.kind === "rendering_failure";
	if (permanentFailure) {
		set.status = sql`CASE WHEN ${emails.status} = 'pending' THEN 'failed' ELSE ${emails.status} END`;
		set.failureReason = sql`CASE WHEN ${emails.status} = 'pending' THEN ${failureReason(event)} ELSE ${emails.failureReason} END`;
	}
	if (event.kind === "delivery") {
		// Runs after the insert in the same batch, so the count includes this delivery.
		const allDelivered = sql`${emails.status} = 'pending' AND (SELECT COUNT(DISTINCT ${emailEvents.recipient}) FROM ${emailEvents} WHERE ${emailEvents.emailId} = ${emails.id} AND ${emailEvents.type} = 'delivered') >= ${RECIPIENT_COUNT}`;
		set.status = sql`CASE WHEN ${allDelivered} THEN 'sent' ELSE ${emails.status} END`;
		set.deliveredAt = sql`CASE WHEN ${allDelivered} THEN ${event.occurredAt} ELSE ${emails.deliveredAt} END`;
	}

	const suppressionOrigin =
		event.kind === "complaint"
			? "complaint"
			: event.kind === "bounce" && event.bounceType === "Permanent"
				? "bounce"
				: null;
	const suppress = suppressionOrigin
		? event.recipients.map((address) =>
				insertSuppressionStatement(db, {
					id: uuidv7(now),
					accountId: email.accountId,
					email: address,
					origin: suppressionOrigin,
					sourceId: email.id,
					reason:
						suppressionOrigin === "bounce"
							? failureReason(event)
							: `Complaint (${String(event.details.feedback_type ?? "unspecified")})`,
					createdAt: now,
				}),
			)
		: [];

	const update = Object.keys(set).length
		? [db.update(emails).set(set).where(eq(emails.id, email.id))]
		: [];
	const [first, ...rest] = insertEvents;
	if (!first) return { kind: "ignored" };
	const results = await db.batch([first, ...rest, ...update, ...suppress]);
	const inserted = results.slice(0, insertEvents.length).flat();
	const reputation: ReputationEvent[] = suppressionOrigin
		? event.recipients.filter(countsForReputation).map((recipient) => ({
				key: `sns:${source.snsMessageId}:${recipient}`,
				kind: suppressionOrigin === "bounce" ? "hard_bounce" : "complaint",
				at: event.occurredAt,
			}))
		: [];
	return {
		kind: inserted.length === 0 ? "duplicate" : "applied",
		emailId: email.id,
		accountId: email.accountId,
		reputation,
	};
}
