import { createRoute, z } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { sendNotices } from "../../deps.ts";
import { signUp } from "../../domain/sessions.ts";
import { createRouter } from "../../env.ts";
import { ApiError } from "../../lib/errors.ts";
import { passwordProblem } from "../../lib/passwords.ts";
import { errorResponse } from "../common-schemas.ts";
import { openSession, throttledError, verificationPage } from "./cookie.ts";
import { EmailField, SessionSchema } from "./schemas.ts";

const route = createRoute({
	method: "post",
	path: "/signup",
	summary: "Create a user and their account, log in, and mail the email verification link",
	request: {
		body: {
			required: true,
			content: {
				"application/json": {
					schema: z.strictObject({
						email: EmailField,
						password: z.string({ error: "is required" }),
						account_name: z.string().trim().min(1).max(100).optional(),
					}),
				},
			},
		},
	},
	responses: {
		201: {
			description: "Signed up and logged in",
			content: { "application/json": { schema: SessionSchema } },
		},
		409: errorResponse("A user with this email exists"),
		429: errorResponse("Too many sign-ups from this address"),
		422: errorResponse("Invalid email or a password that breaks the policy"),
	},
});

export const signupRoute = createRouter().openapi(route, async (c) => {
	const body = c.req.valid("json");
	const problem = passwordProblem(body.password, body.email);
	if (problem) throw new ApiError("validation_error", `\`password\` ${problem}.`);
	const db = createDb(c.env.DB);
	const result = await signUp(db, {
		email: body.email,
		password: body.password,
		accountName: body.account_name ?? body.email.split("@")[1] ?? body.email,
		ip: c.req.header("cf-connecting-ip") ?? "unknown",
		verificationPage: verificationPage(c.env),
	});
	if (result.kind === "throttled")
		throw throttledError("sign-ups from this address", result.retryAfterSeconds);
	if (result.kind === "taken") {
		throw new ApiError("conflict", "A user with this email already exists; log in instead.");
	}
	const waitUntil = (work: Promise<unknown>) => c.executionCtx.waitUntil(work);
	waitUntil(sendNotices(c.env, waitUntil, result.notice));
	return c.json(await openSession(c, db, result.user), 201);
});
