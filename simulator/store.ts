// The simulator's memory: every message SendEmail accepted, the pending fault rules and the
// webhook deliveries the receiver recorded. One store per simulator instance, so tests that
// create their own simulator never see each other's mail.

import { bareAddress } from "./address.ts";
import type { SentAttachment } from "./attachments.ts";
import { type FaultEnvelope, type FaultRule, faultMatches } from "./faults.ts";

export interface NameValue {
	name: string;
	value: string;
}

/** One accepted SendEmail call, as the inbox and the JSON endpoints show it. */
export interface SentMessage {
	/** The simulator's own id (the inbox links use it). */
	id: string;
	/** The id SES returned to the caller. */
	messageId: string;
	from: string;
	to: string[];
	cc: string[];
	bcc: string[];
	replyTo: string[];
	subject: string;
	html: string | null;
	text: string | null;
	/** Content.Simple.Headers, in the order given. */
	headers: NameValue[];
	/** EmailTags, in the order given. */
	tags: NameValue[];
	configurationSetName: string | null;
	/** Content.Simple.Attachments with their decoded bytes, in the order given; `[]` when none. */
	attachments: SentAttachment[];
	/** ISO 8601. */
	receivedAt: string;
	/** The AWS account that sent it: the platform's (000000000000) or a customer's (BYOC). */
	awsAccountId: string;
	/** The SES region it was sent through. */
	region: string;
}

/** Why a webhook delivery did or did not verify (webhook-verification.ts describes each). */
export type Verification =
	| "verified"
	| "no_secret"
	| "missing_headers"
	| "invalid_timestamp"
	| "timestamp_too_old"
	| "timestamp_too_new"
	| "no_matching_signature";

/** Whether the `svix-*` headers Resend-era code reads carry the same values as `webhook-*`. */
export type SvixHeaders = "same" | "missing" | "different";

/** One request the Worker posted to a receiver, as the page and the JSON endpoints show it. */
export interface WebhookDelivery {
	/** The simulator's own id. */
	id: string;
	receiver: string;
	/** ISO 8601, the simulator's clock. */
	receivedAt: string;
	webhookId: string | null;
	webhookTimestamp: string | null;
	webhookSignature: string | null;
	/** The payload's `type` when the body is JSON with one. */
	type: string | null;
	/** 1 for the first delivery of this `webhook-id` to this receiver, 2 for the next (a retry)… */
	attempt: number;
	verified: boolean;
	verification: Verification;
	svixHeaders: SvixHeaders;
	/** The status the receiver answered, and how long it waited first. */
	status: number;
	delayMs: number;
	/** Every request header, sorted by name. */
	headers: NameValue[];
	/** The body as UTF-8 text, cut at 64 KiB (webhook-receiver.ts). */
	body: string;
	bodyBytes: number;
	bodyTruncated: boolean;
}

export interface DeliveryFilter {
	receiver?: string;
	/** Matches `webhook-id`. */
	webhookId?: string;
}

export interface MessageFilter {
	/** Matches any To, Cc or Bcc recipient. */
	to?: string;
	from?: string;
}

export interface SimulatorStore {
	addMessage(message: Omit<SentMessage, "id">): SentMessage;
	/** Newest first. */
	listMessages(filter?: MessageFilter): SentMessage[];
	/** By the simulator's id or by the SES MessageId. */
	getMessage(id: string): SentMessage | undefined;
	clearMessages(): void;
	addFault(rule: FaultRule): void;
	listFaults(): FaultRule[];
	/** Consumes one use of the first rule matching `envelope`, if any. */
	takeFault(envelope: FaultEnvelope): FaultRule | undefined;
	clearFaults(): void;
	addWebhookDelivery(delivery: Omit<WebhookDelivery, "id">): WebhookDelivery;
	/** Newest first. */
	listWebhookDeliveries(filter?: DeliveryFilter): WebhookDelivery[];
	getWebhookDelivery(id: string): WebhookDelivery | undefined;
	/** Answers how many there were. */
	clearWebhookDeliveries(): number;
}

// A long `npm start` session or a benchmark must not grow memory without bound; the oldest
// messages go first.
const DEFAULT_MAX_MESSAGES = 10_000;
// Attachments can be 40 MB a message: past this many decoded bytes the oldest messages go
// first too (the newest is always kept, whatever its size).
const DEFAULT_MAX_ATTACHMENT_BYTES = 256 * 1024 * 1024;
// Webhook bodies are cut at 64 KiB (webhook-receiver.ts), so this bounds the receiver's memory.
const DEFAULT_MAX_WEBHOOK_DELIVERIES = 10_000;

export function createStore(
	options: {
		maxMessages?: number;
		maxWebhookDeliveries?: number;
		maxAttachmentBytes?: number;
	} = {},
): SimulatorStore {
	const maxMessages = options.maxMessages ?? DEFAULT_MAX_MESSAGES;
	const maxAttachmentBytes = options.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
	const maxDeliveries = options.maxWebhookDeliveries ?? DEFAULT_MAX_WEBHOOK_DELIVERIES;
	// Oldest first; listMessages and listWebhookDeliveries reverse.
	let messages: SentMessage[] = [];
	let attachmentBytes = 0;
	let faults: FaultRule[] = [];
	let deliveries: WebhookDelivery[] = [];

	return {
		addMessage(message) {
			const stored: SentMessage = { id: crypto.randomUUID(), ...message };
			messages.push(stored);
			attachmentBytes += bytesOf(stored);
			let drop = Math.max(0, messages.length - maxMessages);
			let kept = attachmentBytes;
			for (let i = 0; i < drop; i++) kept -= bytesOf(messages[i]);
			while (kept > maxAttachmentBytes && drop < messages.length - 1) {
				kept -= bytesOf(messages[drop]);
				drop++;
			}
			if (drop > 0) {
				messages = messages.slice(drop);
				attachmentBytes = kept;
			}
			return stored;
		},
		listMessages(filter = {}) {
			const to = filter.to === undefined ? undefined : bareAddress(filter.to);
			const from = filter.from === undefined ? undefined : bareAddress(filter.from);
			return messages
				.filter((m) => from === undefined || bareAddress(m.from) === from)
				.filter(
					(m) =>
						to === undefined || [...m.to, ...m.cc, ...m.bcc].some((r) => bareAddress(r) === to),
				)
				.reverse();
		},
		getMessage(id) {
			return messages.find((m) => m.id === id || m.messageId === id);
		},
		clearMessages() {
			messages = [];
			attachmentBytes = 0;
		},
		addFault(rule) {
			faults.push(rule);
		},
		listFaults() {
			return faults.map((f) => ({ ...f, match: { ...f.match } }));
		},
		takeFault(envelope) {
			const rule = faults.find((f) => faultMatches(f, envelope));
			if (rule === undefined) return undefined;
			rule.remaining -= 1;
			if (rule.remaining <= 0) faults = faults.filter((f) => f !== rule);
			return { ...rule, match: { ...rule.match } };
		},
		clearFaults() {
			faults = [];
		},
		addWebhookDelivery(delivery) {
			const stored: WebhookDelivery = { id: crypto.randomUUID(), ...delivery };
			deliveries.push(stored);
			if (deliveries.length > maxDeliveries) deliveries = deliveries.slice(-maxDeliveries);
			return stored;
		},
		listWebhookDeliveries(filter = {}) {
			return deliveries
				.filter((d) => filter.receiver === undefined || d.receiver === filter.receiver)
				.filter((d) => filter.webhookId === undefined || d.webhookId === filter.webhookId)
				.reverse();
		},
		getWebhookDelivery(id) {
			return deliveries.find((d) => d.id === id);
		},
		clearWebhookDeliveries() {
			const deleted = deliveries.length;
			deliveries = [];
			return deleted;
		},
	};
}

function bytesOf(message: SentMessage | undefined): number {
	return message?.attachments.reduce((sum, a) => sum + a.size, 0) ?? 0;
}
