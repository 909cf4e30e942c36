import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { findWebhookEndpoint } from "../../db/queries/webhooks.ts";
import { createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { commonErrors, errorResponse, IdParam } from "../common-schemas.ts";
import { webhookSecretBox } from "./deps.ts";
import { presentWebhookListItem, WebhookSchema } from "./schemas.ts";

const route = createRoute({
	method: "get",
	path: "/{id}",
	summary: "Retrieve a webhook endpoint with its status and current signing secret",
	request: { params: IdParam },
	responses: {
		200: {
			description: "The endpoint",
			content: { "application/json": { schema: WebhookSchema } },
		},
		404: errorResponse("No such webhook in this account"),
		503: errorResponse("Webhooks are not configured on this deployment"),
		...commonErrors,
	},
});

export const getWebhook = createRouter().openapi(route, async (c) => {
	const row = await findWebhookEndpoint(
		createDb(c.env.DB),
		c.get("caller").accountId,
		c.req.valid("param").id,
	);
	if (!row) throw notFound("Webhook");
	const box = await webhookSecretBox(c.env);
	return c.json(
		{
			object: "webhook" as const,
			...presentWebhookListItem(row),
			signing_secret: await box.open(row.secretEncrypted),
			disabled_reason: row.disabledReason,
		},
		200,
	);
});
