import { z } from "@hono/zod-openapi";
import { API_KEY_PERMISSIONS } from "../../db/schema.ts";
import { UUID_PATTERN } from "../../lib/ids.ts";
import { toIso, toIsoOrNull } from "../../lib/time.ts";

export const CreateApiKeyBody = z
	.strictObject({
		name: z.string().trim().min(1, "is required").max(50, "must be at most 50 characters"),
		permission: z.enum(API_KEY_PERMISSIONS).default("full_access"),
		domain_id: z.string().regex(UUID_PATTERN, "must be a domain id").optional(),
	})
	.refine((b) => !b.domain_id || b.permission === "sending_access", {
		message: "`domain_id` can only restrict a `sending_access` key.",
		path: ["domain_id"],
	})
	.openapi("CreateApiKeyRequest");

export const CreatedApiKey = z
	.object({ id: z.string(), token: z.string().openapi({ description: "Shown once, never again" }) })
	.openapi("CreatedApiKey");

export const ApiKeySchema = z
	.object({
		id: z.string(),
		name: z.string(),
		permission: z.enum(API_KEY_PERMISSIONS),
		domain_id: z.string().nullable(),
		created_at: z.string(),
		last_used_at: z.string().nullable(),
	})
	.openapi("ApiKey");

export const DeletedApiKey = z
	.object({ object: z.literal("api_key"), id: z.string(), deleted: z.literal(true) })
	.openapi("DeletedApiKey");

export function presentApiKey(row: {
	id: string;
	name: string;
	permission: (typeof API_KEY_PERMISSIONS)[number];
	domainId: string | null;
	createdAt: number;
	lastUsedAt: number | null;
}): z.infer<typeof ApiKeySchema> {
	return {
		id: row.id,
		name: row.name,
		permission: row.permission,
		domain_id: row.domainId,
		created_at: toIso(row.createdAt),
		last_used_at: toIsoOrNull(row.lastUsedAt),
	};
}
