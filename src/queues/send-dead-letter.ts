/**
 * The send queue's dead-letter consumer: an email whose message used up every retry (SES
 * throttled or down for the whole backoff window) is marked `failed` with the reason, so no
 * accepted email stays `pending` forever.
 */
import { z } from "zod";
import type { Db } from "../db/client.ts";
import {
	findEmailsByIds,
	insertEventsStatements,
	markSendFailedStatement,
	runBatch,
} from "../db/queries/emails.ts";
import { failedEvent } from "./send.ts";

const Body = z.object({ emailId: z.string() });

export async function consumeSendDeadLetters(batch: MessageBatch<unknown>, db: Db): Promise<void> {
	const ids = [
		...new Set(
			batch.messages.flatMap((m) => {
				const body = Body.safeParse(m.body);
				return body.success ? [body.data.emailId] : [];
			}),
		),
	];
	const rows = ids.length ? await findEmailsByIds(db, ids) : [];
	const stuck = rows.filter((r) => r.status === "pending" && r.lastEvent === "queued");
	const now = Date.now();
	const reason = "SES did not accept the email after every retry (throttled or unavailable).";
	await runBatch(db, [
		...stuck.map((r) => markSendFailedStatement(db, r.id, reason)),
		...insertEventsStatements(
			db,
			stuck.map((r) => failedEvent(r, "RetriesExhausted", reason, now)),
		),
	]);
	batch.ackAll();
}
