import type { z } from "@hono/zod-openapi";
import type { ByocConnectionRow } from "../../db/queries/byoc.ts";
import { byocPermissionsPolicy, byocTrustPolicy, externalIdFor } from "../../domain/byoc-iam.ts";
import { toIsoOrNull } from "../../lib/time.ts";
import type { ConnectionSchema } from "./schemas.ts";

/** The account's connection, or what to set one up with while there is none. */
export function presentConnection(
	accountId: string,
	platformAwsAccountId: string,
	row: ByocConnectionRow | null,
): z.infer<typeof ConnectionSchema> {
	const externalId = externalIdFor(accountId);
	return {
		object: "byoc_connection",
		status: !row ? "not_connected" : row.brokenAt !== null ? "broken" : "connected",
		method: row?.method ?? null,
		region: row?.region ?? null,
		role_arn: row?.roleArn ?? null,
		access_key_id_last4: row?.accessKeyHint ?? null,
		external_id: externalId,
		sendfleet_aws_account_id: platformAwsAccountId,
		ses: row
			? {
					production_access: row.productionAccess,
					sandbox_note: row.productionAccess
						? null
						: "Your SES account is in the sandbox: only verified addresses can receive, at most 200 emails a day. Request production access in the SES console.",
					sending_enabled: row.sendingEnabled,
					max_send_rate: row.maxSendRate,
					max_24_hour_send: row.max24HourSend,
				}
			: null,
		broken_reason: row?.brokenReason ?? null,
		broken_at: toIsoOrNull(row?.brokenAt ?? null),
		checked_at: toIsoOrNull(row?.checkedAt ?? null),
		created_at: toIsoOrNull(row?.createdAt ?? null),
		permissions_policy: byocPermissionsPolicy(),
		trust_policy: byocTrustPolicy(platformAwsAccountId, externalId),
	};
}
