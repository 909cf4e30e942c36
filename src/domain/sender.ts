/**
 * Who is sending, and the request's one round trip of lookups: the sender's candidate domains,
 * its suppressed recipients and, for a key taken from the API's warm-key cache, the key itself
 * (src/middleware/auth.ts), so a revoked key stops at once without a query of its own.
 */
import type { Db } from "../db/client.ts";
import { type ApiKeyLookupRow, findApiKeyByHashStatement } from "../db/queries/api-keys.ts";
import { findDomainsByNames } from "../db/queries/domains.ts";
import { findSuppressedStatement } from "../db/queries/suppressions.ts";
import type { Plan, SubscriptionStatus, VerificationStatus } from "../db/schema.ts";

/** The account's standing, as every request loads it with the credential. */
export interface SenderAccount {
	plan: Plan;
	verificationStatus: VerificationStatus;
	subscriptionStatus: SubscriptionStatus;
	suspendedAt: number | null;
	suspensionReason: string | null;
	suspensionDetails: Record<string, unknown> | null;
	/** Whether the account has a webhook endpoint: its new emails then emit events. */
	hasWebhooks: boolean;
}

/** Who is sending: the account's standing and what the credential may do. */
export interface Sender {
	accountId: string;
	/** A `sending_access` key may be restricted to one domain. */
	restrictedToDomainId: string | null;
	account: SenderAccount;
}

/**
 * A warm key still to be confirmed: its hash, for the key's lookup, and what D1's answer makes
 * of it (the sender, or null when the key is gone).
 */
export interface KeyCheck<S extends Sender = Sender> {
	tokenHash: string;
	settle(row: ApiKeyLookupRow | undefined): S | null;
}

/**
 * A sender taken from the API's warm-key cache (src/middleware/auth.ts), with its key to read
 * in the same batch as the domain and suppression lookups. Nothing is stored or sent before
 * that answer, and the checks use it, so a revoked key stops at once.
 */
export interface WarmSender {
	cached: Sender;
	check: KeyCheck;
}

/**
 * One round trip for the request's lookups, however many emails it carries: the sending
 * domains' candidates, the suppressed recipients and, for a warm key, the key itself.
 */
export async function lookUpSending(
	db: Db,
	source: Sender | WarmSender,
	domainNames: string[],
	recipients: string[],
) {
	const accountId = "cached" in source ? source.cached.accountId : source.accountId;
	const domainRows = findDomainsByNames(db, accountId, domainNames);
	const suppressedRows = findSuppressedStatement(db, accountId, recipients);
	if (!("cached" in source)) {
		const [domains, suppressed] = await db.batch([domainRows, suppressedRows]);
		return { sender: source, domains, suppressed };
	}
	const [domains, suppressed, [key]] = await db.batch([
		domainRows,
		suppressedRows,
		findApiKeyByHashStatement(db, source.check.tokenHash),
	]);
	return { sender: source.check.settle(key), domains, suppressed };
}
