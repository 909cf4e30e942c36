/**
 * Whether a queued email may still go when the send consumer reaches it. Acceptance checked the
 * account and the domain, but mail can wait in the queue: an account suspended, a plan lapsed
 * or a domain that stopped verifying since then must not send what it queued before. Such an
 * email is held: it fails with a reason the customer can act on, and its quota is given back.
 */
import type { DomainRow } from "../db/queries/domains.ts";
import { isVerifiedForSending } from "./domains.ts";
import type { Suspension } from "./guard.ts";
import type { SendingAccount } from "./plans.ts";
import { sharedSesRefusal } from "./plans.ts";

export interface SendTimeStanding {
	/** Null when the account is gone (deleted meanwhile). */
	account:
		| (SendingAccount & { suspendedAt: number | null; suspensionReason: string | null })
		| null;
	/** Null when the domain was deleted meanwhile. */
	domain: Pick<DomainRow, "name" | "ownershipStatus" | "dkimStatus"> | null;
	/** The account guard's suspension (the authority; D1 mirrors it). */
	suspension: Suspension | null;
}

export function holdReason(standing: SendTimeStanding): { code: string; reason: string } | null {
	const { account, domain, suspension } = standing;
	if (!account) return { code: "AccountDeleted", reason: "Not sent: the account was deleted." };
	if (suspension || account.suspendedAt !== null) {
		const why = suspension?.reason ?? account.suspensionReason ?? "";
		return {
			code: "AccountSuspended",
			reason:
				`Not sent: the account's sending was suspended after the email was accepted. ${why}`.trim(),
		};
	}
	const refusal = sharedSesRefusal(account);
	if (refusal) {
		return {
			code: refusal.code === "plan_required" ? "PlanLapsed" : "AccountNotApproved",
			reason:
				refusal.code === "plan_required"
					? "Not sent: the account's Growth or Pro plan is no longer in good standing."
					: "Not sent: the account is not approved for Shared SES.",
		};
	}
	if (!domain)
		return { code: "DomainDeleted", reason: "Not sent: the sending domain was deleted." };
	const check = isVerifiedForSending(domain);
	if (!check.ok) {
		return {
			code: "DomainNotVerified",
			reason: `Not sent: ${domain.name} is no longer verified (${check.missing.join(" and ")}).`,
		};
	}
	return null;
}
