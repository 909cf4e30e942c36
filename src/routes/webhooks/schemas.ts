import { z } from "@hono/zod-openapi";
import type { WebhookEndpointRow } from "../../db/queries/webhooks.ts";
import { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_STATUSES } from "../../db/schema.ts";
import { MAX_ENDPOINT_LENGTH, WEBHOOK_EVENT_TYPES } from "../../domain/webhooks.ts";
import { UUID_PATTERN } from "../../lib/ids.ts";
import { toIso } from "../../lib/time.ts";

const Endpoint = z
	.string()
	.max(MAX_ENDPOINT_LENGTH, `must be at most ${MAX_ENDPOINT_LENGTH} characters`)
	.openapi({ example: "https://example.com/webhooks/sendfleet" });

const Events = z
	.array(
		z.enum(WEBHOOK_EVENT_TYPES, { message: `must be one of ${WEBHOOK_EVENT_TYPES.join(", ")}` }),
	)
	.min(1, "must name at least one event type")
	.max(WEBHOOK_EVENT_TYPES.length);

export const CreateWebhookBody = z
	.strictObject({ endpoint: Endpoint, events: Events })
	.openapi("CreateWebhookRequest");

export const UpdateWebhookBody = z
	.strictObject({
		endpoint: Endpoint.optional(),
		events: Events.optional(),
		status: z.enum(WEBHOOK_STATUSES).optional(),
	})
	.openapi("UpdateWebhookRequest");

export const CreatedWebhook = z
	.object({ object: z.literal("webhook"), id: z.string(), signing_secret: z.string() })
	.openapi("CreatedWebhook");

export const WebhookRef = z
	.object({ object: z.literal("webhook"), id: z.string() })
	.openapi("WebhookRef");

export const DeletedWebhook = z
	.object({ object: z.literal("webhook"), id: z.string(), deleted: z.literal(true) })
	.openapi("DeletedWebhook");

export const WebhookListItem = z
	.object({
		id: z.string(),
		endpoint: z.string(),
		created_at: z.string(),
		status: z.enum(WEBHOOK_STATUSES),
		events: z.array(z.string()),
	})
	.openapi("WebhookListItem");

export const WebhookSchema = WebhookListItem.extend({
	object: z.literal("webhook"),
	signing_secret: z.string(),
	disabled_reason: z.string().nullable().openapi({
		description: "Why SendFleet disabled the endpoint (persistent failure); null otherwise",
	}),
}).openapi("Webhook");

export function presentWebhookListItem(row: WebhookEndpointRow): z.infer<typeof WebhookListItem> {
	return {
		id: row.id,
		endpoint: row.endpoint,
		created_at: toIso(row.createdAt),
		status: row.status,
		events: row.events,
	};
}

export const EventParams = z.object({
	id: z
		.string()
		.regex(UUID_PATTERN, "must be an id as returned by the API")
		.openapi({ param: { name: "id", in: "path" } }),
	event_id: z
		.string()
		.regex(UUID_PATTERN, "must be an event id as returned by the API")
		.openapi({ param: { name: "event_id", in: "path" } }),
});

export const WebhookEventLog = z
	.object({
		id: z.string(),
		type: z.string(),
		created_at: z.string(),
		status: z.enum(WEBHOOK_DELIVERY_STATUSES),
	})
	.openapi("WebhookEventLog");

export const WebhookEventSchema = WebhookEventLog.extend({
	object: z.literal("webhook_event"),
	next_attempt_at: z.string().nullable(),
	attempts: z.number().int(),
	payload: z.record(z.string(), z.unknown()),
}).openapi("WebhookEvent");

export const ReplayedEvent = z
	.object({ object: z.literal("webhook_event"), id: z.string() })
	.openapi("ReplayedWebhookEvent");

export const WebhookAttemptSchema = z
	.object({
		id: z.string(),
		http_status_code: z.number().int().openapi({ description: "0 when no HTTP answer came" }),
		response: z.string().openapi({ description: "The first 1 KB of the response body" }),
		sent_at: z.string(),
		duration_ms: z.number().int(),
		error: z.string().nullable(),
	})
	.openapi("WebhookAttempt");

export function presentAttempt(row: {
	id: string;
	httpStatus: number;
	response: string;
	sentAt: number;
	durationMs: number;
	error: string | null;
}): z.infer<typeof WebhookAttemptSchema> {
	return {
		id: row.id,
		http_status_code: row.httpStatus,
		response: row.response,
		sent_at: toIso(row.sentAt),
		duration_ms: row.durationMs,
		error: row.error,
	};
}
