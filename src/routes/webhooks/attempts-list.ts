import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { findWebhookEndpoint, listAttempts } from "../../db/queries/webhooks.ts";
import { createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { commonErrors, errorResponse, ListQuery, listResponse, toList } from "../common-schemas.ts";
import { EventParams, presentAttempt, WebhookAttemptSchema } from "./schemas.ts";

const route = createRoute({
	method: "get",
	path: "/{id}/events/{event_id}/attempts",
	summary: "List every delivery attempt of one event to a webhook, newest first",
	request: { params: EventParams, query: ListQuery },
	responses: {
		200: {
			description: "A page of attempts",
			content: { "application/json": { schema: listResponse(WebhookAttemptSchema) } },
		},
		404: errorResponse("No such webhook or event in this account"),
		...commonErrors,
	},
});

export const listWebhookAttemptsRoute = createRouter().openapi(route, async (c) => {
	const { id, event_id } = c.req.valid("param");
	const db = createDb(c.env.DB);
	if (!(await findWebhookEndpoint(db, c.get("caller").accountId, id))) throw notFound("Webhook");
	const page = await listAttempts(db, id, event_id, c.req.valid("query"));
	if (!page) throw notFound("Webhook event");
	return c.json(toList(page, presentAttempt), 200);
});
