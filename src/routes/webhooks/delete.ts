import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { deleteWebhookEndpoint } from "../../db/queries/webhooks.ts";
import { createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { commonErrors, errorResponse, IdParam } from "../common-schemas.ts";
import { DeletedWebhook } from "./schemas.ts";

const route = createRoute({
	method: "delete",
	path: "/{id}",
	summary: "Delete a webhook endpoint; nothing more is delivered to it",
	request: { params: IdParam },
	responses: {
		200: { description: "Deleted", content: { "application/json": { schema: DeletedWebhook } } },
		404: errorResponse("No such webhook in this account"),
		...commonErrors,
	},
});

export const deleteWebhookRoute = createRouter().openapi(route, async (c) => {
	const { id } = c.req.valid("param");
	if (!(await deleteWebhookEndpoint(createDb(c.env.DB), c.get("caller").accountId, id))) {
		throw notFound("Webhook");
	}
	return c.json({ object: "webhook" as const, id, deleted: true as const }, 200);
});
