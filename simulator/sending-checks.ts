// What SES checks before it accepts a customer account's SendEmail, in that account's region:
// the sender must be a verified identity (its address, or its domain or a parent domain), and in
// the sandbox so must every recipient, except SES's mailbox simulator addresses. The platform
// account is never checked here: the simulator always accepted any sender for it, and the
// Worker's tests rely on that.

import type { RegionState } from "./aws-accounts.ts";
import { AwsError } from "./aws-error.ts";
import type { DnsStore } from "./dns.ts";
import { evaluateIdentity } from "./identities.ts";
import { SES_MAILBOX_SIMULATOR_DOMAIN } from "./mailbox-simulator.ts";

export interface SendCheck {
	state: RegionState;
	dns: DnsStore;
	region: string;
	sandbox: boolean;
	now: Date;
	from: string;
	recipients: readonly string[];
}

/** Throws SES's MessageRejected naming the identities that failed, if any. */
export function checkCustomerSend(check: SendCheck): void {
	const verified = (address: string) => isVerified(check, address);
	const sender = plainAddress(check.from);
	if (!verified(sender)) throw notVerified(check.region, [sender]);
	if (!check.sandbox) return;
	const failing = check.recipients
		.map(plainAddress)
		.filter((r) => domainOf(r) !== SES_MAILBOX_SIMULATOR_DOMAIN && !verified(r));
	if (failing.length > 0) throw notVerified(check.region, failing);
}

/** The domain part of the sender, the identity SES authorizes a SendEmail against. */
export function senderIdentity(from: string): string {
	return domainOf(plainAddress(from));
}

function isVerified(check: SendCheck, address: string): boolean {
	const lower = address.toLowerCase();
	if (check.state.addresses.has(lower)) return true;
	// A verified domain covers its subdomains too (SES Developer Guide, verified identities).
	const labels = domainOf(lower).split(".");
	for (let i = 0; i < labels.length - 1; i++) {
		const identity = check.state.identities.get(labels.slice(i).join("."));
		if (identity === undefined) continue;
		const { statuses } = evaluateIdentity(identity, check.dns, check.region, check.now);
		if (statuses.verifiedForSending) return true;
	}
	return false;
}

function notVerified(region: string, identities: string[]): AwsError {
	return new AwsError(
		"MessageRejected",
		400,
		`Email address is not verified. The following identities failed the check in region ${region.toUpperCase()}: ${identities.join(", ")}`,
	);
}

/** The address inside `Name <addr>`, as written (SES names it so in its message). */
function plainAddress(address: string): string {
	const angle = /<([^<>]*)>\s*$/.exec(address);
	return (angle?.[1] ?? address).trim();
}

function domainOf(address: string): string {
	return address.slice(address.lastIndexOf("@") + 1).toLowerCase();
}
