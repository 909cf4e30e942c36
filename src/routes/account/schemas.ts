import { z } from "@hono/zod-openapi";
import type { VerificationRequestRow } from "../../db/queries/accounts.ts";
import { REQUEST_STATUSES } from "../../db/schema.ts";
import { toIso, toIsoOrNull } from "../../lib/time.ts";

export const VerificationRequestBody = z
	.strictObject({
		use_case: z
			.string({ error: "is required" })
			.trim()
			.min(20, "must describe what you send and to whom (at least 20 characters)")
			.max(2000),
		company_name: z.string({ error: "is required" }).trim().min(1, "is required").max(200),
		website: z
			.string({ error: "is required" })
			.trim()
			.max(2000)
			.refine(
				(v) => /^https?:\/\/[^\s/$.?#].[^\s]*$/i.test(v) && URL.canParse(v),
				"must be an http(s) URL",
			),
		expected_monthly_volume: z
			.number({ error: "must be a number" })
			.int("must be a whole number")
			.min(1, "must be at least 1")
			.max(100_000_000, "must be at most 100,000,000"),
	})
	.openapi("VerificationRequestInput");

export const VerificationRequestSchema = z
	.object({
		object: z.literal("verification_request"),
		id: z.string(),
		account_id: z.string(),
		use_case: z.string(),
		company_name: z.string(),
		website: z.string(),
		expected_monthly_volume: z.number().int(),
		status: z.enum(REQUEST_STATUSES),
		decision_note: z.string().nullable(),
		decided_by: z.string().nullable(),
		decided_at: z.string().nullable(),
		created_at: z.string(),
	})
	.openapi("VerificationRequest");

export function presentVerificationRequest(
	row: VerificationRequestRow,
): z.infer<typeof VerificationRequestSchema> {
	return {
		object: "verification_request",
		id: row.id,
		account_id: row.accountId,
		use_case: row.useCase,
		company_name: row.companyName,
		website: row.website,
		expected_monthly_volume: row.expectedMonthlyVolume,
		status: row.status,
		decision_note: row.decisionNote,
		decided_by: row.decidedBy,
		decided_at: toIsoOrNull(row.decidedAt),
		created_at: toIso(row.createdAt),
	};
}
