/**
 * The send queue's dead-letter consumer: an email whose message used up every retry (SES down
 * for the whole backoff window; throttling never uses retries) is marked `failed` with the
 * reason and its quota given back, so no accepted email stays `pending` forever.
 */
import { z } from "zod";
import { findEmailsByIds } from "../db/queries/emails.ts";
import { isAwaitingSes } from "../domain/email-lifecycle.ts";
import { recordEmailEvents } from "../domain/email-recorder.ts";
import { countForGuards, type SendDeps } from "./send.ts";
import { sendFailed } from "./send-to-ses.ts";

const Body = z.object({ emailId: z.string() });

export async function consumeSendDeadLetters(
	batch: MessageBatch<unknown>,
	deps: Pick<SendDeps, "db" | "guardFor" | "webhookQueue">,
): Promise<void> {
	const { db } = deps;
	const ids = [
		...new Set(
			batch.messages.flatMap((m) => {
				const body = Body.safeParse(m.body);
				return body.success ? [body.data.emailId] : [];
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
