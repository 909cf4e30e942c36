// The simulator's memory: every message SendEmail accepted and the pending fault rules. One store
// per simulator instance, so tests that create their own simulator never see each other's mail.

import { bareAddress } from "./address.ts";
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
	/** ISO 8601. */
	receivedAt: string;
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
}

// A long `npm start` session or a benchmark must not grow memory without bound; the oldest
// messages go first.
const DEFAULT_MAX_MESSAGES = 10_000;

export function createStore(options: { maxMessages?: number } = {}): SimulatorStore {
	const maxMessages = options.maxMessages ?? DEFAULT_MAX_MESSAGES;
	// Oldest first; listMessages reverses.
	let messages: SentMessage[] = [];
	let faults: FaultRule[] = [];

	return {
		addMessage(message) {
			const stored: SentMessage = { id: crypto.randomUUID(), ...message };
			messages.push(stored);
			if (messages.length > maxMessages) messages = messages.slice(-maxMessages);
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
	};
}
