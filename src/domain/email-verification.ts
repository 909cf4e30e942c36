/**
 * Email verification: proof that a user owns the address they signed up with, needed before
 * anything that matters (asking for approval, subscribing, being staff). Reading is open to
 * unverified users, so the dashboard can show them what is waiting.
 *
 * The link carries a random 256-bit token; the users table keeps only its SHA-256, like API
 * keys and sessions. It works once (spending it is one conditional UPDATE), expires after 24
 * hours, and a new one replaces the last. The mail is SendFleet's own, a notice recorded in the
 * same batch as the token and sent through the platform account; like every email sent it is
 * kept for the logs, so the link also sits in that email's text until it is spent or expires.
 */
import type { Db } from "../db/client.ts";
import { insertNoticeStatement, type NoticeRow } from "../db/queries/notices.ts";
import {
	consumeVerificationToken,
	findAccountOwner,
	setVerificationTokenStatement,
} from "../db/queries/users.ts";
import { randomToken, sha256Hex } from "../lib/ids.ts";
import { DAY } from "../lib/time.ts";
import {
	admitAttempt,
	type Throttled,
	throttleKeys,
	VERIFICATION_MAIL_WINDOW,
	VERIFICATION_MAILS_PER_WINDOW,
} from "./auth-throttle.ts";
import { buildNotice } from "./notices.ts";
import type { Refusal } from "./refusals.ts";

export const VERIFICATION_TTL = DAY;
export const VERIFICATION_SUBJECT = "Confirm your SendFleet email address";

export interface VerificationLink {
	tokenHash: string;
	expiresAt: number;
	/** The mail with the link, to record in the same batch as the token's hash. */
	notice: NoticeRow;
}

/** A new link for `user`, mailed as a notice; `pageUrl` is the dashboard page that uses it. */
export async function issueVerificationLink(
	user: { email: string; accountId: string },
	pageUrl: string,
	now: number,
): Promise<VerificationLink> {
	const token = randomToken("");
	const tokenHash = await sha256Hex(token);
	const link = `${pageUrl}?token=${token}`;
	const notice = await buildNotice(
		{ key: `email-verification:${tokenHash}`, keyTime: now },
		{
			accountId: user.accountId,
			to: user.email,
			subject: VERIFICATION_SUBJECT,
			text: `Confirm that ${user.email} is your email address to finish setting up SendFleet:\n\n${link}\n\nThe link works once and expires in 24 hours. If you did not sign up for SendFleet, ignore this email.\n`,
		},
		now,
	);
	return { tokenHash, expiresAt: now + VERIFICATION_TTL, notice };
}

/** Spends a link's token: the user it verified, or nothing for an unknown, used or expired one. */
export async function verifyEmail(db: Db, token: string, now = Date.now()) {
	return consumeVerificationToken(db, await sha256Hex(token), now);
}

/** A fresh link for a user who has not verified yet; it replaces the last one. */
export async function resendVerification(
	db: Db,
	user: { id: string; email: string; accountId: string; emailVerifiedAt: number | null },
	pageUrl: string,
	now = Date.now(),
): Promise<
	{ kind: "sent"; notice: NoticeRow; expiresAt: number } | { kind: "verified" } | Throttled
> {
	if (user.emailVerifiedAt !== null) return { kind: "verified" };
	const key = throttleKeys.verificationMail(user.id);
	const refusal = await admitAttempt(
		db,
		key,
		VERIFICATION_MAILS_PER_WINDOW,
		VERIFICATION_MAIL_WINDOW,
		now,
	);
	if (refusal) return refusal;
	const link = await issueVerificationLink(user, pageUrl, now);
	await db.batch([
		setVerificationTokenStatement(db, user.id, link.tokenHash, link.expiresAt),
		insertNoticeStatement(db, link.notice),
	]);
	return { kind: "sent", notice: link.notice, expiresAt: link.expiresAt };
}

/**
 * Whether the account's owner has verified their email, as an action that matters needs,
 * whoever asks for it: the owner's session or any of the account's API keys. Accounts made by
 * seeds have no owner; whoever seeded them vouched for them.
 */
export async function unverifiedOwnerRefusal(
	db: Db,
	accountId: string,
	action: "verification_request" | "subscribing",
): Promise<Refusal | null> {
	const owner = await findAccountOwner(db, accountId);
	return owner && owner.emailVerifiedAt === null
		? { code: "email_not_verified", for: action, email: owner.email }
		: null;
}
