/**
 * The session cookie (`__Host-` so it is Secure, host-only and path `/`; HttpOnly; Lax), the
 * answer sign-up and login share, and the dashboard page verification links open.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Db } from "../../db/client.ts";
import { findSession } from "../../db/queries/users.ts";
import { type StartedSession, startSession, type TrustedUser } from "../../domain/sessions.ts";
import type { AppEnv, Bindings } from "../../env.ts";
import { ApiError } from "../../lib/errors.ts";
import { sha256Hex } from "../../lib/ids.ts";
import { toIso } from "../../lib/time.ts";
import { SESSION_COOKIE } from "../../middleware/auth.ts";
import { presentUser } from "./schemas.ts";

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

/** The live session of the request's cookie (for /auth routes, which the middleware skips). */
export async function sessionFromCookie(c: Context<AppEnv>, db: Db) {
	const token = getCookie(c, SESSION_COOKIE);
	const session = token ? await findSession(db, await sha256Hex(token), Date.now()) : undefined;
	if (!session)
		throw new ApiError("invalid_session", "You are not logged in, or your session has expired.");
	return session;
}

/**
 * Starts a session for a user who just signed up or logged in: sets the cookie and answers
 * what the dashboard keeps (the user, the account, the CSRF token for writes).
 */
export async function openSession(c: Context<AppEnv>, db: Db, user: TrustedUser) {
	const session = await startSession(db, user.id);
	setSessionCookie(c, session);
	return {
		user: presentUser(user, c.env.STAFF_EMAILS),
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

/** The dashboard page a verification link opens; it posts the token to /auth/verify-email. */
export const verificationPage = (env: Bindings) =>
	`${env.DASHBOARD_URL.replace(/\/+$/, "")}/verify-email`;
