// SES domain identities: what SES remembers about each domain (tokens, when verification started,
// the MAIL FROM setting, when it last found the records) and how it decides verification
// statuses. As real SES does from real DNS, the simulator decides from its own DNS store, and it
// re-decides on every read: a record published now is "found" at once; a record still missing
// 72 hours after verification started makes it Failed; a record SES found before and no longer
// finds makes it TemporaryFailure, and Failed 72 hours after it was last found. SES looks on its
// own schedule; the simulator "looks" when asked through its API (observeIdentity), so a record
// published and removed between two API calls was never seen.

import type { DnsStore } from "./dns.ts";
import {
	type BehaviorOnMxFailure,
	checkRecords,
	type DomainIdentity,
	type RecordCheck,
} from "./domain-records.ts";

export type { BehaviorOnMxFailure, DomainIdentity };

import { newDkimToken, newVerificationToken } from "./tokens.ts";

/** SES v1 spelling (GetIdentityVerificationAttributes). */
export type OwnershipStatus = "Pending" | "Success" | "Failed" | "TemporaryFailure" | "NotStarted";
/** SES v2 spelling (DkimAttributes.Status, VerificationStatus). */
export type DkimStatus = "PENDING" | "SUCCESS" | "FAILED" | "TEMPORARY_FAILURE" | "NOT_STARTED";
export type MailFromStatus = "PENDING" | "SUCCESS" | "FAILED" | "TEMPORARY_FAILURE";
/** SES v2 VerificationInfo.ErrorType, for the first record that stops verification. */
export type VerificationError = "HOST_NOT_FOUND" | "TYPE_NOT_FOUND" | "INVALID_VALUE";

export interface IdentityStatuses {
	ownership: OwnershipStatus;
	dkim: DkimStatus;
	/** Null when no custom MAIL FROM domain is set. */
	mailFrom: MailFromStatus | null;
	/** The v2 VerificationStatus: DKIM's, or ownership's for an identity without DKIM. */
	verification: DkimStatus;
	verifiedForSending: boolean;
	/** Why verification has not succeeded, when it has not. */
	error: VerificationError | null;
	/** When the records deciding `verification` were last found (VerificationInfo). */
	lastSuccess: Date | null;
}

/** What the controls, the JSON endpoints and the domains page show for one identity. */
export interface DomainView {
	domain: string;
	createdAt: string;
	verificationToken: string;
	dkimTokens: string[];
	mailFromDomain: string | null;
	behaviorOnMxFailure: BehaviorOnMxFailure;
	configurationSetName: string | null;
	status: {
		ownership: OwnershipStatus;
		dkim: DkimStatus;
		mailFrom: MailFromStatus | null;
		verifiedForSending: boolean;
	};
	records: RecordCheck[];
}

export interface IdentityStore {
	/** Undefined when the domain already has an identity. */
	create(
		domain: string,
		options: { now: Date; withDkim: boolean; configurationSetName?: string | null },
	): DomainIdentity | undefined;
	get(domain: string): DomainIdentity | undefined;
	delete(domain: string): boolean;
	/** Sorted by domain. */
	list(): DomainIdentity[];
	clear(): void;
}

/** SES gives up on records it has not found after 72 hours (SES Developer Guide). */
export const VERIFICATION_WINDOW_MS = 72 * 60 * 60 * 1000;

/** When SES last found each kind of verifying record, per identity (kept beside the identity). */
const lastFound = new WeakMap<DomainIdentity, { ownership: Date | null; dkim: Date | null }>();
const foundTimes = (identity: DomainIdentity) =>
	lastFound.get(identity) ?? { ownership: null, dkim: null };

/** VerifyDomainIdentity on a known domain: a new 72-hour search for its TXT record. */
export function restartOwnershipSearch(identity: DomainIdentity, now: Date): void {
	identity.verificationStartedAt = now;
	lastFound.set(identity, { ...foundTimes(identity), ownership: null });
}

/**
 * Statuses as SES reports them through its API at `now`, remembering which records it found:
 * what GetEmailIdentity and GetIdentityVerificationAttributes answer.
 */
export function observeIdentity(
	identity: DomainIdentity,
	dns: DnsStore,
	region: string,
	now: Date,
): { statuses: IdentityStatuses; records: RecordCheck[] } {
	const result = evaluateIdentity(identity, dns, region, now);
	const found = foundTimes(identity);
	lastFound.set(identity, {
		ownership: result.statuses.ownership === "Success" ? now : found.ownership,
		dkim: result.statuses.dkim === "SUCCESS" ? now : found.dkim,
	});
	const { ownership, dkim } = foundTimes(identity);
	const lastSuccess = identity.dkimTokens === null ? ownership : dkim;
	return { ...result, statuses: { ...result.statuses, lastSuccess } };
}

export function createIdentityStore(): IdentityStore {
	const identities = new Map<string, DomainIdentity>();
	return {
		create(domain, { now, withDkim, configurationSetName = null }) {
			const key = domain.toLowerCase();
			if (identities.has(key)) return undefined;
			const identity: DomainIdentity = {
				domain: key,
				createdAt: now,
				verificationToken: newVerificationToken(),
				verificationStartedAt: now,
				dkimTokens: withDkim ? [newDkimToken(), newDkimToken(), newDkimToken()] : null,
				dkimStartedAt: withDkim ? now : null,
				mailFromDomain: null,
				mailFromSetAt: null,
				behaviorOnMxFailure: "USE_DEFAULT_VALUE",
				configurationSetName,
			};
			identities.set(key, identity);
			return identity;
		},
		get: (domain) => identities.get(domain.toLowerCase()),
		delete: (domain) => identities.delete(domain.toLowerCase()),
		list: () => [...identities.values()].sort((a, b) => (a.domain < b.domain ? -1 : 1)),
		clear: () => identities.clear(),
	};
}

/** `domain` in lower case if SES would accept it as a domain identity, otherwise null. */
export function parseDomainName(domain: string): string | null {
	const lower = domain.toLowerCase();
	const label = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
	const labels = lower.split(".");
	if (lower.length > 253 || labels.length < 2 || !labels.every((l) => label.test(l))) return null;
	return lower;
}

/** Statuses as SES would report them at `now`, from the records in `dns` (nothing remembered). */
export function evaluateIdentity(
	identity: DomainIdentity,
	dns: DnsStore,
	region: string,
	now: Date,
): { statuses: IdentityStatuses; records: RecordCheck[] } {
	const records = checkRecords(identity, dns, region);
	const byKind = (kind: RecordCheck["record"]) => records.filter((r) => r.record === kind);
	const ok = (checks: RecordCheck[]) => checks.length > 0 && checks.every((r) => r.check === "ok");
	const expired = (since: Date | null) =>
		since !== null && now.getTime() - since.getTime() >= VERIFICATION_WINDOW_MS;

	const found = foundTimes(identity);
	// Records found once and missing now: TemporaryFailure for 72 hours, then Failed.
	const decide = (
		checks: RecordCheck[],
		startedAt: Date | null,
		foundAt: Date | null,
	): Exclude<DkimStatus, "NOT_STARTED"> => {
		if (ok(checks)) return "SUCCESS";
		if (foundAt !== null) return expired(foundAt) ? "FAILED" : "TEMPORARY_FAILURE";
		return expired(startedAt) ? "FAILED" : "PENDING";
	};

	const ownershipRecords = byKind("ownership");
	const ownership: OwnershipStatus =
		V1_STATUS[decide(ownershipRecords, identity.verificationStartedAt, found.ownership)];

	const dkimRecords = byKind("dkim");
	const dkim: DkimStatus =
		identity.dkimTokens === null
			? "NOT_STARTED"
			: decide(dkimRecords, identity.dkimStartedAt, found.dkim);

	const mailFrom: MailFromStatus | null =
		identity.mailFromDomain === null
			? null
			: ok(byKind("mail_from"))
				? "SUCCESS"
				: expired(identity.mailFromSetAt)
					? "FAILED"
					: "PENDING";

	// A domain created through SES v2 is verified by its DKIM records; one created only through
	// v1 by its TXT token.
	const verification: DkimStatus = identity.dkimTokens === null ? V2_STATUS[ownership] : dkim;
	const deciding = identity.dkimTokens === null ? ownershipRecords : dkimRecords;
	const failing = deciding.find((r) => r.check !== "ok");
	return {
		statuses: {
			ownership,
			dkim,
			mailFrom,
			verification,
			verifiedForSending: verification === "SUCCESS",
			error:
				verification === "SUCCESS" || failing === undefined
					? null
					: verificationError(failing, dns),
			lastSuccess: identity.dkimTokens === null ? found.ownership : found.dkim,
		},
		records,
	};
}

export function describeIdentity(
	identity: DomainIdentity,
	dns: DnsStore,
	region: string,
	now: Date,
): DomainView {
	const { statuses, records } = evaluateIdentity(identity, dns, region, now);
	return {
		domain: identity.domain,
		createdAt: identity.createdAt.toISOString(),
		verificationToken: identity.verificationToken,
		dkimTokens: [...(identity.dkimTokens ?? [])],
		mailFromDomain: identity.mailFromDomain,
		behaviorOnMxFailure: identity.behaviorOnMxFailure,
		configurationSetName: identity.configurationSetName,
		status: {
			ownership: statuses.ownership,
			dkim: statuses.dkim,
			mailFrom: statuses.mailFrom,
			verifiedForSending: statuses.verifiedForSending,
		},
		records,
	};
}

const V1_STATUS: Readonly<Record<Exclude<DkimStatus, "NOT_STARTED">, OwnershipStatus>> = {
	PENDING: "Pending",
	SUCCESS: "Success",
	FAILED: "Failed",
	TEMPORARY_FAILURE: "TemporaryFailure",
};

const V2_STATUS: Readonly<Record<OwnershipStatus, DkimStatus>> = {
	Pending: "PENDING",
	Success: "SUCCESS",
	Failed: "FAILED",
	TemporaryFailure: "TEMPORARY_FAILURE",
	NotStarted: "NOT_STARTED",
};

// The distinctions SES's VerificationInfo.ErrorType draws (SES v2 API reference).
function verificationError(check: RecordCheck, dns: DnsStore): VerificationError {
	if (check.check === "wrong") return "INVALID_VALUE";
	return dns.resolve(check.name, 255).status === 3 ? "HOST_NOT_FOUND" : "TYPE_NOT_FOUND";
}
