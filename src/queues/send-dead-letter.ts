/**
 * The send queue's dead-letter consumer: an email whose message used up every retry (SES down
 * for the whole backoff window; throttling never uses retries) is marked `failed` with the
 * reason and its quota given back, so no accepted email stays `pending` forever. A message of
 * many ids fails only those still waiting: the others were sent on an earlier attempt.
 */
import { findEmailsByIds } from "../db/queries/emails.ts";
import { recordEmailEvents } from "../domain/email-recorder.ts";
import { isAwaitingSes } from "../domain/email-state.ts";
import { idsIn, SendMessageBody } from "../domain/send-message.ts";
import { countForGuards, type SendDeps } from "./send.ts";
import { sendFailed } from "./send-to-ses.ts";

export async function consumeSendDeadLetters(
	batch: MessageBatch<unknown>,
	deps: Pick<SendDeps, "db" | "guardFor" | "webhookQueue">,
): Promise<void> {
	const { db } = deps;
	const ids = [
		...new Set(
			batch.messages.flatMap((m) => {
				const body = SendMessageBody.safeParse(m.body);
				return body.success ? idsIn(body.data) : [];
			}),
		),
	];
	const rows = ids.length ? await findEmailsByIds(db, ids) : [];
	const now = Date.now();
	const reason = "SES did not accept the email after every retry (throttled or unavailable).";
	const recorded = await recordEmailEvents(
		deps,
		rows.filter(isAwaitingSes).map((r) => sendFailed(r, "RetriesExhausted", reason, now)),
		now,
	);
	await countForGuards(deps, recorded);
	batch.ackAll();
}
