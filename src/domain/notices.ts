/**
 * SendFleet's own mail to account owners (verification outcomes, suspension notices).
 *
 * A notice is recorded in D1 in the same batch as the decision it announces, so a decision
 * never stands without its notice and a failing mail path never fails the decision. It is
 * then dispatched: accepted as an email of the platform account (PLATFORM_ACCOUNT_ID, an
 * approved account with a verified domain) from PLATFORM_FROM and sent by the send queue like
 * any customer's email; locally it lands in the simulator's inbox. Dispatching runs right
 * after the decision and again from the cron for whatever is left, and is exactly-once: the
 * email's id is fixed when the notice is recorded, so a second dispatch finds it stored.
 */
import type { Db } from "../db/client.ts";
import { findAccount } from "../db/queries/accounts.ts";
import { findEmailsByIds } from "../db/queries/emails.ts";
import {
	findUndispatchedNotices,
	markNoticeDispatched,
	type NoticeRow,
} from "../db/queries/notices.ts";
import { derivedUuidv7 } from "../lib/ids.ts";
import { MINUTE } from "../lib/time.ts";
import { acceptEmails, type SendingDeps } from "./sending.ts";

export interface NoticeDeps {
	db: Db;
	/** Who SendFleet's mail comes from; null when not configured (notices are then logged). */
	platform: { accountId: string; from: string } | null;
	sendingFor: (accountId: string) => SendingDeps;
}

/**
 * A notice row for what it announces: `key` and `keyTime` name it (a suspension and its time,
 * a verification request and its creation), so two decisions racing to announce the same thing
 * write one row; `at` is when it was decided.
 */
export async function buildNotice(
	about: { key: string; keyTime: number },
	message: { accountId: string; to: string; subject: string; text: string },
	at: number,
): Promise<NoticeRow> {
	return {
		id: await derivedUuidv7(about.keyTime, `notice:${about.key}`),
		emailId: await derivedUuidv7(at, `notice-email:${about.key}`),
		...message,
		createdAt: at,
		dispatchedAt: null,
		problem: null,
	};
}

/**
 * Dispatches the given notices, or (without) those the last attempts left behind. Never
 * throws: a notice that cannot go now stays undispatched for the next run.
 */
export async function dispatchNotices(deps: NoticeDeps, given?: NoticeRow[], now = Date.now()) {
	const pending = given ?? (await findUndispatchedNotices(deps.db, now - MINUTE, 50));
	for (const notice of pending) {
		await dispatchOne(deps, notice, now).catch((cause) =>
			console.error("notice not dispatched yet:", notice.id, cause),
		);
	}
}

async function dispatchOne(deps: NoticeDeps, notice: NoticeRow, now: number) {
	if (!deps.platform) {
		console.warn("platform email not configured; not sent:", notice.subject, "to", notice.to);
		return markNoticeDispatched(deps.db, notice.id, now, "platform email is not configured");
	}
	const [existing] = await findEmailsByIds(deps.db, [notice.emailId]);
	if (existing) return markNoticeDispatched(deps.db, notice.id, now, null);
	const account = await findAccount(deps.db, deps.platform.accountId);
	if (!account) {
		return markNoticeDispatched(deps.db, notice.id, now, "the platform account does not exist");
	}
	const outcome = await acceptEmails(
		deps.sendingFor(account.id),
		// SendFleet's own mail emits no webhook events, whatever the platform account has.
		{
			accountId: account.id,
			restrictedToDomainId: null,
			account: { ...account, hasWebhooks: false },
		},
		[
			{
				id: notice.emailId,
				from: deps.platform.from,
				to: [notice.to],
				subject: notice.subject,
				text: notice.text,
			},
		],
		"all-or-nothing",
	);
	const refusal =
		outcome.kind === "rejected"
			? outcome.reason
			: outcome.results[0]?.kind === "rejected"
				? outcome.results[0].reason
				: null;
	// A dependency that is down is worth another try; any other refusal will not change.
	if (refusal?.code === "unavailable" || refusal?.code === "rate_limited") {
		throw new Error(`platform email refused for now: ${refusal.code}`);
	}
	if (refusal) console.error("platform email refused:", notice.id, refusal);
	await markNoticeDispatched(deps.db, notice.id, now, refusal ? `refused: ${refusal.code}` : null);
}
