/**
 * Dashboard sign-up and login, free of HTTP: users, password checks, sessions and login
 * throttling. Wrong password and unknown email are indistinguishable, in answer and in time.
 */
import type { Db } from "../db/client.ts";
import {
	clearFailures,
	createUserWithAccount,
	findUserByEmail,
	insertSession,
	recentFailures,
	recordFailureStatement,
	updateUser,
} from "../db/queries/users.ts";
import type { UserRole } from "../db/schema.ts";
import { randomToken, sha256Hex, uuidv7 } from "../lib/ids.ts";
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from "../lib/passwords.ts";
import { DAY, MINUTE } from "../lib/time.ts";

export const SESSION_TTL = 14 * DAY;
/** Five wrong passwords for one email, or fifty from one IP, lock logins for 15 minutes. */
const THROTTLE_WINDOW = 15 * MINUTE;
const MAX_FAILURES_PER_EMAIL = 5;
const MAX_FAILURES_PER_IP = 50;

export interface StartedSession {
	token: string;
	csrfToken: string;
	expiresAt: number;
}

export const roleFor = (email: string, staffEmails: string): UserRole =>
	staffEmails
		.split(",")
		.map((e) => e.trim().toLowerCase())
		.includes(email)
		? "staff"
		: "user";

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

/** Sign-ups per IP address within the throttle window: enough for an office, not for a bot. */
const MAX_SIGNUPS_PER_IP = 10;

export async function signUp(
	db: Db,
	input: { email: string; password: string; accountName: string; staffEmails: string; ip: string },
): Promise<
	| { kind: "created"; userId: string; accountId: string; role: UserRole }
	| { kind: "taken" }
	| { kind: "throttled"; retryAfterSeconds: number }
> {
	const now = Date.now();
	const since = now - THROTTLE_WINDOW;
	const ipKey = `signup:${input.ip}`;
	if ((await recentFailures(db, ipKey, since)) >= MAX_SIGNUPS_PER_IP) {
		return { kind: "throttled", retryAfterSeconds: THROTTLE_WINDOW / 1000 };
	}
	// Every attempt counts, so probing which emails exist costs the same as signing up.
	await recordFailureStatement(db, ipKey, now, since);
	if (await findUserByEmail(db, input.email)) return { kind: "taken" };
	const userId = uuidv7(now);
	const accountId = uuidv7(now);
	const role = roleFor(input.email, input.staffEmails);
	try {
		await createUserWithAccount(
			db,
			{
				id: userId,
				email: input.email,
				passwordHash: await hashPassword(input.password),
				role,
				createdAt: now,
			},
			{ id: accountId, name: input.accountName },
		);
	} catch (cause) {
		// Two sign-ups with one email at once: the unique index lets one win.
		if (await findUserByEmail(db, input.email)) return { kind: "taken" };
		throw cause;
	}
	return { kind: "created", userId, accountId, role };
}

export type LoginResult =
	| { kind: "ok"; userId: string; accountId: string; role: UserRole }
	| { kind: "invalid" }
	| { kind: "throttled"; retryAfterSeconds: number };

export async function logIn(
	db: Db,
	input: { email: string; password: string; ip: string; staffEmails: string },
	now = Date.now(),
): Promise<LoginResult> {
	const since = now - THROTTLE_WINDOW;
	const emailKey = `email:${input.email}`;
	const ipKey = `ip:${input.ip}`;
	const [byEmail, byIp] = await Promise.all([
		recentFailures(db, emailKey, since),
		recentFailures(db, ipKey, since),
	]);
	if (byEmail >= MAX_FAILURES_PER_EMAIL || byIp >= MAX_FAILURES_PER_IP) {
		return { kind: "throttled", retryAfterSeconds: THROTTLE_WINDOW / 1000 };
	}

	const user = await findUserByEmail(db, input.email);
	const check = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
	if (!user || !check.ok) {
		await db.batch([
			recordFailureStatement(db, emailKey, now, since),
			recordFailureStatement(db, ipKey, now, since),
		]);
		return { kind: "invalid" };
	}
	await clearFailures(db, emailKey);
	const role = user.role === "staff" ? "staff" : roleFor(input.email, input.staffEmails);
	if (check.needsRehash || role !== user.role) {
		await updateUser(db, user.id, {
			role,
			...(check.needsRehash ? { passwordHash: await hashPassword(input.password) } : {}),
		});
	}
	return { kind: "ok", userId: user.id, accountId: user.accountId, role };
}
