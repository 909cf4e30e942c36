/**
 * The send queue's consumer: each message names accepted emails by id, one or up to fifty
 * queued together (src/domain/send-message.ts, answered per email by src/queues/send-ledger.ts);
 * their content is in D1. For each email still waiting for SES it checks the account's standing at send time (held
 * emails fail with the reason, their quota given back) and the suppression list, then calls SES
 * v2 `SendEmail`, paced to the shared account's rate in recipients per second, and records each
 * result through the email lifecycle as soon as D1 takes it, so a delivery notification that
 * arrives first loses nothing and a crash re-sends at most the emails in flight and the results
 * waiting for the write in progress. The conversation with SES (pacing, throttling, retries in
 * the run) is in src/queues/send-to-ses.ts.
 *
 * It consumes both send lanes (src/domain/lanes.ts): the lane only decides whose reservations the
 * one SendPacer serves first and where a run hands emails back; everything else is the same.
 *
 * A scheduled email's message comes from the minute's dispatch (src/cron/dispatch-scheduled.ts)
 * or, when it was due within the minute, from the API, delayed to its time. The consumer claims
 * it (`due`, through the lifecycle: only if it is still scheduled, so a cancel that got there
 * first wins) and then treats it as any other: the account's standing is checked now, when it
 * is due, and a held one fails with the reason. One rescheduled to later is left for the
 * dispatch of its new time.
 *
 * Delivery is at least once, so the consumer is idempotent: an email that is no longer waiting
 * (already handed to SES, failed, or purged) is acked without a second send. The one gap is
 * SES accepting a message and the D1 write after it failing: the retry sends it again.
 */
import { createDb, type Db } from "../db/client.ts";
import { type AttachmentRow, findAttachmentsOfEmails } from "../db/queries/attachments.ts";
import { type EmailRow, findEmailsToSend } from "../db/queries/emails.ts";
import { findSuppressedPairs } from "../db/queries/suppressions.ts";
import { bulkQueues, sendNotices, suspensionDepsFromEnv, type WaitUntil } from "../deps.ts";
import {
	type EmailEventInput,
	type Recorded,
	recordEmailEvents,
} from "../domain/email-recorder.ts";
import { isAwaitingSes, SUPPRESSED_CODE } from "../domain/email-state.ts";
import type { GuardEffects } from "../domain/event-effects.ts";
import type { SendGuard, Suspension } from "../domain/guard.ts";
import type { Lane } from "../domain/lanes.ts";
import type { SendMessage } from "../domain/send-message.ts";
import { holdReason } from "../domain/standing.ts";
import { recordSuspension } from "../domain/suspension.ts";
import type { WebhookMessage } from "../domain/webhook-delivery.ts";
import { guardFor, pacerFor } from "../durable-objects/index.ts";
import type { Bindings } from "../env.ts";
import { recipientAddresses } from "../lib/addresses.ts";
import { sesConfigFromEnv } from "../services/index.ts";
import { createSesClient } from "../services/ses.ts";
import { claimDue } from "./claim-due.ts";
import { type EmailHandle, openLedger } from "./send-ledger.ts";
import { type SesSendDeps, sendAll, sendFailed } from "./send-to-ses.ts";

/** The message arrived before its row was visible (the API writes both at once). */
const ROW_GRACE_MS = 60_000;

export interface SendDeps extends SesSendDeps {
	db: Db;
	/** The lane's own queue: what a run hands back goes to the lane it came from. */
	queue: Queue<SendMessage>;
	/** MAX_EMAILS_PER_RUN unless a test sets it. */
	maxEmailsPerRun?: number;
	/** The customers' webhook deliveries the recorded events create. */
	webhookQueue: Queue<WebhookMessage>;
	guardFor: (accountId: string) => SendGuard;
	/** Records (in D1) and announces a suspension the counted sends decided. */
	onSuspended?: (accountId: string, suspension: Suspension) => Promise<void>;
}

/** A consumer's deps for the queue it runs for: express, or the bulk lane's `bulkLane`th queue. */
export function sendDepsFromEnv(
	env: Bindings,
	waitUntil: WaitUntil,
	lane: Lane = "express",
	bulkLane = 0,
): SendDeps {
	const config = sesConfigFromEnv(env);
	return {
		onSuspended: async (accountId, suspension) => {
			const notice = await recordSuspension(
				suspensionDepsFromEnv(env, accountId),
				accountId,
				suspension,
			);
			waitUntil(sendNotices(env, waitUntil, notice));
		},
		db: createDb(env.DB),
		ses: createSesClient(config),
		queue: lane === "express" ? env.SEND_QUEUE : (bulkQueues(env)[bulkLane] ?? env.SEND_BULK_QUEUE),
		webhookQueue: env.WEBHOOK_QUEUE,
		files: env.ATTACHMENTS,
		guardFor: (accountId) => guardFor(env, accountId),
		configurationSet: config.configurationSet,
		pace: pacerFor(env),
		lane,
	};
}

/**
 * The emails one run sends at most: each SES call is a subrequest (10,000 an invocation on
 * Workers Paid, 1,000 when this was chosen; R2 reads, D1 and Durable Object calls count too), and
 * each email's result is one of D1's 1,000 queries an invocation, the tighter bound. The rest go
 * back to the queue, in messages of many ids, with no retry used up; the bulk lane takes 6
 * messages a run (wrangler.toml), mostly of 50 ids, so it rarely has any to hand back.
 */
const MAX_EMAILS_PER_RUN = 300;
const OVERFLOW_DELAY_SECONDS = 0;

export async function consumeSendBatch(
	batch: MessageBatch<unknown>,
	deps: SendDeps,
): Promise<void> {
	const ledger = openLedger(batch);
	const work = new Map<string, EmailHandle>();
	for (const [id, handle] of ledger.handles) {
		if (work.size < (deps.maxEmailsPerRun ?? MAX_EMAILS_PER_RUN)) work.set(id, handle);
		else handle.requeue(OVERFLOW_DELAY_SECONDS);
	}
	try {
		await sendEmails(work, deps);
	} finally {
		await ledger.settle(deps.queue);
	}
}

async function sendEmails(work: Map<string, EmailHandle>, deps: SendDeps) {
	if (work.size === 0) return;

	const stored = await findEmailsToSend(deps.db, [...work.keys()]);
	const storedIds = new Set(stored.map((f) => f.email.id));
	for (const [id, handle] of work) {
		if (storedIds.has(id)) continue;
		// Not (yet) there: a young message may have overtaken its row; an old one lost it.
		if (Date.now() - handle.timestamp.getTime() < ROW_GRACE_MS) handle.retry({ delaySeconds: 1 });
		else handle.ack();
	}
	const { found, overQuota } = await claimDue(deps, stored, work);
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
		const quota = overQuota.get(email.id);
		if (held) refused.push(sendFailed(email, held.code, held.reason, now));
		else if (quota) refused.push(sendFailed(email, "MonthlyQuotaExceeded", quota, now));
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

	let attachments: Map<string, AttachmentRow[]>;
	try {
		attachments = await attachmentsOf(deps.db, sendable);
	} catch (cause) {
		console.error("send queue: could not read attachments, retrying the batch", cause);
		for (const email of sendable) work.get(email.id)?.retry({ delaySeconds: 10 });
		await countForGuards(deps, recorded);
		return;
	}
	await sendAll(deps, sendable, work, record, attachments);
	await countForGuards(deps, recorded);
}

/** The attachments of the emails that have some (one D1 statement), by email id. */
async function attachmentsOf(db: Db, emails: EmailRow[]): Promise<Map<string, AttachmentRow[]>> {
	const ids = emails.filter((e) => e.attachmentCount > 0).map((e) => e.id);
	const byEmail = new Map<string, AttachmentRow[]>();
	if (ids.length === 0) return byEmail;
	for (const row of await findAttachmentsOfEmails(db, ids)) {
		byEmail.set(row.emailId, [...(byEmail.get(row.emailId) ?? []), row]);
	}
	return byEmail;
}

/** The guard's suspension for each account (one Durable Object call per account). */
async function standingOf(deps: SendDeps, accountIds: string[]) {
	const entries = await Promise.all(
		accountIds.map(async (id) => [id, await deps.guardFor(id).standing()] as const),
	);
	return new Map(entries);
}

/** Tells each account's guard what SES accepted (reputation) and what never went (quota). */
export async function countForGuards(
	deps: Pick<SendDeps, "guardFor" | "onSuspended">,
	recorded: Recorded[],
) {
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
				const counted = sends.length ? await guard.recordSends(sends, now) : null;
				if (counted?.unrecorded && deps.onSuspended) {
					// If this fails the guard keeps answering it unrecorded; the next request records it.
					await deps
						.onSuspended(accountId, counted.unrecorded)
						.catch((cause: unknown) => console.error("suspension not recorded yet", cause));
				}
				if (released) await guard.release({ recipients: released, at: now });
			} catch (cause) {
				// The figures lag by these sends: counting them again could count them twice.
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

//END
