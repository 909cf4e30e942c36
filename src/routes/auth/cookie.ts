/**
 * The session cookie (`__Host-` so it is Secure, host-only and path `/`; HttpOnly; Lax) and the
 * answer sign-up and login share.
 */
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { Db } from "../../db/client.ts";
import type { UserRole } from "../../db/schema.ts";
import { type StartedSession, startSession } from "../../domain/sessions.ts";
import type { AppEnv } from "../../env.ts";
import { ApiError } from "../../lib/errors.ts";
import { toIso } from "../../lib/time.ts";
import { SESSION_COOKIE } from "../../middleware/auth.ts";

export function setSessionCookie(c: Context<AppEnv>, session: StartedSession) {
	setCookie(c, SESSION_COOKIE, session.token, {
		httpOnly: true,
		secure: true,
		sameSite: "Lax",
		path: "/",
		expires: new Date(session.expiresAt),
	});
}

export function clearSessionCookie(c: Context<AppEnv>) {
	deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
}

/**
 * Starts a session for a user who just signed up or logged in: sets the cookie and answers
 * what the dashboard keeps (the user, the account, the CSRF token for writes).
 */
export async function openSession(
	c: Context<AppEnv>,
	db: Db,
	user: { userId: string; email: string; role: UserRole; accountId: string },
) {
	const session = await startSession(db, user.userId);
	setSessionCookie(c, session);
	return {
		user: { id: user.userId, email: user.email, role: user.role },
		account_id: user.accountId,
		csrf_token: session.csrfToken,
		expires_at: toIso(session.expiresAt),
	};
}

/** The answer to too many attempts from one address or at one account. */
export function throttledError(what: string, retryAfterSeconds: number): ApiError {
	return new ApiError(
		"rate_limit_exceeded",
		`Too many ${what}. Try again in ${Math.ceil(retryAfterSeconds / 60)} minutes.`,
		undefined,
		{ "retry-after": String(retryAfterSeconds) },
	);
}
