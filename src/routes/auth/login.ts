import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { logIn, startSession } from "../../domain/sessions.ts";
import { createRouter } from "../../env.ts";
import { ApiError } from "../../lib/errors.ts";
import { toIso } from "../../lib/time.ts";
import { errorResponse } from "../shared-schemas.ts";
import { setSessionCookie } from "./cookie.ts";
import { Credentials, SessionSchema } from "./schemas.ts";

const route = createRoute({
	method: "post",
	path: "/login",
	summary: "Log in with email and password; sets the session cookie",
	request: { body: { required: true, content: { "application/json": { schema: Credentials } } } },
	responses: {
		200: { description: "Logged in", content: { "application/json": { schema: SessionSchema } } },
		401: errorResponse("Email or password is incorrect"),
		429: errorResponse("Too many failed attempts; wait"),
	},
});

export const loginRoute = createRouter().openapi(route, async (c) => {
	const { email, password } = c.req.valid("json");
	const db = createDb(c.env.DB);
	const result = await logIn(db, {
		email,
		password,
		ip: c.req.header("cf-connecting-ip") ?? "unknown",
		staffEmails: c.env.STAFF_EMAILS,
	});
	if (result.kind === "throttled") {
		c.header("retry-after", String(result.retryAfterSeconds));
		throw new ApiError(
			"rate_limit_exceeded",
			"Too many failed logins. Try again in 15 minutes.",
			429,
		);
	}
	if (result.kind === "invalid")
		throw new ApiError("invalid_credentials", "Email or password is incorrect.", 401);
	const session = await startSession(db, result.userId);
	setSessionCookie(c, session);
	return c.json(
		{
			user: { id: result.userId, email, role: result.role },
			account_id: result.accountId,
			csrf_token: session.csrfToken,
			expires_at: toIso(session.expiresAt),
		},
		200,
	);
});
