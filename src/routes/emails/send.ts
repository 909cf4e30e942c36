import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { acceptEmails } from "../../domain/sending.ts";
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
		503: errorResponse("Briefly unavailable; nothing was accepted"),
	},
});

export const sendEmail = createRouter().openapi(route, async (c) => {
	const [result] = await acceptEmails(
		{ db: createDb(c.env.DB), queue: c.env.SEND_QUEUE },
		c.get("caller"),
		[c.req.valid("json")],
		"all-or-nothing",
	);
	if (!result || result.kind === "rejected") throw result?.error;
	return c.json({ id: result.id, warnings: result.warnings }, 200);
});
