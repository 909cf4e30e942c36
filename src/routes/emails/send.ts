import { createRoute } from "@hono/zod-openapi";
import { acceptEmails, rateLimitHeaders, sendingDeps } from "../../domain/sending.ts";
import { createRouter } from "../../env.ts";
import { commonErrors, errorResponse } from "../shared-schemas.ts";
import { SendEmailBody, SendEmailResponse } from "./schemas.ts";

const route = createRoute({
	method: "post",
	path: "/",
	summary: "Send an email (accepted and queued; SES is called asynchronously)",
	request: {
		body: { required: true, content: { "application/json": { schema: SendEmailBody } } },
	},
	responses: {
		200: {
			description: "Accepted",
			content: { "application/json": { schema: SendEmailResponse } },
		},
		...commonErrors,
		403: errorResponse("Invalid key, domain not verified, or account suspended"),
		413: errorResponse("Request body over 10 MiB"),
		429: errorResponse(
			"Over the request rate (rate_limit_exceeded) or the monthly quota (monthly_quota_exceeded)",
		),
		503: errorResponse("Briefly unavailable; nothing was accepted"),
	},
});

export const sendEmail = createRouter().openapi(route, async (c) => {
	const caller = c.get("caller");
	const { results, rate } = await acceptEmails(
		sendingDeps(c.env, caller.accountId, (work) => c.executionCtx.waitUntil(work)),
		caller,
		[c.req.valid("json")],
		"all-or-nothing",
	);
	const [result] = results;
	if (!result || result.kind === "rejected") throw result?.error;
	if (rate)
		for (const [name, value] of Object.entries(rateLimitHeaders(rate))) c.header(name, value);
	return c.json({ id: result.id, warnings: result.warnings }, 200);
});
