/**
 * Checking a domain: ask SES for the identity's status AND look the records up over DNS, then
 * say per record what is there. SES is the authority on ownership and DKIM (it will not send
 * otherwise); DNS explains what is missing or wrong while SES has not confirmed. SPF, MAIL FROM
 * and DMARC are recommendations checked over DNS only; they feed the send warnings.
 *
 * The same check serves "Verify ownership", "Verify DKIM", Resend's "verify" (both), and the
 * cron's re-checks. Like SES, a domain not verified within 72 hours of being added fails (and
 * is then released, src/domain/domain-lifecycle.ts). A domain that verified once never expires:
 * SES's TemporaryFailure ("cannot confirm it now") and even its Failed are re-checked for as
 * long as the domain is kept, and `last_verified_at` says when it last passed.
 */
import type { CheckKind, DomainRow } from "../db/queries/domains.ts";
import type { DomainDiagnosis, RecordStatus } from "../db/schema.ts";
import { DAY, HOUR, MINUTE } from "../lib/time.ts";
import type { DnsResolver } from "../services/dns.ts";
import type { SesClient } from "../services/ses.ts";
import {
	diagnose,
	domainStatus,
	expectedRecords,
	type RecordKind,
	type RecordSpec,
} from "./domains.ts";

export type CheckScope = "ownership" | "dkim" | "both";

export const VERIFICATION_WINDOW = 72 * HOUR;
export const VERIFIED_RECHECK_INTERVAL = DAY;
/**
 * Checks of one kind (ownership, DKIM) of one domain run at most once a minute, manual or not:
 * each costs an SES call and up to eight DNS lookups, and records rarely change faster.
 */
export const CHECK_COOLDOWN = MINUTE;

export const kindsOf = (scope: CheckScope): CheckKind[] =>
	scope === "both" ? ["ownership", "dkim"] : [scope];

export type CheckResult =
	| {
			kind: "checked";
			update: DomainUpdate;
			/** It was verified before this check and is not now: the owner is told. */
			lapsed: boolean;
			/** It never verified and its 72 hours are over: the claim is released. */
			expired: boolean;
	  }
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
	lastVerifiedAt: number | null;
	/** Set for the kinds this check asked about only, so a concurrent check of the other stands. */
	ownershipCheckedAt?: number;
	dkimCheckedAt?: number;
	nextCheckAt: number | null;
	checkAttempts: number;
}

/** Verified at least once (rows made verified without a check, as seeds do, count too). */
export const verifiedOnce = (
	domain: Pick<DomainRow, "verifiedAt" | "ownershipStatus" | "dkimStatus">,
) => domain.verifiedAt !== null || domainStatus(domain) === "verified";

/** SES v1 (`TemporaryFailure`) and v2 (`TEMPORARY_FAILURE`) spellings alike. */
const fromSes = (status: string | undefined): RecordStatus => {
	switch (status?.toUpperCase().replace("_", "")) {
		case "SUCCESS":
			return "verified";
		case "FAILED":
			return "failed";
		case "TEMPORARYFAILURE":
			return "temporary_failure";
		default:
			return "pending";
	}
};

/** Unverified domains are re-checked at 5, 10, 20… minutes, at most every 6 hours. */
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
	// No identity in SES (removed outside SendFleet): nothing can verify until the domain is
	// added again, which is an answer, not an outage to retry for ever.
	const gone = identity?.kind === "fail" && identity.code === "NotFoundException";
	for (const outcome of gone ? [ownership] : [ownership, identity]) {
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

	let ownershipStatus = gone
		? "failed"
		: ownership?.kind === "ok"
			? fromSes(ownership.value)
			: domain.ownershipStatus;
	let dkimStatus = gone
		? "failed"
		: identity?.kind === "ok"
			? fromSes(identity.value.DkimAttributes?.Status)
			: domain.dkimStatus;

	const verified = ownershipStatus === "verified" && dkimStatus === "verified";
	// SES fails an identity it never verified after 72 hours; so do we, even if SES has not said
	// so yet. A domain that verified once is never expired, whatever SES says now.
	const neverVerified = !verified && !verifiedOnce(domain);
	const expired = neverVerified && now - domain.createdAt > VERIFICATION_WINDOW;
	if (expired) {
		if (ownershipStatus !== "verified") ownershipStatus = "failed";
		if (dkimStatus !== "verified") dkimStatus = "failed";
	}
	const changed = ownershipStatus !== domain.ownershipStatus || dkimStatus !== domain.dkimStatus;
	const checkAttempts = changed ? 0 : domain.checkAttempts + 1;

	let nextCheckAt: number | null;
	if (verified) nextCheckAt = now + VERIFIED_RECHECK_INTERVAL;
	else if (expired) nextCheckAt = null;
	else if (neverVerified)
		nextCheckAt = Math.min(
			now + backoff(checkAttempts),
			domain.createdAt + VERIFICATION_WINDOW + MINUTE,
		);
	else nextCheckAt = now + backoff(checkAttempts);

	return {
		kind: "checked",
		lapsed: domainStatus(domain) === "verified" && !verified,
		expired,
		update: {
			ownershipStatus,
			dkimStatus,
			spfStatus: dnsStatus("spf", domain.spfStatus),
			mailFromStatus: dnsStatus("mail_from", domain.mailFromStatus),
			dmarcStatus: dnsStatus("dmarc", domain.dmarcStatus),
			diagnosis,
			lastCheckedAt: now,
			verifiedAt: verified ? (domain.verifiedAt ?? now) : domain.verifiedAt,
			lastVerifiedAt: verified ? now : domain.lastVerifiedAt,
			...(wants("ownership") ? { ownershipCheckedAt: now } : {}),
			...(wants("dkim") ? { dkimCheckedAt: now } : {}),
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
