/**
 * Checking a domain: ask SES for the identity's status AND look the records up over DNS, then
 * say per record what is there. SES is the authority on ownership and DKIM (it will not send
 * otherwise); DNS explains what is missing or wrong while SES has not confirmed. SPF, MAIL FROM
 * and DMARC are recommendations checked over DNS only; they feed the send warnings.
 *
 * The same check serves "Verify ownership", "Verify DKIM", Resend's "verify" (both), and the
 * cron's re-checks. Like SES, a domain not verified within 72 hours of being added fails.
 */
import type { DomainRow } from "../db/queries/domains.ts";
import type { DomainDiagnosis, RecordStatus } from "../db/schema.ts";
import { DAY, HOUR, MINUTE } from "../lib/time.ts";
import type { DnsResolver } from "../services/dns.ts";
import type { SesClient } from "../services/ses.ts";
import { diagnose, expectedRecords, type RecordKind, type RecordSpec } from "./domains.ts";

export type CheckScope = "ownership" | "dkim" | "both";

export const VERIFICATION_WINDOW = 72 * HOUR;
export const VERIFIED_RECHECK_INTERVAL = DAY;

export type CheckResult =
	| { kind: "checked"; update: DomainUpdate }
	| { kind: "ses_unavailable"; message: string };

export interface DomainUpdate {
	ownershipStatus: RecordStatus;
	dkimStatus: RecordStatus;
	spfStatus: RecordStatus;
	mailFromStatus: RecordStatus;
	dmarcStatus: RecordStatus;
	diagnosis: DomainDiagnosis;
	lastCheckedAt: number;
	verifiedAt: number | null;
	nextCheckAt: number | null;
	checkAttempts: number;
}

const fromSes = (status: string | undefined): RecordStatus => {
	switch (status?.toUpperCase()) {
		case "SUCCESS":
			return "verified";
		case "FAILED":
			return "failed";
		default:
			return "pending";
	}
};

/** Pending domains are re-checked at 5, 10, 20… minutes, at most every 6 hours. */
function backoff(attempts: number): number {
	return Math.min(5 * MINUTE * 2 ** attempts, 6 * HOUR);
}

export async function checkDomain(
	deps: { ses: SesClient; resolve: DnsResolver; region: string },
	domain: DomainRow,
	scope: CheckScope,
	now: number,
): Promise<CheckResult> {
	const wants = (kind: "ownership" | "dkim") => scope === "both" || scope === kind;
	const specs = expectedRecords(domain, deps.region).filter(
		(s) => (s.kind !== "ownership" && s.kind !== "dkim") || wants(s.kind),
	);

	const [ownership, identity, answers] = await Promise.all([
		wants("ownership") ? deps.ses.getOwnershipStatus(domain.name) : undefined,
		wants("dkim") ? deps.ses.getEmailIdentity(domain.name) : undefined,
		Promise.all(specs.map((spec) => deps.resolve(spec.name, spec.type))),
	]);
	for (const outcome of [ownership, identity]) {
		if (outcome && outcome.kind !== "ok") {
			return { kind: "ses_unavailable", message: `${outcome.code}: ${outcome.message}` };
		}
	}

	const diagnosis: DomainDiagnosis = { ...domain.diagnosis };
	specs.forEach((spec, i) => {
		const answer = answers[i];
		if (answer) diagnosis[spec.key] = diagnose(spec, answer);
	});

	const dnsStatus = (kind: RecordKind, previous: RecordStatus): RecordStatus => {
		const states = specs.filter((s) => s.kind === kind).map((s) => diagnosis[s.key]?.state);
		if (states.includes("could_not_check")) return previous;
		return states.every((s) => s === "found") ? "verified" : "pending";
	};

	let ownershipStatus =
		ownership?.kind === "ok" ? fromSes(ownership.value) : domain.ownershipStatus;
	let dkimStatus =
		identity?.kind === "ok" ? fromSes(identity.value.DkimAttributes?.Status) : domain.dkimStatus;

	// SES fails an identity after 72 hours; so do we, even if SES has not said so yet.
	const expired = now - domain.createdAt > VERIFICATION_WINDOW;
	if (expired) {
		if (ownershipStatus !== "verified") ownershipStatus = "failed";
		if (dkimStatus !== "verified") dkimStatus = "failed";
	}
	const verified = ownershipStatus === "verified" && dkimStatus === "verified";
	const failed = ownershipStatus === "failed" || dkimStatus === "failed";
	const changed = ownershipStatus !== domain.ownershipStatus || dkimStatus !== domain.dkimStatus;
	const checkAttempts = changed ? 0 : domain.checkAttempts + 1;

	let nextCheckAt: number | null;
	if (verified) nextCheckAt = now + VERIFIED_RECHECK_INTERVAL;
	else if (failed) nextCheckAt = null;
	else
		nextCheckAt = Math.min(
			now + backoff(checkAttempts),
			domain.createdAt + VERIFICATION_WINDOW + MINUTE,
		);

	return {
		kind: "checked",
		update: {
			ownershipStatus,
			dkimStatus,
			spfStatus: dnsStatus("spf", domain.spfStatus),
			mailFromStatus: dnsStatus("mail_from", domain.mailFromStatus),
			dmarcStatus: dnsStatus("dmarc", domain.dmarcStatus),
			diagnosis,
			lastCheckedAt: now,
			verifiedAt: verified ? (domain.verifiedAt ?? now) : domain.verifiedAt,
			nextCheckAt,
			checkAttempts,
		},
	};
}

/** Record specs with their status, for presenting a domain. */
export function recordsWithStatus(domain: DomainRow, region: string) {
	const statusOf: Record<RecordKind, RecordStatus> = {
		ownership: domain.ownershipStatus,
		dkim: domain.dkimStatus,
		spf: domain.spfStatus,
		mail_from: domain.mailFromStatus,
		dmarc: domain.dmarcStatus,
	};
	return expectedRecords(domain, region).map((spec: RecordSpec) => ({
		spec,
		status: statusOf[spec.kind],
		diagnosis: domain.diagnosis?.[spec.key] ?? null,
	}));
}
