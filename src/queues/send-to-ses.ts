/**
 * The send consumer's conversation with SES: each email paced to the shared account's rate in
 * recipients per second (src/lib/pace.ts), a throttle slowing every sender down rather than
 * parking the backlog, an SES 5xx tried a few times in the run, and each result handed to the
 * lifecycle as it comes. Only after THROTTLED_FOR_LONG of throttling in one run are the rest
 * handed back to the queue as new messages, so throttling never uses up an email's retries.
 */
import type { EmailRow } from "../db/queries/emails.ts";
import type { EmailEventInput } from "../domain/email-recorder.ts";
import type { SendMessage } from "../domain/sending.ts";
import { recipientAddresses } from "../lib/addresses.ts";
import { createPacer, type Pacer } from "../lib/pace.ts";
import type { SesClient } from "../services/ses.ts";
import { toSesRequest } from "../services/ses-request.ts";
import { retryDelaySeconds } from "./retry.ts";

/** Past this much throttling in one run, the rest go back to the queue (no retry used). */
const THROTTLED_FOR_LONG = 60_000;
const REQUEUE_AFTER_THROTTLING_SECONDS = 15;
/** An SES 5xx or network failure is tried this often in one run before the queue retries it. */
const TRIES_PER_RUN = 3;
const SES_THROTTLE_CODES = new Set([
	"TooManyRequestsException",
	"ThrottlingException",
	"Throttling",
]);

export interface SesSendDeps {
	ses: SesClient;
	queue: Queue<SendMessage>;
	configurationSet: string;
	/** The shared SES account's maximum send rate, recipients per second. */
	maxSendRate: number;
}

/**
 * Sends each email, paced, and records each result as it comes. At most six in flight: a
 * Worker invocation may hold six outgoing connections at once.
 */
export async function sendAll(
	deps: SesSendDeps,
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
	deps: SesSendDeps,
	pacer: Pacer,
	throttling: { since: number | null; total: number },
	email: EmailRow,
): Promise<SendResult> {
	const recipients = recipientAddresses(email).length;
	for (let tries = 1; ; ) {
		if (throttling.total >= THROTTLED_FOR_LONG) return { kind: "requeue" };
		await pacer.take(recipients);
		const outcome = await deps.ses.sendEmail(
			toSesRequest(email, { emailId: email.id, configurationSet: deps.configurationSet }),
		);
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
async function requeue(deps: SesSendDeps, email: EmailRow, message: Message<unknown>) {
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
