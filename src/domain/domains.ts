/**
 * Domain rules free of HTTP: the DNS records a domain needs (product page step 4), what a DNS
 * answer means for each, when a domain may send, and which deliverability warnings a send from
 * it carries. The statuses come from the latest check, so the send path never does a lookup.
 */
import { parse } from "tldts";
import type { DomainRow } from "../db/queries/domains.ts";
import type { RecordDiagnosis, RecordStatus } from "../db/schema.ts";
import { toAsciiDomain } from "../lib/addresses.ts";
import type { DnsAnswer, DnsRecordType } from "../services/dns.ts";

export const SPF_VALUE = "v=spf1 include:amazonses.com ~all";
export const DMARC_VALUE = "v=DMARC1; p=none;";
export const DEFAULT_MAIL_FROM_LABEL = "send";

export type RecordKind = "ownership" | "dkim" | "spf" | "mail_from" | "dmarc";

export interface RecordSpec {
	/** Stable key for the record's diagnosis, e.g. `dkim:<token>`. */
	key: string;
	kind: RecordKind;
	/** Resend's `record` label. */
	record: "Ownership" | "DKIM" | "SPF" | "MAIL FROM" | "DMARC";
	name: string;
	type: DnsRecordType;
	value: string;
	priority?: number;
}

/**
 * Checks a name customers want to send from: a registrable domain or a subdomain of one, per
 * the Public Suffix List (tldts, private suffixes included, so `you.github.io` is yours but
 * `github.io` is nobody's). IDNs come back in punycode. Returns a reason when it is refused.
 */
export function normalizeDomainName(
	input: string,
): { ok: true; name: string } | { ok: false; reason: string } {
	const trimmed = input.trim().toLowerCase().replace(/\.$/, "");
	const ascii = toAsciiDomain(trimmed) ?? (isIcannSuffix(trimmed) ? trimmed : null);
	if (!ascii) {
		return {
			ok: false,
			reason: `"${input}" is not a valid domain name (letters, digits and hyphens in dot-separated labels of at most 63 characters).`,
		};
	}
	const parsed = parse(ascii, { allowPrivateDomains: true });
	if (parsed.isIp) return { ok: false, reason: "IP addresses cannot be sending domains." };
	if (!parsed.domain) {
		return {
			ok: false,
			reason: `"${ascii}" is a public suffix; add a domain registered under it, such as example.${ascii}.`,
		};
	}
	return { ok: true, name: ascii };
}

/**
 * The names above a normalized `name` down to its registrable domain, nearest first:
 * `a.b.acme.co.uk` → `b.acme.co.uk`, `acme.co.uk`; nothing for a registrable domain itself.
 */
export function parentDomains(name: string): string[] {
	const registrable = parse(name, { allowPrivateDomains: true }).domain;
	if (!registrable || !name.endsWith(`.${registrable}`)) return [];
	const labels = name.split(".");
	const parents: string[] = [];
	for (let i = 1; parents.at(-1) !== registrable; i++) parents.push(labels.slice(i).join("."));
	return parents;
}

/** A top-level suffix such as `com`, which toAsciiDomain refuses for having one label. */
function isIcannSuffix(name: string): boolean {
	const parsed = parse(name);
	return parsed.isIcann === true && parsed.publicSuffix === name;
}

export function expectedRecords(
	domain: Pick<DomainRow, "name" | "verificationToken" | "dkimTokens" | "mailFromDomain">,
	region: string,
): RecordSpec[] {
	const mailFrom = domain.mailFromDomain ?? `${DEFAULT_MAIL_FROM_LABEL}.${domain.name}`;
	return [
		{
			key: "ownership",
			kind: "ownership",
			record: "Ownership",
			name: `_amazonses.${domain.name}`,
			type: "TXT",
			value: domain.verificationToken ?? "",
		},
		...(domain.dkimTokens ?? []).map(
			(token): RecordSpec => ({
				key: `dkim:${token}`,
				kind: "dkim",
				record: "DKIM",
				name: `${token}._domainkey.${domain.name}`,
				type: "CNAME",
				value: `${token}.dkim.amazonses.com`,
			}),
		),
		{ key: "spf", kind: "spf", record: "SPF", name: domain.name, type: "TXT", value: SPF_VALUE },
		{
			key: "mail_from:mx",
			kind: "mail_from",
			record: "MAIL FROM",
			name: mailFrom,
			type: "MX",
			value: `feedback-smtp.${region}.amazonses.com`,
			priority: 10,
		},
		{
			key: "mail_from:spf",
			kind: "mail_from",
			record: "MAIL FROM",
			name: mailFrom,
			type: "TXT",
			value: SPF_VALUE,
		},
		{
			key: "dmarc",
			kind: "dmarc",
			record: "DMARC",
			name: `_dmarc.${domain.name}`,
			type: "TXT",
			value: DMARC_VALUE,
		},
	];
}

/** Is this DNS value the record we asked for? SPF and DMARC accept any policy that includes ours. */
function matches(spec: RecordSpec, value: string): boolean {
	if (spec.type === "MX") return value.replace(/^\d+\s+/, "") === spec.value;
	if (spec.value === SPF_VALUE) return /^v=spf1\s(.*\s)?include:amazonses\.com(\s|$)/i.test(value);
	if (spec.kind === "dmarc") return /^v=DMARC1\s*;/i.test(value);
	return value === spec.value;
}

/** The values that compete with ours: a TXT name holds unrelated records too (site checks…). */
function relevant(spec: RecordSpec, value: string): boolean {
	if (spec.value === SPF_VALUE) return /^v=spf1(\s|$)/i.test(value);
	if (spec.kind === "dmarc") return /^v=DMARC1/i.test(value);
	return true;
}

export function diagnose(spec: RecordSpec, answer: DnsAnswer): RecordDiagnosis {
	if (answer.kind === "error") {
		return {
			state: "could_not_check",
			found: [],
			message: `Could not check ${spec.name}: ${answer.message}. Try again shortly.`,
		};
	}
	const found = answer.values.filter((v) => relevant(spec, v));
	if (found.some((v) => matches(spec, v))) {
		if (spec.value === SPF_VALUE && found.length > 1) {
			return {
				state: "wrong_value",
				found,
				message: `${spec.name} has ${found.length} SPF records; merge them into one that includes amazonses.com.`,
			};
		}
		return { state: "found", found, message: `${spec.type} ${spec.name} is correct.` };
	}
	if (found.length === 0) {
		return {
			state: "missing",
			found,
			message: `No ${spec.type} record at ${spec.name}. Add one with the value shown.`,
		};
	}
	return {
		state: "wrong_value",
		found,
		message: `${spec.type} ${spec.name} is ${found.map((v) => JSON.stringify(v)).join(", ")}; it should be ${JSON.stringify(spec.priority ? `${spec.priority} ${spec.value}` : spec.value)}.`,
	};
}

/** Ownership (the `_amazonses` TXT) and DKIM must both pass before a domain can send. */
export function isVerifiedForSending(
	domain: Pick<DomainRow, "ownershipStatus" | "dkimStatus">,
): { ok: true } | { ok: false; missing: string[] } {
	const missing = [
		domain.ownershipStatus !== "verified" ? "ownership (TXT record)" : null,
		domain.dkimStatus !== "verified" ? "DKIM (CNAME records)" : null,
	].filter((m): m is string => m !== null);
	return missing.length ? { ok: false, missing } : { ok: true };
}

/** The domain's overall status, in Resend's words. */
export function domainStatus(
	domain: Pick<DomainRow, "ownershipStatus" | "dkimStatus">,
): RecordStatus {
	const { ownershipStatus: o, dkimStatus: d } = domain;
	if (o === "verified" && d === "verified") return "verified";
	if (o === "failed" || d === "failed") return "failed";
	if (o === "temporary_failure" || d === "temporary_failure") return "temporary_failure";
	if (o === "not_started" && d === "not_started") return "not_started";
	return "pending";
}

export interface DeliverabilityWarning {
	code: "spf_not_verified" | "mail_from_not_verified" | "dmarc_not_found";
	message: string;
}

export function deliverabilityWarnings(domain: DomainRow): DeliverabilityWarning[] {
	const mailFrom = domain.mailFromDomain ?? `${DEFAULT_MAIL_FROM_LABEL}.${domain.name}`;
	const warnings: DeliverabilityWarning[] = [];
	if (domain.spfStatus !== "verified") {
		warnings.push({
			code: "spf_not_verified",
			message: `SPF record not verified: add "${SPF_VALUE}" as a TXT record on ${domain.name}.`,
		});
	}
	if (domain.mailFromStatus !== "verified") {
		warnings.push({
			code: "mail_from_not_verified",
			message: `MAIL FROM not verified: add the MX record (10 feedback-smtp.${domain.region}.amazonses.com) and the TXT record "${SPF_VALUE}" on ${mailFrom}.`,
		});
	}
	if (domain.dmarcStatus !== "verified") {
		warnings.push({
			code: "dmarc_not_found",
			message: `DMARC record not found: add "${DMARC_VALUE}" as a TXT record on _dmarc.${domain.name}.`,
		});
	}
	return warnings;
}
