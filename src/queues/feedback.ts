/**
 * The feedback queue: SES notifications whose signature `/hooks/sns` verified but which could
 * not be processed right then (D1 or an account guard briefly down). SNS's default HTTPS policy
 * gives up after three retries 20 s apart, so the hook parks such a notification here and
 * answers 200; this consumer processes it with the queue's retries and backoff. What still
 * fails after every retry lands in the dead-letter queue, whose consumer keeps it in
 * `unmatched_notifications` for a person to look at: nothing verified is dropped silently.
 */
import { z } from "zod";
import { createDb } from "../db/client.ts";
import { unmatchedNotifications } from "../db/schema.ts";
import { type NotificationDeps, processNotification } from "../domain/feedback.ts";
import { uuidv7 } from "../lib/ids.ts";
import { retryDelaySeconds } from "./retry.ts";

export const FeedbackMessage = z.object({
	messageId: z.string(),
	topicArn: z.string(),
	message: z.string(),
});
export type FeedbackMessage = z.infer<typeof FeedbackMessage>;

export async function consumeFeedback(batch: MessageBatch<unknown>, deps: NotificationDeps) {
	for (const message of batch.messages) {
		const body = FeedbackMessage.safeParse(message.body);
		if (!body.success) {
			console.error("feedback queue: malformed message, dropped", message.id);
			message.ack();
			continue;
		}
		try {
			await processNotification(deps, body.data);
			message.ack();
		} catch (cause) {
			console.error("feedback queue: not processed yet", body.data.messageId, cause);
			message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
		}
	}
}

/** Out of retries: kept where staff look for feedback that matched nothing. */
export async function consumeFeedbackDeadLetters(batch: MessageBatch<unknown>, db: D1Database) {
	const rows = batch.messages.flatMap((message) => {
		const body = FeedbackMessage.safeParse(message.body);
		if (!body.success) return [];
		console.error("feedback dead letter: kept for review", body.data.messageId);
		return [
			{
				id: uuidv7(),
				snsMessageId: body.data.messageId,
				topicArn: body.data.topicArn,
				sesMessageId: null,
				type: "dead_letter",
				payload: body.data.message,
				createdAt: Date.now(),
			},
		];
	});
	if (rows.length) await createDb(db).insert(unmatchedNotifications).values(rows);
	batch.ackAll();
}
