import { z } from "@hono/zod-openapi";
import { RECORD_STATUSES, SENDING_PATHS } from "../../db/schema.ts";

export const CreateDomainBody = z
	.strictObject({
		name: z
			.string({ error: "is required" })
			.min(1, "is required")
			.max(253, "must be at most 253 characters")
			.openapi({ example: "acme.com" }),
		region: z.string().optional().openapi({
			description:
				"Shared SES: must be SendFleet's SES region if given. BYOC: the region of your SES to register it in; default your AWS connection's",
		}),
		sending_path: z.enum(SENDING_PATHS).default("shared").openapi({
			description:
				"`shared` (SendFleet's SES; needs approval and a plan) or `byoc` (your own AWS account, through your AWS connection; nothing of its emails is stored)",
		}),
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
	sending_path: z.enum(SENDING_PATHS),
	region: z.string(),
	created_at: z.string(),
	ownership_status: z.enum(RECORD_STATUSES),
	dkim_status: z.enum(RECORD_STATUSES),
	spf_status: z.enum(RECORD_STATUSES),
	mail_from_status: z.enum(RECORD_STATUSES),
	dmarc_status: z.enum(RECORD_STATUSES),
	last_checked_at: z.string().nullable(),
	verified_at: z.string().nullable().openapi({ description: "When it first verified" }),
	last_verified_at: z
		.string()
		.nullable()
		.openapi({ description: "The last check that found ownership and DKIM verified" }),
	expires_at: z.string().nullable().openapi({
		description:
			"A domain that never verified fails 72 hours after being added, as in SES, and its name is released; null once it has verified",
	}),
};

export const DomainListItem = z.object(domainFields).openapi("DomainListItem");
export const DomainSchema = z
	.object({ ...domainFields, records: z.array(DomainRecord) })
	.openapi("Domain");

export const DomainCheckSchema = z
	.object({
		...domainFields,
		records: z.array(DomainRecord),
		checked: z.boolean().openapi({
			description:
				"False when the last check was under a minute ago: the answer is its result, unchanged",
		}),
		next_check_allowed_at: z
			.string()
			.openapi({ description: "When this check will next ask SES and DNS (also `retry-after`)" }),
	})
	.openapi("DomainCheck");

export const DeletedDomain = z
	.object({ object: z.literal("domain"), id: z.string(), deleted: z.literal(true) })
	.openapi("DeletedDomain");
