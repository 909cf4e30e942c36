/** `GET /auth/session` (who am I, and the CSRF token) and `POST /auth/logout`. */
import { createRoute, z } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { deleteSession } from "../../db/queries/users.ts";
import { createRouter } from "../../env.ts";
import { toIso } from "../../lib/time.ts";
import { checkCrossSite } from "../../middleware/auth.ts";
import { errorResponse } from "../common-schemas.ts";
import { clearSessionCookie, sessionFromCookie } from "./cookie.ts";
import { presentUser, SessionSchema } from "./schemas.ts";

const current = createRoute({
	method: "get",
	path: "/session",
	summary: "The logged-in user, their account and the session's CSRF token",
	responses: {
		200: { description: "The session", content: { "application/json": { schema: SessionSchema } } },
		401: errorResponse("Not logged in"),
	},
});

const logout = createRoute({
	method: "post",
	path: "/logout",
	summary: "End the session",
	responses: {
		200: {
			description: "Logged out",
			content: { "application/json": { schema: z.object({ logged_out: z.literal(true) }) } },
		},
		401: errorResponse("Not logged in"),
		403: errorResponse("Missing CSRF token or cross-site request"),
	},
});

export const sessionRoutes = createRouter()
	.openapi(current, async (c) => {
		const session = await sessionFromCookie(c, createDb(c.env.DB));
		return c.json(
			{
				user: presentUser(session.user, c.env.STAFF_EMAILS),
				account_id: session.user.accountId,
				csrf_token: session.csrfToken,
				expires_at: toIso(session.expiresAt),
			},
			200,
		);
	})
	.openapi(logout, async (c) => {
		const db = createDb(c.env.DB);
		const session = await sessionFromCookie(c, db);
		checkCrossSite(c, session.csrfToken);
		await deleteSession(db, session.id);
		clearSessionCookie(c);
		return c.json({ logged_out: true as const }, 200);
	});
