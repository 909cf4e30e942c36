import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { listWebhookEndpoints } from "../../db/queries/webhooks.ts";
import { createRouter } from "../../env.ts";
import { commonErrors, ListQuery, listResponse, toList } from "../common-schemas.ts";
import { presentWebhookListItem, WebhookListItem } from "./schemas.ts";

const route = createRoute({
	method: "get",
	path: "/",
	summary: "List the account's webhook endpoints, newest first",
	request: { query: ListQuery },
	responses: {
		200: {
			description: "A page of endpoints",
			content: { "application/json": { schema: listResponse(WebhookListItem) } },
		},
		...commonErrors,
	},
});

export const listWebhooksRoute = createRouter().openapi(route, async (c) => {
	const page = await listWebhookEndpoints(
		createDb(c.env.DB),
		c.get("caller").accountId,
		c.req.valid("query"),
	);
	return c.json(toList(page, presentWebhookListItem), 200);
});
