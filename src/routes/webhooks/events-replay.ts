import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { findDelivery, findWebhookEndpoint, restartDelivery } from "../../db/queries/webhooks.ts";
import { createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { commonErrors, errorResponse } from "../common-schemas.ts";
import { EventParams, ReplayedEvent } from "./schemas.ts";

const route = createRoute({
	method: "post",
	path: "/{id}/events/{event_id}/replay",
	summary:
		"Deliver an event to the webhook again, with the same id and payload, starting a new run of retries",
	request: { params: EventParams },
	responses: {
		200: { description: "Queued", content: { "application/json": { schema: ReplayedEvent } } },
		404: errorResponse("No such webhook or event in this account"),
		...commonErrors,
	},
});

export const replayWebhookEventRoute = createRouter().openapi(route, async (c) => {
	const { id, event_id } = c.req.valid("param");
	const db = createDb(c.env.DB);
	if (!(await findWebhookEndpoint(db, c.get("caller").accountId, id))) throw notFound("Webhook");
	if (!(await findDelivery(db, id, event_id))) throw notFound("Webhook event");
	await restartDelivery(db, id, event_id, Date.now());
	await c.env.WEBHOOK_QUEUE.send({ endpointId: id, eventIds: [event_id] });
	return c.json({ object: "webhook_event" as const, id: event_id }, 200);
});
