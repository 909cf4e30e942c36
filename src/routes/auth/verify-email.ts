/**
 * `POST /auth/verify-email` (the link's token proves the address; no session needed, the link
 * may be opened on another device) and `POST /auth/resend-verification` (a logged-in user who
 * has not verified yet asks for a new link, three an hour).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { sendNotices } from "../../deps.ts";
import { resendVerification, verifyEmail } from "../../domain/email-verification.ts";
import { createRouter } from "../../env.ts";
import { ApiError } from "../../lib/errors.ts";
import { toIso } from "../../lib/time.ts";
import { checkCrossSite } from "../../middleware/auth.ts";
import { errorResponse } from "../common-schemas.ts";
import { sessionFromCookie, throttledError, verificationPage } from "./cookie.ts";
import { presentUser, UserSchema } from "./schemas.ts";

const verify = createRoute({
	method: "post",
	path: "/verify-email",
	summary: "Verify the user's email with the token from the link mailed to them",
	description:
		"The link works once and expires after 24 hours; a newer link replaces it. Staff listed in STAFF_EMAILS become staff here.",
	request: {
		body: {
			required: true,
			content: {
				"application/json": {
					schema: z.strictObject({
						token: z.string({ error: "is required" }).min(1, "is required").max(200),
					}),
				},
			},
		},
	},
	responses: {
		200: {
			description: "Verified",
			content: { "application/json": { schema: z.object({ user: UserSchema }) } },
		},
		400: errorResponse("The link is unknown, used, replaced or expired"),
		422: errorResponse("No token"),
	},
});

const resend = createRoute({
	method: "post",
	path: "/resend-verification",
	summary: "Mail a new verification link to the logged-in user; the previous link stops working",
	responses: {
		200: {
			description: "Sent",
			content: {
				"application/json": {
					schema: z.object({ sent_to: z.string(), expires_at: z.string() }),
				},
			},
		},
		401: errorResponse("Not logged in"),
		403: errorResponse("Missing CSRF token or cross-site request"),
		409: errorResponse("The email is already verified"),
		429: errorResponse("Three links an hour at most"),
	},
});

export const verifyEmailRoutes = createRouter()
	.openapi(verify, async (c) => {
		const user = await verifyEmail(createDb(c.env.DB), c.req.valid("json").token);
		if (!user) {
			throw new ApiError(
				"invalid_verification_token",
				"This verification link is not valid: it was already used, replaced by a newer one, or has expired. Log in and ask for a new one.",
			);
		}
		return c.json({ user: presentUser(user, c.env.STAFF_EMAILS) }, 200);
	})
	.openapi(resend, async (c) => {
		const db = createDb(c.env.DB);
		const session = await sessionFromCookie(c, db);
		checkCrossSite(c, session.csrfToken);
		const result = await resendVerification(db, session.user, verificationPage(c.env));
		if (result.kind === "verified") {
			throw new ApiError("conflict", "Your email address is already verified.");
		}
		if (result.kind === "throttled") {
			throw throttledError("verification emails", result.retryAfterSeconds);
		}
		const waitUntil = (work: Promise<unknown>) => c.executionCtx.waitUntil(work);
		waitUntil(sendNotices(c.env, waitUntil, result.notice));
		return c.json({ sent_to: session.user.email, expires_at: toIso(result.expiresAt) }, 200);
	});
