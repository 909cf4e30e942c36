/**
 * SES feedback as it arrives inside an SNS notification's `Message`: both formats, the identity
 * notifications (`notificationType`) and configuration-set event publishing (`eventType`), turned
 * into one shape the feedback loop acts on. Examples: test/fixtures/ses-notifications/.
 *
 * Parsing is lenient about fields we do not use (SES adds fields over time) and strict about
 * the ones we do: a message without `mail.messageId` or the event's own object is "not feedback".
 */
import { z } from "zod";
import { EMAIL_ID_TAG } from "./ses.ts";

export type FeedbackKind =
	| "delivery"
	| "bounce"
	| "complaint"
	| "reject"
	| "delivery_delay"
	| "rendering_failure"
	| "send"
	| "open"
	| "click"
	| "subscription";

export interface FeedbackEvent {
	kind: FeedbackKind;
	sesMessageId: string;
	/** Our email id from the SES tags (event publishing only). */
	emailId: string | null;
	/** When SES says the event happened (falls back to the mail's timestamp). */
	occurredAt: number;
	/** When SES accepted the message (the mail's timestamp; the event's time without one). */
	sentAt: number;
	/** The recipients the event is about; empty for events about the whole message. */
	recipients: string[];
	/** Bounces only. */
	bounceType?: "Permanent" | "Transient" | "Undetermined";
	/** What a person needs to understand the event, in snake_case for the API. */
	details: Record<string, unknown>;
}

const KINDS: Record<string, FeedbackKind> = {
	Delivery: "delivery",
	Bounce: "bounce",
	Complaint: "complaint",
	Reject: "reject",
	DeliveryDelay: "delivery_delay",
	"Rendering Failure": "rendering_failure",
	Send: "send",
	Open: "open",
	Click: "click",
	Subscription: "subscription",
};

const Address = z.object({ emailAddress: z.string() }).passthrough();

const Notification = z
	.object({
		eventType: z.string().optional(),
		notificationType: z.string().optional(),
		mail: z
			.object({
				messageId: z.string().min(1),
				timestamp: z.string().optional(),
				tags: z.record(z.string(), z.array(z.string())).optional(),
			})
			.passthrough(),
		delivery: z
			.object({
				timestamp: z.string().optional(),
				recipients: z.array(z.string()),
				smtpResponse: z.string().optional(),
			})
			.passthrough()
			.optional(),
		bounce: z
			.object({
				bounceType: z.enum(["Permanent", "Transient", "Undetermined"]),
				bounceSubType: z.string().optional(),
				bouncedRecipients: z.array(
					Address.extend({ status: z.string().optional(), diagnosticCode: z.string().optional() }),
				),
				timestamp: z.string().optional(),
			})
			.passthrough()
			.optional(),
		complaint: z
			.object({
				complainedRecipients: z.array(Address),
				timestamp: z.string().optional(),
				complaintFeedbackType: z.string().optional(),
			})
			.passthrough()
			.optional(),
		reject: z.object({ reason: z.string().optional() }).passthrough().optional(),
		deliveryDelay: z
			.object({
				delayType: z.string().optional(),
				timestamp: z.string().optional(),
				delayedRecipients: z
					.array(Address.extend({ diagnosticCode: z.string().optional() }))
					.optional(),
			})
			.passthrough()
			.optional(),
		failure: z.object({ errorMessage: z.string().optional() }).passthrough().optional(),
	})
	.passthrough();

const time = (...candidates: (string | undefined)[]) => {
	for (const value of candidates) {
		const parsed = value ? Date.parse(value) : Number.NaN;
		if (!Number.isNaN(parsed)) return parsed;
	}
	return Date.now();
};

/** The feedback event in an SNS `Message`, or a reason it is not one. */
export function parseSesNotification(
	message: string,
): { ok: true; event: FeedbackEvent } | { ok: false; reason: string } {
	let json: unknown;
	try {
		json = JSON.parse(message);
	} catch {
		return { ok: false, reason: "the message is not JSON" };
	}
	const parsed = Notification.safeParse(json);
	if (!parsed.success) return { ok: false, reason: "the message is not an SES notification" };
	const n = parsed.data;
	const type = n.eventType ?? n.notificationType ?? "";
	const kind = KINDS[type];
	if (!kind) return { ok: false, reason: `unknown SES event type "${type}"` };
	const what = eventContents(kind, n);
	if (!what)
		return { ok: false, reason: `the ${type} notification has no ${type.toLowerCase()} object` };
	return {
		ok: true,
		event: {
			kind,
			sesMessageId: n.mail.messageId,
			emailId: n.mail.tags?.[EMAIL_ID_TAG]?.[0] ?? null,
			occurredAt: time(what.at, n.mail.timestamp),
			sentAt: time(n.mail.timestamp, what.at),
			recipients: what.recipients ?? [],
			...(what.bounceType ? { bounceType: what.bounceType } : {}),
			details: what.details ?? {},
		},
	};
}

type Contents = {
	at?: string;
	recipients?: string[];
	bounceType?: FeedbackEvent["bounceType"];
	details?: Record<string, unknown>;
};

/** Each event type's own object, reduced to what the feedback loop uses; null when missing. */
function eventContents(kind: FeedbackKind, n: z.infer<typeof Notification>): Contents | null {
	const lower = (list: { emailAddress: string }[]) => list.map((r) => r.emailAddress.toLowerCase());
	switch (kind) {
		case "delivery":
			return n.delivery
				? {
						at: n.delivery.timestamp,
						recipients: n.delivery.recipients.map((r) => r.toLowerCase()),
						details: { smtp_response: n.delivery.smtpResponse ?? null },
					}
				: null;
		case "bounce":
			return n.bounce
				? {
						at: n.bounce.timestamp,
						recipients: lower(n.bounce.bouncedRecipients),
						bounceType: n.bounce.bounceType,
						details: {
							bounce_type: n.bounce.bounceType,
							bounce_sub_type: n.bounce.bounceSubType ?? null,
							diagnostics: n.bounce.bouncedRecipients.map((r) => ({
								email: r.emailAddress.toLowerCase(),
								status: r.status ?? null,
								diagnostic_code: r.diagnosticCode ?? null,
							})),
						},
					}
				: null;
		case "complaint":
			return n.complaint
				? {
						at: n.complaint.timestamp,
						recipients: lower(n.complaint.complainedRecipients),
						details: { feedback_type: n.complaint.complaintFeedbackType ?? null },
					}
				: null;
		case "delivery_delay":
			return {
				at: n.deliveryDelay?.timestamp,
				recipients: lower(n.deliveryDelay?.delayedRecipients ?? []),
				details: { delay_type: n.deliveryDelay?.delayType ?? null },
			};
		case "reject":
			return { details: { reason: n.reject?.reason ?? null } };
		case "rendering_failure":
			return { details: { error: n.failure?.errorMessage ?? null } };
		default:
			return {};
	}
}
