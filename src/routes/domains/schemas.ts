import { z } from "@hono/zod-openapi";
import { RECORD_STATUSES } from "../../db/schema.ts";

export const CreateDomainBody = z
	.strictObject({
		name: z
			.string({ error: "is required" })
			.min(1, "is required")
			.max(253, "must be at most 253 characters")
			.openapi({ example: "acme.com" }),
		region: z
			.string()
			.optional()
			.openapi({ description: "Must be SendFleet's SES region if given" }),
		custom_return_path: z
			.string()
			.regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, "must be one DNS label, e.g. `send`")
			.optional()
			.openapi({ description: "The MAIL FROM subdomain label; default `send`" }),
	})
	.openapi("CreateDomainRequest");

const Diagnosis = z
	.object({
		state: z.enum(["found", "missing", "wrong_value", "could_not_check"]),
		found: z.array(z.string()),
		message: z.string(),
	})
	.openapi("RecordDiagnosis");

export const DomainRecord = z
	.object({
		record: z.enum(["Ownership", "DKIM", "SPF", "MAIL FROM", "DMARC"]),
		name: z.string(),
		type: z.enum(["TXT", "CNAME", "MX"]),
		value: z.string(),
		ttl: z.literal("Auto"),
		priority: z.number().int().optional(),
		status: z.enum(RECORD_STATUSES),
		required: z.boolean().openapi({ description: "Ownership and DKIM are required to send" }),
		diagnosis: Diagnosis.nullable().openapi({ description: "What the latest check found" }),
	})
	.openapi("DomainRecord");

const domainFields = {
	object: z.literal("domain"),
	id: z.string(),
	name: z.string(),
	status: z.enum(RECORD_STATUSES),
	region: z.string(),
	created_at: z.string(),
	ownership_status: z.enum(RECORD_STATUSES),
	dkim_status: z.enum(RECORD_STATUSES),
	spf_status: z.enum(RECORD_STATUSES),
	mail_from_status: z.enum(RECORD_STATUSES),
	dmarc_status: z.enum(RECORD_STATUSES),
	last_checked_at: z.string().nullable(),
	verified_at: z.string().nullable(),
	expires_at: z
		.string()
		.nullable()
		.openapi({ description: "Unverified domains fail 72 hours after being added, as in SES" }),
};

export const DomainListItem = z.object(domainFields).openapi("DomainListItem");
export const DomainSchema = z
	.object({ ...domainFields, records: z.array(DomainRecord) })
	.openapi("Domain");

export const DeletedDomain = z
	.object({ object: z.literal("domain"), id: z.string(), deleted: z.literal(true) })
	.openapi("DeletedDomain");
