import { createRoute, z } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { findDelivery, findWebhookEndpoint, insertDelivery } from "../../db/queries/webhooks.ts";
import { webhookDeliveryDepsFromEnv } from "../../deps.ts";
import { attemptDelivery } from "../../domain/webhook-delivery.ts";
import { TEST_EVENT_TYPE } from "../../domain/webhooks.ts";
import { createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { uuidv7 } from "../../lib/ids.ts";
import { commonErrors, errorResponse, IdParam } from "../common-schemas.ts";
import { webhookSecretBox } from "./deps.ts";
import { WebhookAttemptSchema, WebhookEventLog } from "./schemas.ts";

const TestedWebhook = WebhookEventLog.extend({
	object: z.literal("webhook_event"),
	attempt: WebhookAttemptSchema,
}).openapi("WebhookTestResult");

const route = createRoute({
	method: "post",
	path: "/{id}/test",
	summary:
		"Send a `webhook.test` event to the endpoint now (once, no retries) and answer the attempt",
	request: { params: IdParam },
	responses: {
		200: {
			description: "The attempt, whatever the receiver answered",
			content: { "application/json": { schema: TestedWebhook } },
		},
		404: errorResponse("No such webhook in this account"),
		503: errorResponse("Webhooks are not configured on this deployment"),
		...commonErrors,
	},
});

export const testWebhook = createRouter().openapi(route, async (c) => {
	const { id } = c.req.valid("param");
	const { accountId } = c.get("caller");
	const db = createDb(c.env.DB);
	const endpoint = await findWebhookEndpoint(db, accountId, id);
	if (!endpoint) throw notFound("Webhook");
	await webhookSecretBox(c.env);
	const now = Date.now();
	const eventId = uuidv7(now);
	const createdAt = new Date(now).toISOString();
	const payload = JSON.stringify({
		type: TEST_EVENT_TYPE,
		created_at: createdAt,
		data: { webhook_id: id, message: "A test event from SendFleet." },
	});
	await insertDelivery(db, id, { id: eventId, type: TEST_EVENT_TYPE, payload, createdAt: now });
	const deps = webhookDeliveryDepsFromEnv(c.env, (work) => c.executionCtx.waitUntil(work));
	const outcome = await attemptDelivery(deps, { endpointId: id, eventId }, { retry: false, now });
	const delivery = await findDelivery(db, id, eventId);
	if (outcome.kind === "skipped" || !delivery) throw notFound("Webhook");
	return c.json(
		{
			object: "webhook_event" as const,
			id: eventId,
			type: TEST_EVENT_TYPE,
			created_at: createdAt,
			status: delivery.status,
			attempt: {
				id: outcome.attemptId,
				http_status_code: outcome.result.status,
				response: outcome.result.response,
				sent_at: new Date(now).toISOString(),
				duration_ms: outcome.result.durationMs,
				error: outcome.result.error,
			},
		},
		200,
	);
});
