import { z } from "@hono/zod-openapi";
import { BYOC_METHODS } from "../../db/schema.ts";

/** An AWS region name as SES uses them, e.g. `eu-west-1`, `us-gov-west-1`. */
export const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

const region = z
	.string({ error: "is required" })
	.regex(AWS_REGION, "must be an AWS region name, e.g. `eu-west-1`")
	.openapi({ example: "eu-west-1" });

export const SaveConnectionBody = z
	.union([
		z.strictObject({
			region,
			role_arn: z
				.string()
				.regex(
					/^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
					"must be an IAM role ARN, e.g. `arn:aws:iam::123456789012:role/SendFleet`",
				)
				.openapi({ example: "arn:aws:iam::123456789012:role/SendFleet" }),
		}),
		z.strictObject({
			region,
			access_key_id: z
				.string()
				.regex(/^[A-Z0-9]{16,128}$/, "must be an AWS access key id (`AKIA…`)")
				.openapi({ example: "AKIAIOSFODNN7EXAMPLE" }),
			secret_access_key: z
				.string()
				.min(1, "is required")
				.max(256, "must be at most 256 characters")
				.regex(/^\S+$/, "must not contain spaces"),
		}),
	])
	.openapi("SaveByocConnectionRequest", {
		description:
			"Either an IAM role (`role_arn`, recommended) or an access key pair, and the SES region to send from.",
	});

const Policy = z.record(z.string(), z.unknown());

export const ConnectionSchema = z
	.object({
		object: z.literal("byoc_connection"),
		status: z.enum(["not_connected", "connected", "broken"]),
		method: z.enum(BYOC_METHODS).nullable(),
		region: z.string().nullable(),
		role_arn: z.string().nullable(),
		access_key_id_last4: z
			.string()
			.nullable()
			.openapi({ description: "The access key is never returned; its last four characters are" }),
		external_id: z
			.string()
			.openapi({ description: "The `sts:ExternalId` your role's trust policy must require" }),
		sendfleet_aws_account_id: z
			.string()
			.openapi({ description: "The AWS account your role's trust policy must trust" }),
		ses: z
			.object({
				production_access: z.boolean(),
				sandbox_note: z.string().nullable(),
				sending_enabled: z.boolean(),
				max_send_rate: z.number().openapi({ description: "Emails per second" }),
				max_24_hour_send: z.number(),
			})
			.nullable()
			.openapi({ description: "What SES GetAccount answered at the last test" }),
		broken_reason: z.string().nullable(),
		broken_at: z.string().nullable(),
		checked_at: z.string().nullable(),
		created_at: z.string().nullable(),
		permissions_policy: Policy.openapi({ description: "The least-privilege IAM policy" }),
		trust_policy: Policy.openapi({ description: "The role's trust policy, to paste as it is" }),
	})
	.openapi("ByocConnection");

export const DeletedConnection = z
	.object({ object: z.literal("byoc_connection"), deleted: z.literal(true) })
	.openapi("DeletedByocConnection");
