import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { findWebhookEndpoint, updateWebhookEndpoint } from "../../db/queries/webhooks.ts";
import { resumeEndpoint } from "../../domain/webhook-delivery.ts";
import { createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { commonErrors, errorResponse, IdParam } from "../common-schemas.ts";
import { allowedEndpoint } from "./deps.ts";
import { UpdateWebhookBody, WebhookRef } from "./schemas.ts";

const route = createRoute({
	method: "patch",
	path: "/{id}",
	summary:
		"Change a webhook's endpoint, event types or status; enabling clears why it was disabled",
	request: {
		params: IdParam,
		body: { required: true, content: { "application/json": { schema: UpdateWebhookBody } } },
	},
	responses: {
		200: { description: "Updated", content: { "application/json": { schema: WebhookRef } } },
		404: errorResponse("No such webhook in this account"),
		...commonErrors,
	},
});

export const updateWebhook = createRouter().openapi(route, async (c) => {
	const { id } = c.req.valid("param");
	const body = c.req.valid("json");
	const db = createDb(c.env.DB);
	const { accountId } = c.get("caller");
	const before = await findWebhookEndpoint(db, accountId, id);
	if (!before) throw notFound("Webhook");
	const changed = await updateWebhookEndpoint(db, accountId, id, {
		...(body.endpoint !== undefined && { endpoint: allowedEndpoint(c.env, body.endpoint) }),
		...(body.events !== undefined && { events: [...new Set(body.events)] }),
		...(body.status !== undefined && { status: body.status, disabledReason: null }),
	});
	if (!changed) throw notFound("Webhook");
	// Only a disabled endpoint has deliveries waiting; an enabled one's are already scheduled.
	if (body.status === "enabled" && before.status === "disabled") {
		await resumeEndpoint({ db, queue: c.env.WEBHOOK_QUEUE }, id);
	}
	return c.json({ object: "webhook" as const, id }, 200);
});
