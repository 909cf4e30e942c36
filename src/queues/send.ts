/**
 * The send queue's consumer: each message names one accepted email (by id); its content is in
 * D1. Calls SES v2 `SendEmail` for each, paced to the shared account's maximum send rate, then
 * writes every outcome in one D1 batch and acks or retries each message.
 *
 * Delivery is at least once, so the consumer is idempotent: an email that is no longer
 * `queued` (already handed to SES, failed, or purged) is acked without a second send. The one
 * gap is SES accepting a message and the D1 write after it failing: the retry sends it again
 * (a duplicate, never a loss).
 */
import { z } from "zod";
import { createDb, type Db } from "../db/client.ts";
import { type EmailRow, findEmailsByIds } from "../db/queries/emails.ts";
import { findSuppressedPairs } from "../db/queries/suppressions.ts";
import { formatMailbox, parseMailbox, recipientAddresses } from "../domain/addresses.ts";
import { isAwaitingSes } from "../domain/email-lifecycle.ts";
import { type EmailEventInput, recordEmailEvents } from "../domain/email-recorder.ts";
import type { Bindings } from "../env.ts";
import { mapPaced } from "../lib/pace.ts";
import {
	createSesClient,
	EMAIL_ID_TAG,
	type SesClient,
	type SesOutcome,
	type SesSendEmailRequest,
	sesConfigFromEnv,
} from "../services/ses.ts";

const SendMessageBody = z.object({ emailId: z.string() });

/** Exponential backoff with jitter: 5 s, 10 s, 20 s … capped at 15 minutes. */
export function retryDelaySeconds(attempts: number): number {
	const base = Math.min(5 * 2 ** Math.max(attempts - 1, 0), 900);
	return Math.round(base * (0.8 + Math.random() * 0.4));
}

export interface SendDeps {
	db: Db;
	ses: SesClient;
	configurationSet: string;
	maxSendRate: number;
}

export function sendDepsFromEnv(env: Bindings): SendDeps {
	const config = sesConfigFromEnv(env);
	return {
		db: createDb(env.DB),
		ses: createSesClient(config),
		configurationSet: config.configurationSet,
		maxSendRate: Number(env.SES_MAX_SEND_RATE) || 1,
	};
}

export async function consumeSendBatch(
	batch: MessageBatch<unknown>,
	deps: SendDeps,
): Promise<void> {
	const work = new Map<string, Message<unknown>>();
	for (const message of batch.messages) {
		const body = SendMessageBody.safeParse(message.body);
		if (!body.success) {
			console.error("send queue: malformed message, dropped", message.id, message.body);
			message.ack();
		} else if (work.has(body.data.emailId)) {
			message.ack(); // the same email twice in one batch: one send is enough
		} else {
			work.set(body.data.emailId, message);
		}
	}
	if (work.size === 0) return;

	const rows = await findEmailsByIds(deps.db, [...work.keys()]);
	const pending = rows.filter(isAwaitingSes);
	const pendingIds = new Set(pending.map((r) => r.id));
	for (const [id, message] of work) if (!pendingIds.has(id)) message.ack();

	// An address suppressed after the email was accepted (a bounce from an earlier email, a
	// manual add) must not be mailed: such an email fails instead of going to SES.
	const blocked = await suppressedRecipients(deps.db, pending);
	const queued = pending.filter((email) => !blocked.has(email.id));

	// After the first throttle, the rest of the batch would be throttled too: retry it later.
	let throttled = false;
	const outcomes = await mapPaced(
		queued,
		{ perSecond: deps.maxSendRate, concurrency: Math.min(6, Math.ceil(deps.maxSendRate)) },
		async (email): Promise<SesOutcome<{ MessageId: string }>> => {
			if (throttled) return { kind: "retry", code: "Deferred", message: "SES is throttling" };
			const outcome = await deps.ses.sendEmail(toSesRequest(email, deps.configurationSet));
			if (outcome.kind === "retry" && outcome.code !== "NetworkError") throttled = true;
			return outcome;
		},
	);

	const now = Date.now();
	const results: EmailEventInput[] = [];
	for (const email of pending) {
		const addresses = blocked.get(email.id);
		if (!addresses) continue;
		const reason = `Not sent: ${addresses.join(", ")} ${addresses.length > 1 ? "were" : "was"} added to the suppression list after the email was accepted.`;
		results.push(sendFailed(email, "RecipientSuppressed", reason, now));
	}
	for (const [i, email] of queued.entries()) {
		const outcome = outcomes[i];
		if (outcome?.kind === "ok") {
			results.push({
				email,
				event: { kind: "accepted_by_ses", sesMessageId: outcome.value.MessageId, at: now },
				key: `ses-send:${email.id}`,
			});
		} else if (outcome?.kind === "fail") {
			const reason = `SES refused the email (${outcome.code}): ${outcome.message}`;
			results.push(sendFailed(email, outcome.code, reason, now));
		}
	}
	try {
		await recordEmailEvents(deps.db, results, now);
	} catch (cause) {
		console.error("send queue: could not record outcomes, retrying the batch", cause);
		for (const email of pending) work.get(email.id)?.retry({ delaySeconds: 5 });
		return;
	}
	for (const emailId of blocked.keys()) work.get(emailId)?.ack();
	for (const [i, email] of queued.entries()) {
		const message = work.get(email.id);
		const outcome = outcomes[i];
		if (!message || !outcome) continue;
		if (outcome.kind === "retry") {
			console.warn("send queue: SES said retry", email.id, outcome.code, outcome.message);
			message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
		} else {
			message.ack();
		}
	}
}

/** Email id → its recipients now on the account's suppression list (one D1 statement). */
async function suppressedRecipients(db: Db, emails: EmailRow[]): Promise<Map<string, string[]>> {
	const pairs = emails.flatMap((e) =>
		recipientAddresses(e).map((a): [string, string] => [e.accountId, a]),
	);
	if (pairs.length === 0) return new Map();
	const hits = await findSuppressedPairs(db, pairs);
	const blocked = new Map<string, string[]>();
	for (const email of emails) {
		const mine = recipientAddresses(email).filter((a) =>
			hits.some((h) => h.accountId === email.accountId && h.email === a),
		);
		if (mine.length) blocked.set(email.id, mine);
	}
	return blocked;
}

/** An email that never reached SES: the lifecycle marks it failed with the reason. */
export function sendFailed(
	email: EmailRow,
	code: string,
	reason: string,
	at: number,
): EmailEventInput {
	return {
		email,
		event: { kind: "send_failed", code, reason, at },
		key: `send-failed:${email.id}`,
	};
}

/** Our stored email as SES v2 `SendEmail` input; our email id rides along as a tag. */
export function toSesRequest(email: EmailRow, configurationSet: string): SesSendEmailRequest {
	const format = (list: string[] | null) =>
		(list ?? []).map((value) => {
			const mailbox = parseMailbox(value);
			return mailbox ? formatMailbox(mailbox) : value;
		});
	const body: SesSendEmailRequest["Content"]["Simple"]["Body"] = {};
	if (email.text) body.Text = { Data: email.text, Charset: "UTF-8" };
	if (email.html) body.Html = { Data: email.html, Charset: "UTF-8" };
	const request: SesSendEmailRequest = {
		FromEmailAddress: format([email.from])[0] ?? email.from,
		Destination: { ToAddresses: format(email.to) },
		Content: {
			Simple: { Subject: { Data: email.subject, Charset: "UTF-8" }, Body: body },
		},
		EmailTags: [
			{ Name: EMAIL_ID_TAG, Value: email.id },
			...(email.tags ?? []).map((t) => ({ Name: t.name, Value: t.value })),
		],
		ConfigurationSetName: configurationSet,
	};
	if (email.cc) request.Destination.CcAddresses = format(email.cc);
	if (email.bcc) request.Destination.BccAddresses = format(email.bcc);
	if (email.replyTo) request.ReplyToAddresses = format(email.replyTo);
	if (email.headers) {
		request.Content.Simple.Headers = Object.entries(email.headers).map(([Name, Value]) => ({
			Name,
			Value,
		}));
	}
	return request;
}
