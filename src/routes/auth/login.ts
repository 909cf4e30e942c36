import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { logIn } from "../../domain/sessions.ts";
import { createRouter } from "../../env.ts";
import { ApiError } from "../../lib/errors.ts";
import { errorResponse } from "../common-schemas.ts";
import { openSession, throttledError } from "./cookie.ts";
import { Credentials, SessionSchema } from "./schemas.ts";

const route = createRoute({
	method: "post",
	path: "/login",
	summary: "Log in with email and password; sets the session cookie",
	request: { body: { required: true, content: { "application/json": { schema: Credentials } } } },
	responses: {
		200: { description: "Logged in", content: { "application/json": { schema: SessionSchema } } },
		401: errorResponse("Email or password is incorrect"),
		429: errorResponse("Too many attempts for this email from this client, or from this client"),
	},
});

export const loginRoute = createRouter().openapi(route, async (c) => {
	const { email, password } = c.req.valid("json");
	const db = createDb(c.env.DB);
	const result = await logIn(db, {
		email,
		password,
		ip: c.req.header("cf-connecting-ip") ?? "unknown",
	});
	if (result.kind === "throttled") throw throttledError("failed logins", result.retryAfterSeconds);
	if (result.kind === "invalid") {
		throw new ApiError("invalid_credentials", "Email or password is incorrect.");
	}
	return c.json(await openSession(c, db, result.user), 200);
});
