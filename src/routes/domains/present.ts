import type { z } from "@hono/zod-openapi";
import type { DomainRow } from "../../db/queries/domains.ts";
import {
	recordsWithStatus,
	VERIFICATION_WINDOW,
	verifiedOnce,
} from "../../domain/domain-checks.ts";
import { domainStatus } from "../../domain/domains.ts";
import { toIso, toIsoOrNull } from "../../lib/time.ts";
import type { DomainListItem, DomainSchema } from "./schemas.ts";

export function presentDomainListItem(row: DomainRow): z.infer<typeof DomainListItem> {
	return {
		object: "domain",
		id: row.id,
		name: row.name,
		status: domainStatus(row),
		sending_path: row.sendingPath,
		region: row.region,
		created_at: toIso(row.createdAt),
		ownership_status: row.ownershipStatus,
		dkim_status: row.dkimStatus,
		spf_status: row.spfStatus,
		mail_from_status: row.mailFromStatus,
		dmarc_status: row.dmarcStatus,
		last_checked_at: toIsoOrNull(row.lastCheckedAt),
		verified_at: toIsoOrNull(row.verifiedAt),
		last_verified_at: toIsoOrNull(row.lastVerifiedAt),
		expires_at: verifiedOnce(row) ? null : toIso(row.createdAt + VERIFICATION_WINDOW),
	};
}

export function presentDomain(row: DomainRow): z.infer<typeof DomainSchema> {
	return {
		...presentDomainListItem(row),
		records: recordsWithStatus(row, row.region).map(({ spec, status, diagnosis }) => ({
			record: spec.record,
			name: spec.name,
			type: spec.type,
			value: spec.value,
			ttl: "Auto" as const,
			...(spec.priority === undefined ? {} : { priority: spec.priority }),
			status,
			required: spec.kind === "ownership" || spec.kind === "dkim",
			diagnosis,
		})),
	};
}
