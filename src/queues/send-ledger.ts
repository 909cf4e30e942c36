/**
 * The send queues' messages as the consumer works on them: one handle per email, whatever
 * message carried it (`{emailId}` or `{emailIds}`, src/domain/send-message.ts). The consumer
 * decides each email on its handle; `settle` then answers each message once:
 * - any of its emails to be tried again → the whole message is retried with the longest delay
 *   asked for (its emails already done are skipped on redelivery: the consumer sends only
 *   emails still waiting for SES), so a message's retries count as a single email's did;
 * - else any handed back (throttling, a run's bounds) → new messages with those ids (no retry
 *   used up), then the message is acked; if that send fails, the message is retried;
 * - else acked.
 * An email no path decided (a bug, or a throw) is tried again.
 */
import { idsIn, queueEmails, type SendMessage, SendMessageBody } from "../domain/send-message.ts";

export interface EmailHandle {
	/** The carrying message's delivery attempts and when it was first sent. */
	readonly attempts: number;
	readonly timestamp: Date;
	ack(): void;
	retry(options?: { delaySeconds?: number }): void;
	/** Hands the email back to the queue as a new message: no retry used up. */
	requeue(delaySeconds: number): void;
}

type Outcome =
	| { kind: "ack" }
	| { kind: "retry"; delaySeconds: number }
	| { kind: "requeue"; delaySeconds: number };

interface Entry {
	message: Message<unknown>;
	outcomes: Map<string, Outcome | null>;
}

export interface SendLedger {
	/** Each email once, by id: an id named twice in a batch is sent once. */
	handles: Map<string, EmailHandle>;
	settle(queue: Queue<SendMessage>): Promise<void>;
}

export function openLedger(batch: MessageBatch<unknown>): SendLedger {
	const handles = new Map<string, EmailHandle>();
	const entries: Entry[] = [];
	for (const message of batch.messages) {
		const body = SendMessageBody.safeParse(message.body);
		if (!body.success) {
			console.error("send queue: malformed message, dropped", message.id, message.body);
			message.ack();
			continue;
		}
		const entry: Entry = { message, outcomes: new Map() };
		entries.push(entry);
		for (const id of idsIn(body.data)) {
			if (handles.has(id)) {
				entry.outcomes.set(id, { kind: "ack" }); // a copy: one send is enough
				continue;
			}
			entry.outcomes.set(id, null);
			const decide = (outcome: Outcome) => entry.outcomes.set(id, outcome);
			handles.set(id, {
				attempts: message.attempts,
				timestamp: message.timestamp,
				ack: () => decide({ kind: "ack" }),
				retry: (options) => decide({ kind: "retry", delaySeconds: options?.delaySeconds ?? 0 }),
				requeue: (delaySeconds) => decide({ kind: "requeue", delaySeconds }),
			});
		}
	}
	return {
		handles,
		settle: async (queue) => {
			await Promise.all(entries.map((entry) => settleOne(entry, queue)));
		},
	};
}

async function settleOne({ message, outcomes }: Entry, queue: Queue<SendMessage>) {
	const decided = [...outcomes].map(([id, outcome]) => {
		if (outcome) return { id, outcome };
		console.warn("send queue: no outcome for an email, retrying its message", id);
		return { id, outcome: { kind: "retry", delaySeconds: 5 } as Outcome };
	});
	const retries = decided.flatMap(({ outcome }) =>
		outcome.kind === "retry" ? [outcome.delaySeconds] : [],
	);
	if (retries.length) {
		message.retry({ delaySeconds: Math.max(...retries) });
		return;
	}
	const requeued = decided.flatMap(({ id, outcome }) =>
		outcome.kind === "requeue" ? [{ id, delaySeconds: outcome.delaySeconds }] : [],
	);
	if (requeued.length === 0) {
		message.ack();
		return;
	}
	try {
		await queueEmails(queue, requeued);
		message.ack();
	} catch {
		message.retry({ delaySeconds: Math.max(...requeued.map((r) => r.delaySeconds)) });
	}
}
