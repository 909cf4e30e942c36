import { createRoute, z } from "@hono/zod-openapi";
import { sendingDepsFromEnv } from "../../deps.ts";
import { acceptEmails } from "../../domain/sending.ts";
import { createRouter } from "../../env.ts";
import { setRateLimitHeaders } from "../../lib/rate-limit.ts";
import { refusalError } from "../refusal-errors.ts";
import { idempotencyHeader, SendEmailBody, SendEmailResponse, sendErrors } from "./schemas.ts";

const route = createRoute({
	method: "post",
	path: "/",
	summary: "Send an email (accepted and queued; SES is called asynchronously)",
	request: {
		headers: z.object(idempotencyHeader),
		body: { required: true, content: { "application/json": { schema: SendEmailBody } } },
	},
	responses: {
		200: {
			description: "Accepted",
			content: { "application/json": { schema: SendEmailResponse } },
		},
		...sendErrors,
	},
});

export const sendEmail = createRouter().openapi(route, async (c) => {
	const caller = c.get("caller");
	const check = c.get("keyCheck");
	const outcome = await acceptEmails(
		sendingDepsFromEnv(c.env, caller.accountId, (work) => c.executionCtx.waitUntil(work)),
		check ? { cached: caller, check } : caller,
		[c.req.valid("json")],
		"all-or-nothing",
	);
	if (outcome.kind === "rejected") throw refusalError(outcome.reason);
	const [result] = outcome.results;
	if (result?.kind !== "accepted") throw refusalError(result?.reason ?? { code: "invalid_from" });
	setRateLimitHeaders(c, outcome.rate);
	return c.json({ id: result.id, warnings: result.warnings }, 200);
});
