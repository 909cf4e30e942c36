/**
 * Which of the account's domains an email is sent from: the sender's domain or its closest
 * verified parent (SES lets a verified domain's subdomains send), within what the key allows.
 */
import type { DomainRow } from "../db/queries/domains.ts";
import { isVerifiedForSending } from "./domains.ts";
import { type Rejected, rejected } from "./refusals.ts";

/** A domain and its parents, most specific first: SES lets a verified domain's subdomains send. */
export function domainAndParents(domain: string): string[] {
	const labels = domain.split(".");
	return labels.slice(0, -1).map((_, i) => labels.slice(i).join("."));
}

export function chooseSendingDomain(
	senderDomain: string,
	domains: DomainRow[],
	restrictedToDomainId: string | null,
): { kind: "ok"; domain: DomainRow } | Rejected {
	const byName = new Map(domains.map((d) => [d.name, d]));
	const held = domainAndParents(senderDomain).flatMap((name) => byName.get(name) ?? []);
	const [closest] = held;
	if (!closest) return rejected({ code: "unknown_sending_domain", domain: senderDomain });
	// The most specific verified one: a pending `mail.acme.com` does not shadow a verified
	// `acme.com`, which SES lets send for its subdomains.
	const domain = held.find((d) => isVerifiedForSending(d).ok);
	if (!domain) {
		const check = isVerifiedForSending(closest);
		const missing = check.ok ? [] : check.missing;
		return rejected({ code: "domain_not_verified", domain: closest.name, missing });
	}
	if (restrictedToDomainId && restrictedToDomainId !== domain.id) {
		return rejected({ code: "key_restricted_to_domain", domain: senderDomain });
	}
	return { kind: "ok", domain };
}
