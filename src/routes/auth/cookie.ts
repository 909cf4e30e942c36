/** The session cookie: `__Host-` so it is Secure, host-only and path `/`; HttpOnly; Lax. */
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { StartedSession } from "../../domain/sessions.ts";
import type { AppEnv } from "../../env.ts";
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
