/**
 * Domain rules free of HTTP: when a domain may send, and which deliverability warnings a send
 * from it carries (the product page's table). The statuses come from the latest DNS check, so
 * the send path never does a DNS lookup.
 */
import type { DomainRow } from "../db/queries/domains.ts";

export interface DeliverabilityWarning {
	code: "spf_not_verified" | "mail_from_not_verified" | "dmarc_not_found";
	message: string;
}

/** Ownership (the `_amazonses` TXT) and DKIM must both pass before a domain can send. */
export function isVerifiedForSending(
	domain: DomainRow,
): { ok: true } | { ok: false; missing: string[] } {
	const missing = [
		domain.ownershipStatus !== "verified" ? "ownership (TXT record)" : null,
		domain.dkimStatus !== "verified" ? "DKIM (CNAME records)" : null,
	].filter((m): m is string => m !== null);
	return missing.length ? { ok: false, missing } : { ok: true };
}

export function deliverabilityWarnings(domain: DomainRow): DeliverabilityWarning[] {
	const warnings: DeliverabilityWarning[] = [];
	if (domain.spfStatus !== "verified") {
		warnings.push({
			code: "spf_not_verified",
			message: `SPF record not verified: add "v=spf1 include:amazonses.com ~all" as a TXT record on ${domain.name}.`,
		});
	}
	if (domain.mailFromStatus !== "verified") {
		warnings.push({
			code: "mail_from_not_verified",
			message: `MAIL FROM not verified: add the MX record and the SPF TXT record for send.${domain.name} shown on the domain's page.`,
		});
	}
	if (domain.dmarcStatus !== "verified") {
		warnings.push({
			code: "dmarc_not_found",
			message: `DMARC record not found: add "v=DMARC1; p=none;" as a TXT record on _dmarc.${domain.name}.`,
		});
	}
	return warnings;
}
