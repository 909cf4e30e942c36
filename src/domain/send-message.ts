/**
 * The send queues' message: ids only, the content stays in D1 (and R2). One email's id
 * (`{emailId}`), or up to MAX_IDS_PER_MESSAGE ids (`{emailIds}`) for emails queued together,
 * as a batch request's are: one message instead of fifty, a fiftieth of the queue operations
 * (each message is written, read and deleted: three billed operations). The consumer reads
 * both (src/queues/send-ledger.ts).
 */
import { z } from "zod";
import { chunk } from "../lib/chunk.ts";

/**
 * Fifty UUIDs are 2 KB, far below a message's 128 KB; the bound keeps a run of the consumer
 * (at most 100 messages) near the emails one invocation may send (src/queues/send.ts).
 */
export const MAX_IDS_PER_MESSAGE = 50;

export type SendMessage = { emailId: string } | { emailIds: string[] };

/** A message as the consumers accept it (anything else is dropped as malformed). */
export const SendMessageBody = z.union([
	z.object({ emailId: z.string().min(1) }),
	z.object({ emailIds: z.array(z.string().min(1)).min(1).max(MAX_IDS_PER_MESSAGE) }),
]);

/** The messages naming these ids: the single form for one, so a single send's is as before. */
export function messagesFor(ids: string[]): SendMessage[] {
	return chunk(ids, MAX_IDS_PER_MESSAGE).map((part) =>
		part.length === 1 ? { emailId: part[0] as string } : { emailIds: part },
	);
}

/** Queues' own bound: at most 100 messages in one `sendBatch`. */
const MESSAGES_PER_CALL = 100;

/**
 * Queues emails, each held until its delay: emails with the same delay share messages, and
 * the messages go at most 100 a call.
 */
export async function queueEmails(
	queue: Queue<SendMessage>,
	emails: { id: string; delaySeconds?: number }[],
): Promise<void> {
	const byDelay = new Map<number, string[]>();
	for (const { id, delaySeconds = 0 } of emails) {
		const ids = byDelay.get(delaySeconds);
		if (ids) ids.push(id);
		else byDelay.set(delaySeconds, [id]);
	}
	const messages = [...byDelay].flatMap(([delaySeconds, ids]) =>
		messagesFor(ids).map((body) => ({ body, delaySeconds })),
	);
	for (const part of chunk(messages, MESSAGES_PER_CALL)) await queue.sendBatch(part);
}

/** The ids a message names, in order. */
export function idsIn(message: SendMessage): string[] {
	return "emailId" in message ? [message.emailId] : message.emailIds;
}
