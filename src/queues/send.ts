/**
 * The send queue's consumer: each message names one accepted email (by id); its content is in
 * D1. For each email still waiting for SES it checks the account's standing at send time (held
 * emails fail with the reason, their quota given back) and the suppression list, then calls SES
 * v2 `SendEmail`, paced to the shared account's rate in recipients per second, and records each
 * result through the email lifecycle as it comes, so a delivery notification that arrives first
 * loses nothing and a crash re-sends at most the emails in flight.
 *
 * Throttling slows the sender (src/lib/pace.ts) instead of parking the backlog: the email is
 * tried again in the same run once the pause is over. Only after THROTTLED_FOR_LONG of
 * throttling in one run are the rest handed back to the queue as new messages, so throttling
 * never uses up an email's retries or sends valid mail to the dead-letter queue. An SES outage
 * (5xx, network) is retried twice in the run, then by the queue with backoff.
 *
 * Delivery is at least once, so the consumer is idempotent: an email that is no longer waiting
 * (already handed to SES, failed, or purged) is acked without a second send. The one gap is
 * SES accepting a message and the D1 write after it failing: the retry sends it again.
 */
import { z } from "zod";
import { createDb, type Db } from "../db/client.ts";
import { type EmailRow, findEmailsToSend } from "../db/queries/emails.ts";
import { findSuppressedPairs } from "../db/queries/suppressions.ts";
import { recipientAddresses } from "../domain/addresses.ts";
import { isAwaitingSes, SUPPRESSED_CODE } from "../domain/email-lifecycle.ts";
import {
	type EmailEventInput,
	type GuardEffects,
	type Recorded,
	recordEmailEvents,
} from "../domain/email-recorder.ts";
import type { SendGuard, Suspension } from "../domain/guard.ts";
import type { SendMessage } from "../domain/sending.ts";
import { holdReason } from "../domain/standing.ts";
import type { WebhookMessage } from "../domain/webhook-delivery.ts";
import { guardFor } from "../durable-objects/index.ts";
import type { Bindings } from "../env.ts";
import { createPacer, type Pacer } from "../lib/pace.ts";
import { createSesClient, type SesClient, sesConfigFromEnv } from "../services/ses.ts";
import { toSesRequest } from "./ses-request.ts";

const SendMessageBody = z.object({ emailId: z.string() });

/** Past this much throttling in one run, the rest go back to the queue (no retry used). */
const THROTTLED_FOR_LONG = 60_000;
const REQUEUE_AFTER_THROTTLING_SECONDS = 15;
/** An SES 5xx or network failure is tried this often in one run before the queue retries it. */
const TRIES_PER_RUN = 3;
/** The message arrived before its row was visible (the row is written after the queue send). */
const ROW_GRACE_MS = 60_000;
const SES_THROTTLE_CODES = new Set([
	"TooManyRequestsException",
	"ThrottlingException",
	"Throttling",
]);

/** Exponential backoff with jitter: 5 s, 10 s, 20 s … capped at 15 minutes. */
export function retryDelaySeconds(attempts: number): number {
	const base = Math.min(5 * 2 ** Math.max(attempts - 1, 0), 900);
	return Math.round(base * (0.8 + Math.random() * 0.4));
}

export interface SendDeps {
	db: Db;
	ses: SesClient;
	queue: Queue<SendMessage>;
	/** The customers' webhook deliveries the recorded events create. */
	webhookQueue: Queue<WebhookMessage>;
	guardFor: (accountId: string) => SendGuard;
	configurationSet: string;
	/** The shared SES account's maximum send rate, recipients per second. */
	maxSendRate: number;
}

export function sendDepsFromEnv(env: Bindings): SendDeps {
	const config = sesConfigFromEnv(env);
	return {
		db: createDb(env.DB),
		ses: createSesClient(config),
		queue: env.SEND_QUEUE,
		webhookQueue: env.WEBHOOK_QUEUE,
		guardFor: (accountId) => guardFor(env, accountId),
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

	const found = await findEmailsToSend(deps.db, [...work.keys()]);
	const foundIds = new Set(found.map((f) => f.email.id));
	for (const [id, message] of work) {
		if (foundIds.has(id)) continue;
		// Not (yet) there: a young message may have overtaken its row; an old one lost it.
		if (Date.now() - message.timestamp.getTime() < ROW_GRACE_MS) message.retry({ delaySeconds: 5 });
		else message.ack();
	}
	const waiting = found.filter((f) => isAwaitingSes(f.email));
	for (const f of found) if (!isAwaitingSes(f.email)) work.get(f.email.id)?.ack();
	if (waiting.length === 0) return;

	const accountIds = [...new Set(waiting.map((f) => f.email.accountId))];
	let suspensions: Map<string, Suspension | null>;
	let blocked: Map<string, string[]>;
	try {
		[suspensions, blocked] = await Promise.all([
			standingOf(deps, accountIds),
			suppressedRecipients(
				deps.db,
				waiting.map((f) => f.email),
			),
		]);
	} catch (cause) {
		// Fail closed: without the standing, nothing is sent now.
		console.error("send queue: could not check standing, retrying the batch", cause);
		for (const f of waiting) work.get(f.email.id)?.retry({ delaySeconds: 10 });
		return;
	}

	const now = Date.now();
	const refused: EmailEventInput[] = [];
	const sendable: EmailRow[] = [];
	for (const { email, account, domain } of waiting) {
		const held = holdReason({
			account,
			domain,
			suspension: suspensions.get(email.accountId) ?? null,
		});
		const suppressed = blocked.get(email.id);
		if (held) refused.push(sendFailed(email, held.code, held.reason, now));
		else if (suppressed) {
			const reason = `Not sent: ${suppressed.join(", ")} ${suppressed.length > 1 ? "were" : "was"} added to the suppression list after the email was accepted.`;
			refused.push(sendFailed(email, SUPPRESSED_CODE, reason, now));
		} else sendable.push(email);
	}

	const recorded: Recorded[] = [];
	const record = async (inputs: EmailEventInput[]) => {
		recorded.push(...(await recordEmailEvents(deps, inputs)));
	};
	try {
		await record(refused);
		for (const input of refused) work.get(input.email.id)?.ack();
	} catch (cause) {
		console.error("send queue: could not record held emails, retrying them", cause);
		for (const input of refused) work.get(input.email.id)?.retry({ delaySeconds: 5 });
	}

	await sendAll(deps, sendable, work, record);
	await countForGuards(deps, recorded);
}

/** The guard's suspension for each account (one Durable Object call per account). */
async function standingOf(deps: SendDeps, accountIds: string[]) {
	const entries = await Promise.all(
		accountIds.map(async (id) => [id, await deps.guardFor(id).standing()] as const),
	);
	return new Map(entries);
}

/**
 * Sends each email, paced, and records each result as it comes. At most six in flight: a
 * Worker invocation may hold six outgoing connections at once.
 */
async function sendAll(
	deps: SendDeps,
	emails: EmailRow[],
	work: Map<string, Message<unknown>>,
	record: (inputs: EmailEventInput[]) => Promise<void>,
) {
	const pacer = createPacer(deps.maxSendRate);
	const throttling = { since: null as number | null, total: 0 };
	let next = 0;
	const worker = async () => {
		while (next < emails.length) {
			const email = emails[next++] as EmailRow;
			const message = work.get(email.id);
			if (!message) continue;
			const result = await sendOne(deps, pacer, throttling, email);
			if (result.kind === "requeue") {
				await requeue(deps, email, message);
				continue;
			}
			if (result.kind === "retry") {
				console.warn("send queue: SES unavailable", email.id, result.code);
				message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
				continue;
			}
			try {
				await record([result.input]);
				message.ack();
			} catch (cause) {
				// SES has it; the retry finds it still waiting and sends it again (at least once).
				console.error("send queue: could not record the result", email.id, cause);
				message.retry({ delaySeconds: 5 });
			}
		}
	};
	await Promise.all(Array.from({ length: Math.min(6, emails.length) }, worker));
}

type SendResult =
	| { kind: "done"; input: EmailEventInput }
	| { kind: "retry"; code: string }
	| { kind: "requeue" };

async function sendOne(
	deps: SendDeps,
	pacer: Pacer,
	throttling: { since: number | null; total: number },
	email: EmailRow,
): Promise<SendResult> {
	const recipients = recipientAddresses(email).length;
	for (let tries = 1; ; ) {
		if (throttling.total >= THROTTLED_FOR_LONG) return { kind: "requeue" };
		await pacer.take(recipients);
		const outcome = await deps.ses.sendEmail(toSesRequest(email, deps.configurationSet));
		const now = Date.now();
		if (outcome.kind === "retry" && SES_THROTTLE_CODES.has(outcome.code)) {
			throttling.since ??= now;
			pacer.throttled();
			continue;
		}
		if (throttling.since !== null) {
			throttling.total += now - throttling.since;
			throttling.since = null;
		}
		if (outcome.kind === "ok") {
			pacer.succeeded();
			return {
				kind: "done",
				input: {
					email,
					event: { kind: "accepted_by_ses", sesMessageId: outcome.value.MessageId, at: now },
					key: `ses-send:${email.id}`,
				},
			};
		}
		if (outcome.kind === "fail") {
			const reason = `SES refused the email (${outcome.code}): ${outcome.message}`;
			return { kind: "done", input: sendFailed(email, outcome.code, reason, now) };
		}
		if (++tries > TRIES_PER_RUN) return { kind: "retry", code: outcome.code };
		await new Promise((resolve) => setTimeout(resolve, 500 * tries));
	}
}

/** Hands an email back to the queue as a new message, so throttling uses none of its retries. */
async function requeue(deps: SendDeps, email: EmailRow, message: Message<unknown>) {
	try {
		await deps.queue.send(
			{ emailId: email.id },
			{ delaySeconds: REQUEUE_AFTER_THROTTLING_SECONDS },
		);
		message.ack();
	} catch {
		message.retry({ delaySeconds: REQUEUE_AFTER_THROTTLING_SECONDS });
	}
}

/** Tells each account's guard what SES accepted (reputation) and what never went (quota). */
export async function countForGuards(deps: Pick<SendDeps, "guardFor">, recorded: Recorded[]) {
	const now = Date.now();
	const byAccount = new Map<string, GuardEffects[]>();
	for (const r of recorded)
		byAccount.set(r.accountId, [...(byAccount.get(r.accountId) ?? []), r.guard]);
	await Promise.all(
		[...byAccount].map(async ([accountId, list]) => {
			const guard = deps.guardFor(accountId);
			const sends = list.flatMap((e) => e.sends);
			const released = list.reduce((sum, e) => sum + e.releasedRecipients, 0);
			try {
				if (sends.length) await guard.recordSends(sends, now);
				if (released) await guard.release({ recipients: released, at: now });
			} catch (cause) {
				// Sends are keyed, so a later count would be safe; the figures lag until then.
				console.error("send queue: could not count for the guard", accountId, cause);
			}
		}),
	);
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
