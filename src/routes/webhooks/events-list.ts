import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { findWebhookEndpoint, listEndpointEvents } from "../../db/queries/webhooks.ts";
import { createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { toIso } from "../../lib/time.ts";
import {
	commonErrors,
	errorResponse,
	IdParam,
	ListQuery,
	listResponse,
	toList,
} from "../common-schemas.ts";
import { WebhookEventLog } from "./schemas.ts";

const route = createRoute({
	method: "get",
	path: "/{id}/events",
	summary: "List the events sent (or being sent) to a webhook, newest first, with their status",
	request: { params: IdParam, query: ListQuery },
	responses: {
		200: {
			description: "A page of events",
			content: { "application/json": { schema: listResponse(WebhookEventLog) } },
		},
		404: errorResponse("No such webhook in this account"),
		...commonErrors,
	},
});

export const listWebhookEventsRoute = createRouter().openapi(route, async (c) => {
	const { id } = c.req.valid("param");
	const db = createDb(c.env.DB);
	if (!(await findWebhookEndpoint(db, c.get("caller").accountId, id))) throw notFound("Webhook");
	const page = await listEndpointEvents(db, id, c.req.valid("query"));
	return c.json(
		toList(page, (row) => ({
			id: row.id,
			type: row.type,
			created_at: toIso(row.createdAt),
			status: row.status,
		})),
		200,
	);
});
