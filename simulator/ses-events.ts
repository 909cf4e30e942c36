// What SES would publish about an accepted message, in the event-publishing format (`eventType`)
// of a configuration set's SNS destination (examples: test/fixtures/ses-notifications/
// event-publishing/). Recipients decide the outcome, like SES's mailbox simulator
// (mailbox-simulator.ts lists the addresses).
//
// Recipients with the same outcome share one event, as SES lists several recipients of one
// message in one Delivery or Bounce event. Event times are fixed offsets after the send, so tests
// can assert them exactly.

import { addressOnly, type RecipientOutcome, recipientOutcome } from "./mailbox-simulator.ts";
import { createMessageId } from "./routes/send-email.ts";
import type { SentMessage } from "./store.ts";

/** The AWS account the simulator pretends to be (SES's `sendingAccountId`, the topic's owner). */
export const SIMULATED_ACCOUNT_ID = "000000000000";

/** One SES event, due `offsetMs` after the message was accepted. */
export interface ScheduledSesEvent {
	offsetMs: number;
	eventType: "Delivery" | "Bounce" | "Complaint" | "DeliveryDelay";
	/** The recipients the event is about. */
	recipients: string[];
	event: Record<string, unknown>;
}

/** When each event happens, after the send (SES's `processingTimeMillis` for deliveries). */
export const EVENT_OFFSETS_MS = {
	bounce: 100,
	delivery: 150,
	deliveryDelay: 200,
	complaint: 300,
	delayedDelivery: 1_000,
} as const;

const REPORTING_MTA = "a8-70.smtp-out.amazonses.com";
const SMTP_RESPONSE = "250 2.6.0 Message received";
const SOURCE_IP = "127.0.0.1";
const CALLER_IDENTITY = "sendfleet-simulator";
const COMPLAINT_USER_AGENT = "Amazon SES Mailbox Simulator";
const SUPPRESSION_DIAGNOSTIC =
	"Amazon SES did not send the message to this address because it is on the suppression list for your account. For more information about removing addresses from the suppression list, see the Amazon SES Developer Guide at https://docs.aws.amazon.com/ses/latest/DeveloperGuide/sending-email-suppression-list.html";

interface BounceKind {
	bounceType: "Permanent" | "Transient";
	bounceSubType: "General" | "OnAccountSuppressionList";
	status: string;
	diagnosticCode: string;
	reportingMTA: string;
}

const BOUNCES: Record<"bounce" | "softbounce" | "suppressionlist", BounceKind> = {
	bounce: {
		bounceType: "Permanent",
		bounceSubType: "General",
		status: "5.1.1",
		diagnosticCode: "smtp; 550 5.1.1 user unknown",
		reportingMTA: `dsn; ${REPORTING_MTA}`,
	},
	suppressionlist: {
		bounceType: "Permanent",
		bounceSubType: "OnAccountSuppressionList",
		status: "5.1.1",
		diagnosticCode: SUPPRESSION_DIAGNOSTIC,
		reportingMTA: "dns; amazonses.com",
	},
	softbounce: {
		bounceType: "Transient",
		bounceSubType: "General",
		status: "4.2.2",
		diagnosticCode: "smtp; 452 4.2.2 Mailbox full",
		reportingMTA: `dsn; ${REPORTING_MTA}`,
	},
};

/** The events SES would publish for `message`, in the order they happen. */
export function sesEventsFor(message: SentMessage, region: string): ScheduledSesEvent[] {
	const sentAt = new Date(message.receivedAt);
	const at = (offsetMs: number) => new Date(sentAt.getTime() + offsetMs);
	const iso = (offsetMs: number) => at(offsetMs).toISOString();

	// Each recipient once (SES sends one copy per address), in the order given.
	const recipients: { address: string; outcome: RecipientOutcome }[] = [];
	const seen = new Set<string>();
	for (const recipient of [...message.to, ...message.cc, ...message.bcc]) {
		const address = addressOnly(recipient);
		if (seen.has(address.toLowerCase())) continue;
		seen.add(address.toLowerCase());
		recipients.push({ address, outcome: recipientOutcome(address) });
	}
	const list = (...outcomes: RecipientOutcome[]) =>
		recipients.filter((r) => outcomes.includes(r.outcome)).map((r) => r.address);

	const events: ScheduledSesEvent[] = [];
	const mail = (eventType: ScheduledSesEvent["eventType"]) =>
		mailObject(message, region, eventType);

	for (const kind of ["bounce", "suppressionlist", "softbounce"] as const) {
		const bounced = list(kind);
		if (bounced.length === 0) continue;
		const bounce = BOUNCES[kind];
		const offset = EVENT_OFFSETS_MS.bounce;
		events.push({
			offsetMs: offset,
			eventType: "Bounce",
			recipients: bounced,
			event: {
				eventType: "Bounce",
				bounce: {
					bounceType: bounce.bounceType,
					bounceSubType: bounce.bounceSubType,
					bouncedRecipients: bounced.map((emailAddress) => ({
						emailAddress,
						action: "failed",
						status: bounce.status,
						diagnosticCode: bounce.diagnosticCode,
					})),
					timestamp: iso(offset),
					feedbackId: createMessageId(at(offset)),
					reportingMTA: bounce.reportingMTA,
				},
				mail: mail("Bounce"),
			},
		});
	}

	const delivered = list("delivery", "complaint", "ooto");
	if (delivered.length > 0) {
		events.push(deliveryEvent(delivered, EVENT_OFFSETS_MS.delivery));
	}

	const delayed = list("delay");
	if (delayed.length > 0) {
		const offset = EVENT_OFFSETS_MS.deliveryDelay;
		events.push({
			offsetMs: offset,
			eventType: "DeliveryDelay",
			recipients: delayed,
			event: {
				eventType: "DeliveryDelay",
				mail: mail("DeliveryDelay"),
				deliveryDelay: {
					timestamp: iso(offset),
					delayType: "TransientCommunicationFailure",
					expirationTime: iso(offset + 24 * 60 * 60 * 1000),
					delayedRecipients: delayed.map((emailAddress) => ({
						emailAddress,
						status: "4.4.1",
						diagnosticCode: "smtp; 421 4.4.1 Unable to connect to remote host",
					})),
					reportingMTA: REPORTING_MTA,
				},
			},
		});
	}

	const complained = list("complaint");
	if (complained.length > 0) {
		const offset = EVENT_OFFSETS_MS.complaint;
		events.push({
			offsetMs: offset,
			eventType: "Complaint",
			recipients: complained,
			event: {
				eventType: "Complaint",
				complaint: {
					complainedRecipients: complained.map((emailAddress) => ({ emailAddress })),
					timestamp: iso(offset),
					feedbackId: createMessageId(at(offset)),
					userAgent: COMPLAINT_USER_AGENT,
					complaintFeedbackType: "abuse",
					arrivalDate: iso(EVENT_OFFSETS_MS.delivery),
				},
				mail: mail("Complaint"),
			},
		});
	}

	if (delayed.length > 0) {
		events.push(deliveryEvent(delayed, EVENT_OFFSETS_MS.delayedDelivery));
	}

	return events.sort((a, b) => a.offsetMs - b.offsetMs);

	function deliveryEvent(recipients: string[], offset: number): ScheduledSesEvent {
		return {
			offsetMs: offset,
			eventType: "Delivery",
			recipients,
			event: {
				eventType: "Delivery",
				mail: mail("Delivery"),
				delivery: {
					timestamp: iso(offset),
					processingTimeMillis: offset,
					recipients,
					smtpResponse: SMTP_RESPONSE,
					remoteMtaIp: SOURCE_IP,
					reportingMTA: REPORTING_MTA,
				},
			},
		};
	}
}

/** The `mail` object every event carries. */
export function mailObject(
	message: SentMessage,
	region: string,
	eventType: string,
): Record<string, unknown> {
	const fromDomain = domainOf(addressOnly(message.from));
	const tags: Record<string, string[]> = {};
	if (message.configurationSetName !== null) {
		tags["ses:configuration-set"] = [message.configurationSetName];
	}
	tags["ses:source-ip"] = [SOURCE_IP];
	tags["ses:from-domain"] = [fromDomain];
	tags["ses:caller-identity"] = [CALLER_IDENTITY];
	if (eventType === "Delivery") tags["ses:outgoing-ip"] = [SOURCE_IP];
	for (const { name, value } of message.tags) tags[name] = [...(tags[name] ?? []), value];

	const headers: { name: string; value: string }[] = [{ name: "From", value: message.from }];
	if (message.replyTo.length > 0) {
		headers.push({ name: "Reply-To", value: message.replyTo.join(", ") });
	}
	if (message.to.length > 0) headers.push({ name: "To", value: message.to.join(", ") });
	if (message.cc.length > 0) headers.push({ name: "Cc", value: message.cc.join(", ") });
	headers.push(
		{ name: "Subject", value: message.subject },
		{ name: "MIME-Version", value: "1.0" },
		{ name: "Content-Type", value: contentType(message) },
		...message.headers,
	);

	const commonHeaders: Record<string, unknown> = { from: [message.from] };
	if (message.replyTo.length > 0) commonHeaders.replyTo = [...message.replyTo];
	if (message.to.length > 0) commonHeaders.to = [...message.to];
	if (message.cc.length > 0) commonHeaders.cc = [...message.cc];
	commonHeaders.messageId = message.messageId;
	commonHeaders.subject = message.subject;

	return {
		timestamp: message.receivedAt,
		source: message.from,
		sourceArn: `arn:aws:ses:${region}:${SIMULATED_ACCOUNT_ID}:identity/${fromDomain}`,
		sendingAccountId: SIMULATED_ACCOUNT_ID,
		messageId: message.messageId,
		destination: [...message.to, ...message.cc, ...message.bcc].map(addressOnly),
		headersTruncated: false,
		headers,
		commonHeaders,
		tags,
	};
}

/** The message's Content-Type as SES builds it from Content.Simple. */
export function contentType(message: Pick<SentMessage, "id" | "html" | "text">): string {
	if (message.html !== null && message.text !== null) {
		return `multipart/alternative; boundary="----=_Part_${message.id.slice(0, 8)}"`;
	}
	return message.html !== null ? "text/html; charset=UTF-8" : "text/plain; charset=UTF-8";
}

function domainOf(address: string): string {
	return address.slice(address.lastIndexOf("@") + 1).toLowerCase();
}
