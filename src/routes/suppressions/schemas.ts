import { z } from "@hono/zod-openapi";
import type { SuppressionRow } from "../../db/queries/suppressions.ts";
import { SUPPRESSION_ORIGINS } from "../../db/schema.ts";
import { parseAddress } from "../../lib/addresses.ts";
import { UUID_PATTERN } from "../../lib/ids.ts";
import { toIso } from "../../lib/time.ts";

export const MAX_SUPPRESSION_BATCH = 100;

/** A bare address, returned lower-cased: suppression matching ignores case. */
export const SuppressedAddress = z
	.string()
	.transform((value, ctx) => {
		const parsed = parseAddress(value.trim());
		if (!parsed) {
			ctx.addIssue({
				code: "custom",
				message: `${JSON.stringify(value)} is not a valid email address.`,
			});
			return z.NEVER;
		}
		return parsed.address.toLowerCase();
	})
	.openapi({ type: "string", example: "someone@example.com" });

export const IdOrEmailParam = z.object({
	id_or_email: z
		.string()
		.refine(
			(v) => UUID_PATTERN.test(v) || parseAddress(v) !== null,
			"must be a suppression id or an email address",
		)
		.openapi({ param: { name: "id_or_email", in: "path" } }),
});

export const SuppressionSchema = z
	.object({
		object: z.literal("suppression"),
		id: z.string(),
		email: z.string(),
		origin: z.enum(SUPPRESSION_ORIGINS),
		source_id: z
			.string()
			.nullable()
			.openapi({ description: "The email whose bounce or complaint added it" }),
		reason: z.string().nullable(),
		created_at: z.string(),
	})
	.openapi("Suppression");

export const SuppressionRef = z.object({ object: z.literal("suppression"), id: z.string() });
export const DeletedSuppression = SuppressionRef.extend({ deleted: z.boolean() }).openapi(
	"DeletedSuppression",
);

export function presentSuppression(row: SuppressionRow): z.infer<typeof SuppressionSchema> {
	return {
		object: "suppression",
		id: row.id,
		email: row.email,
		origin: row.origin,
		source_id: row.sourceId,
		reason: row.reason,
		created_at: toIso(row.createdAt),
	};
}
