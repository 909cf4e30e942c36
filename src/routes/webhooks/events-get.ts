import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { findDelivery, findWebhookEndpoint } from "../../db/queries/webhooks.ts";
import { createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { toIso, toIsoOrNull } from "../../lib/time.ts";
import { commonErrors, errorResponse } from "../common-schemas.ts";
import { EventParams, WebhookEventSchema } from "./schemas.ts";

const route = createRoute({
	method: "get",
	path: "/{id}/events/{event_id}",
	summary: "Retrieve one event of a webhook: its status, next attempt and the exact payload sent",
	request: { params: EventParams },
	responses: {
		200: {
			description: "The event",
			content: { "application/json": { schema: WebhookEventSchema } },
		},
		404: errorResponse("No such webhook or event in this account"),
		...commonErrors,
	},
});

export const getWebhookEventRoute = createRouter().openapi(route, async (c) => {
	const { id, event_id } = c.req.valid("param");
	const db = createDb(c.env.DB);
	if (!(await findWebhookEndpoint(db, c.get("caller").accountId, id))) throw notFound("Webhook");
	const delivery = await findDelivery(db, id, event_id);
	if (!delivery) throw notFound("Webhook event");
	const payload: Record<string, unknown> = JSON.parse(delivery.event.payload);
	return c.json(
		{
			object: "webhook_event" as const,
			id: delivery.event.id,
			type: delivery.event.type,
			created_at: toIso(delivery.event.createdAt),
			status: delivery.status,
			next_attempt_at: toIsoOrNull(delivery.nextAttemptAt),
			attempts: delivery.attempts,
			payload,
		},
		200,
	);
});
