// The DNS records an SES domain identity asks its owner to publish, how the records found in the
// simulator's DNS compare with them, and the controls that publish, remove or corrupt them. This
// is the customer's side of the DNS: SES only reads it (identities.ts decides statuses from these
// checks); the controls stand in for the customer editing their zone.

import type { DnsStore } from "./dns.ts";
import { newVerificationToken } from "./tokens.ts";

export type BehaviorOnMxFailure = "USE_DEFAULT_VALUE" | "REJECT_MESSAGE";

/** An SES domain identity as the simulator keeps it (its records are checked here). */
export interface DomainIdentity {
	/** Lower case, as the identity is keyed. */
	domain: string;
	createdAt: Date;
	/** The `_amazonses` TXT value (SES v1 VerifyDomainIdentity); every domain identity has one. */
	verificationToken: string;
	/** When SES started looking for the TXT record; VerifyDomainIdentity restarts it. */
	verificationStartedAt: Date;
	/** Easy DKIM tokens; null for an identity created only through VerifyDomainIdentity. */
	dkimTokens: string[] | null;
	dkimStartedAt: Date | null;
	/** The custom MAIL FROM domain, or null when SES uses amazonses.com. */
	mailFromDomain: string | null;
	mailFromSetAt: Date | null;
	behaviorOnMxFailure: BehaviorOnMxFailure;
	configurationSetName: string | null;
}

export const RECORD_KINDS = ["ownership", "dkim", "spf", "mail_from", "dmarc"] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** Where SES's Easy DKIM keys live; each token's CNAME points under it. */
export const DKIM_HOSTED_ZONE = "dkim.amazonses.com";
/** The SPF policy SES documents for a domain sending through it. */
export const SPF_VALUE = "v=spf1 include:amazonses.com ~all";
/** The starting DMARC policy SendFleet recommends: monitor only. */
export const DMARC_VALUE = "v=DMARC1; p=none;";
export const MX_PRIORITY = 10;
/** The MAIL FROM subdomain suggested until the customer sets their own. */
export const DEFAULT_MAIL_FROM_LABEL = "send";

/** One record the owner should publish, in the shape Resend uses for domains. */
export interface RequiredRecord {
	record: RecordKind;
	name: string;
	type: "TXT" | "CNAME" | "MX";
	/** The TXT text, the CNAME target or the MX host. */
	value: string;
	/** MX only. */
	priority?: number;
}

/** A required record next to what the simulator's DNS holds for it. */
export interface RecordCheck extends RequiredRecord {
	/** The values published at name/type (MX as `priority host`). */
	published: string[];
	/** ok: matches; missing: nothing relevant published; wrong: published but not matching. */
	check: "ok" | "missing" | "wrong";
}

/** Thrown by a control that cannot apply to an identity; the message says why. */
export class RecordControlError extends Error {
	constructor(message: string) {
		super(message);
		this.name = "RecordControlError";
	}
}

export function mailFromDomainOf(identity: DomainIdentity): string {
	return identity.mailFromDomain ?? `${DEFAULT_MAIL_FROM_LABEL}.${identity.domain}`;
}

export function feedbackMxHost(region: string): string {
	return `feedback-smtp.${region}.amazonses.com`;
}

/** Every record the identity needs, in RECORD_KINDS order. DKIM only once it has tokens. */
export function requiredRecords(identity: DomainIdentity, region: string): RequiredRecord[] {
	const { domain } = identity;
	const mailFrom = mailFromDomainOf(identity);
	return [
		{
			record: "ownership",
			name: `_amazonses.${domain}`,
			type: "TXT",
			value: identity.verificationToken,
		},
		...(identity.dkimTokens ?? []).map(
			(token): RequiredRecord => ({
				record: "dkim",
				name: `${token}._domainkey.${domain}`,
				type: "CNAME",
				value: `${token}.${DKIM_HOSTED_ZONE}`,
			}),
		),
		{ record: "spf", name: domain, type: "TXT", value: SPF_VALUE },
		{
			record: "mail_from",
			name: mailFrom,
			type: "MX",
			value: feedbackMxHost(region),
			priority: MX_PRIORITY,
		},
		{ record: "mail_from", name: mailFrom, type: "TXT", value: SPF_VALUE },
		{ record: "dmarc", name: `_dmarc.${domain}`, type: "TXT", value: DMARC_VALUE },
	];
}

/** Compares each required record with the simulator's DNS. */
export function checkRecords(
	identity: DomainIdentity,
	dns: DnsStore,
	region: string,
): RecordCheck[] {
	return requiredRecords(identity, region).map((required) => {
		const published = dns.get(required.name, required.type);
		return { ...required, published, check: compareRecord(required, published) };
	});
}

function compareRecord(required: RequiredRecord, published: string[]): RecordCheck["check"] {
	switch (required.type) {
		case "CNAME":
			if (published.length === 0) return "missing";
			return published.includes(required.value) ? "ok" : "wrong";
		case "MX": {
			if (published.length === 0) return "missing";
			// SES follows the MX host; the priority is the owner's business.
			const hosts = published.map((v) => v.split(" ")[1]);
			return hosts.includes(required.value) ? "ok" : "wrong";
		}
		case "TXT":
			if (required.record === "spf" || required.record === "mail_from") {
				// Other TXT records (site verifications…) may share the name; only SPF counts, and a
				// merged policy (`include:amazonses.com include:_spf.google.com`) is as good.
				const spf = published.filter((v) => /^v=spf1(\s|$)/i.test(v));
				if (spf.length === 0) return "missing";
				return spf.some((v) => /(^|\s)include:amazonses\.com(\s|$)/i.test(v)) ? "ok" : "wrong";
			}
			if (required.record === "dmarc") {
				if (published.length === 0) return "missing";
				return published.some((v) =>
					/^v=DMARC1\s*;\s*(.*;\s*)?p=(none|quarantine|reject)\s*(;|$)/i.test(v),
				)
					? "ok"
					: "wrong";
			}
			if (published.length === 0) return "missing";
			return published.includes(required.value) ? "ok" : "wrong";
	}
}

/** The kinds named by a control, all applicable kinds when none are named. */
export function parseRecordKinds(input: unknown): RecordKind[] | undefined {
	if (input === undefined || input === null) return undefined;
	if (!Array.isArray(input) || input.length === 0) {
		throw new RecordControlError(`records must be a non-empty list of ${RECORD_KINDS.join(", ")}.`);
	}
	for (const kind of input) {
		if (!RECORD_KINDS.includes(kind)) {
			throw new RecordControlError(
				`Unknown record kind ${JSON.stringify(kind)}; use ${RECORD_KINDS.join(", ")}.`,
			);
		}
	}
	return [...new Set(input as RecordKind[])];
}

function selectedKinds(identity: DomainIdentity, kinds: RecordKind[] | undefined): RecordKind[] {
	if (kinds === undefined) {
		// An identity created with VerifyDomainIdentity alone has no DKIM tokens to publish.
		return RECORD_KINDS.filter((k) => k !== "dkim" || identity.dkimTokens !== null);
	}
	if (kinds.includes("dkim") && identity.dkimTokens === null) {
		throw new RecordControlError(
			`${identity.domain} has no DKIM tokens: it was created with VerifyDomainIdentity, not CreateEmailIdentity.`,
		);
	}
	return kinds;
}

/** Writes the correct records, as a customer following the instructions would. */
export function publishRecords(
	identity: DomainIdentity,
	dns: DnsStore,
	region: string,
	kinds?: RecordKind[],
): void {
	for (const kind of selectedKinds(identity, kinds)) {
		writeKind(identity, dns, region, kind, "correct");
	}
}

/** Replaces the records with plausible mistakes, so "wrong value" paths can be exercised. */
export function corruptRecords(
	identity: DomainIdentity,
	dns: DnsStore,
	region: string,
	kinds?: RecordKind[],
): void {
	for (const kind of selectedKinds(identity, kinds)) {
		writeKind(identity, dns, region, kind, "corrupt");
	}
}

/** Deletes the records (only the SPF policy where other TXT records share the name). */
export function removeRecords(
	identity: DomainIdentity,
	dns: DnsStore,
	_region: string,
	kinds?: RecordKind[],
): void {
	const { domain } = identity;
	for (const kind of selectedKinds(identity, kinds)) {
		switch (kind) {
			case "ownership":
				dns.delete(`_amazonses.${domain}`, "TXT");
				break;
			case "dkim":
				for (const token of identity.dkimTokens ?? []) {
					dns.delete(`${token}._domainkey.${domain}`, "CNAME");
				}
				break;
			case "spf":
				replaceSpf(dns, domain, null);
				break;
			case "mail_from":
				dns.delete(mailFromDomainOf(identity), "MX");
				replaceSpf(dns, mailFromDomainOf(identity), null);
				break;
			case "dmarc":
				dns.delete(`_dmarc.${domain}`, "TXT");
				break;
		}
	}
}

// The corrupt values are real-world mistakes: a token from another attempt, a DNS console that
// appended the zone to a fully qualified target, an SPF policy that forgot SES, the MX of another
// region, and an SPF policy pasted where DMARC belongs.
function writeKind(
	identity: DomainIdentity,
	dns: DnsStore,
	region: string,
	kind: RecordKind,
	variant: "correct" | "corrupt",
): void {
	const { domain } = identity;
	const correct = variant === "correct";
	const wrongSpf = "v=spf1 include:_spf.google.com ~all";
	switch (kind) {
		case "ownership":
			dns.set(`_amazonses.${domain}`, "TXT", [
				correct ? identity.verificationToken : otherToken(identity.verificationToken),
			]);
			break;
		case "dkim":
			for (const token of identity.dkimTokens ?? []) {
				const target = `${token}.${DKIM_HOSTED_ZONE}`;
				dns.set(`${token}._domainkey.${domain}`, "CNAME", [
					correct ? target : `${target}.${domain}`,
				]);
			}
			break;
		case "spf":
			replaceSpf(dns, domain, correct ? SPF_VALUE : wrongSpf);
			break;
		case "mail_from": {
			const name = mailFromDomainOf(identity);
			const mxRegion = correct ? region : region === "us-east-1" ? "eu-west-1" : "us-east-1";
			dns.set(name, "MX", [`${MX_PRIORITY} ${feedbackMxHost(mxRegion)}`]);
			replaceSpf(dns, name, correct ? SPF_VALUE : wrongSpf);
			break;
		}
		case "dmarc":
			dns.set(`_dmarc.${domain}`, "TXT", [correct ? DMARC_VALUE : SPF_VALUE]);
			break;
	}
}

/** Replaces the SPF policy at `name` (a name holds one), keeping its other TXT records. */
function replaceSpf(dns: DnsStore, name: string, spf: string | null): void {
	const others = dns.get(name, "TXT").filter((v) => !/^v=spf1(\s|$)/i.test(v));
	dns.set(name, "TXT", spf === null ? others : [...others, spf]);
}

/** A verification token of the same shape that is not `token`. */
function otherToken(token: string): string {
	const other = newVerificationToken();
	return other === token ? otherToken(token) : other;
}
