/**
 * Dashboard sign-up and login, free of HTTP: users, password checks, sessions, and who is
 * staff. Wrong password and unknown email are indistinguishable, in answer and in time.
 * Throttling is src/domain/auth-throttle.ts; the email link is src/domain/email-verification.ts.
 */
import type { Db } from "../db/client.ts";
import { insertNoticeStatement, type NoticeRow } from "../db/queries/notices.ts";
import {
	clearAttemptsStatement,
	createUserWithAccount,
	findUserByEmail,
	insertSession,
	recordLoginStatement,
	uncountAttemptStatement,
} from "../db/queries/users.ts";
import type { StaffGrant, UserRole } from "../db/schema.ts";
import { randomToken, sha256Hex, uuidv7 } from "../lib/ids.ts";
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from "../lib/passwords.ts";
import { DAY } from "../lib/time.ts";
import {
	admitAttempt,
	admitLogin,
	clientOf,
	SIGNUPS_PER_CLIENT,
	THROTTLE_WINDOW,
	type Throttled,
	throttleKeys,
} from "./auth-throttle.ts";
import { issueVerificationLink } from "./email-verification.ts";

export const SESSION_TTL = 14 * DAY;

/** What decides a user's trust, as every session check and login reads it. */
export interface TrustedUser {
	id: string;
	email: string;
	accountId: string;
	emailVerifiedAt: number | null;
	staffGrant: StaffGrant | null;
}

/**
 * Who is staff, decided afresh from the current configuration on every login and every session
 * check, never stored, so leaving STAFF_EMAILS takes effect at the next request:
 *
 *   staff = email verified AND (listed in STAFF_EMAILS OR granted) AND NOT revoked
 *
 * Grants and revocations are explicit decisions made with `npm run staff -- grant|revoke`. A
 * revocation beats the list, so one person can be stopped at once without a deploy; a grant
 * makes staff of someone not listed. Neither skips the email check: STAFF_EMAILS names
 * addresses, and only the link mailed to an address proves who holds it.
 */
export function isStaff(user: TrustedUser, staffEmails: string): boolean {
	if (user.emailVerifiedAt === null || user.staffGrant === "revoked") return false;
	if (user.staffGrant === "granted") return true;
	return staffEmails
		.split(",")
		.map((e) => e.trim().toLowerCase())
		.includes(user.email.toLowerCase());
}

export const roleOf = (user: TrustedUser, staffEmails: string): UserRole =>
	isStaff(user, staffEmails) ? "staff" : "user";

export interface StartedSession {
	token: string;
	csrfToken: string;
	expiresAt: number;
}

export async function startSession(
	db: Db,
	userId: string,
	now = Date.now(),
): Promise<StartedSession> {
	const token = randomToken("");
	const csrfToken = randomToken("");
	const expiresAt = now + SESSION_TTL;
	await insertSession(db, {
		id: uuidv7(now),
		tokenHash: await sha256Hex(token),
		csrfToken,
		userId,
		createdAt: now,
		expiresAt,
	});
	return { token, csrfToken, expiresAt };
}

/**
 * A new user and their account, with the verification link mailed to them (the notice is
 * recorded in the same batch; the caller dispatches it). `verificationPage` is the dashboard
 * page the link opens.
 */
export async function signUp(
	db: Db,
	input: {
		email: string;
		password: string;
		accountName: string;
		ip: string;
		verificationPage: string;
	},
): Promise<
	{ kind: "created"; user: TrustedUser; notice: NoticeRow } | { kind: "taken" } | Throttled
> {
	const now = Date.now();
	// Every attempt counts, first, so probing which emails exist costs the same as signing up
	// and parallel attempts cannot all pass.
	const key = throttleKeys.signUp(clientOf(input.ip));
	const refusal = await admitAttempt(db, key, SIGNUPS_PER_CLIENT, THROTTLE_WINDOW, now);
	if (refusal) return refusal;
	if (await findUserByEmail(db, input.email)) return { kind: "taken" };
	const user: TrustedUser = {
		id: uuidv7(now),
		email: input.email,
		accountId: uuidv7(now),
		emailVerifiedAt: null,
		staffGrant: null,
	};
	const link = await issueVerificationLink(user, input.verificationPage, now);
	try {
		await createUserWithAccount(
			db,
			{
				id: user.id,
				email: input.email,
				passwordHash: await hashPassword(input.password),
				createdAt: now,
				verificationTokenHash: link.tokenHash,
				verificationExpiresAt: link.expiresAt,
			},
			{ id: user.accountId, name: input.accountName },
			[insertNoticeStatement(db, link.notice)],
		);
	} catch (cause) {
		// Two sign-ups with one email at once: the unique index lets one win.
		if (await findUserByEmail(db, input.email)) return { kind: "taken" };
		throw cause;
	}
	return { kind: "created", user, notice: link.notice };
}

export type LoginResult = { kind: "ok"; user: TrustedUser } | { kind: "invalid" } | Throttled;

export async function logIn(
	db: Db,
	input: { email: string; password: string; ip: string },
	now = Date.now(),
): Promise<LoginResult> {
	const client = clientOf(input.ip);
	const admitted = await admitLogin(db, input.email, client, now);
	if (admitted.kind === "throttled") return admitted;
	const { user } = admitted;
	const check = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
	if (!user || !check.ok) return { kind: "invalid" };

	// The right password: this attempt was no guess. The pair starts over; the client's and the
	// email's counts only lose this one, so an attack under way stays counted.
	await db.batch([
		clearAttemptsStatement(db, throttleKeys.login(input.email, client)),
		uncountAttemptStatement(db, throttleKeys.loginClient(client)),
		uncountAttemptStatement(db, throttleKeys.loginEmail(input.email)),
		recordLoginStatement(db, user.id, {
			lastLoginIp: client,
			...(check.needsRehash ? { passwordHash: await hashPassword(input.password) } : {}),
		}),
	]);
	return { kind: "ok", user };
}
