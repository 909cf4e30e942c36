/**
 * Adding a domain: decide whether this account may claim the name, register it as an identity
 * in our shared SES account (v2 for the DKIM tokens, v1 for the `_amazonses` TXT token, and the
 * custom MAIL FROM domain), then store it.
 *
 * Who may: an approved account with a Growth or Pro plan in good standing (the product page's
 * order: approval, plan, then domains), within its plan's limits on domains and on domains
 * waiting for verification (src/domain/plans.ts). Which names: one no other account holds, not
 * under another account's verified domain (whoever verified `acme.com` controls its zone, and
 * SES lets a verified domain's subdomains send), and not a reserved one; all three get the same
 * answer, so it never says whose a name is. A parent of another account's verified subdomain
 * may be claimed: controlling `acme.com`'s zone is the higher proof. A claim that never
 * verifies lapses after 72 hours and frees the name (src/domain/domain-lifecycle.ts).
 *
 * A BYOC domain (`path: "byoc"`) is registered in the customer's own SES (the caller hands in
 * that client and region): no approval or plan is needed, the name is unique only within the
 * account (the identity is theirs, so it holds no name in our SES account), and the limits are
 * BYOC_LIMITS rather than the plan's.
 *
 * SES is called before D1 is written, so a failure part-way deletes the identity again and
 * leaves nothing half-created. The name is unique in D1 among unreleased rows, and the limits
 * are enforced by the insert itself (one D1 transaction), so concurrent adds cannot pass them.
 */
import type { Db } from "../db/client.ts";
import {
	countAccountDomains,
	countHeldDomains,
	type DomainRow,
	findAccountDomainByName,
	findHeldNames,
	findSharedDomainByName,
	insertDomainWithinLimits,
} from "../db/queries/domains.ts";
import type { SendingPath } from "../db/schema.ts";
import { uuidv7 } from "../lib/ids.ts";
import { MINUTE } from "../lib/time.ts";
import type { SesClient, SesOutcome } from "../services/ses.ts";
import { verifiedOnce } from "./domain-checks.ts";
import { parentDomains } from "./domains.ts";
import { PLAN_LIMITS, type SendingAccount, sharedSesRefusal } from "./plans.ts";
import { type Rejected, rejected } from "./refusals.ts";

export type Registration =
	| { kind: "created"; domain: DomainRow }
	| { kind: "existing"; domain: DomainRow }
	| { kind: "ses_unavailable"; message: string }
	| { kind: "ses_refused"; message: string }
	| Rejected;

/** SES's own domains: nobody's to claim, and answered like a name another account holds. */
const RESERVED_DOMAINS = new Set(["amazonses.com", "amazonaws.com"]);

/**
 * SES allows 10,000 identities per region in one account (SES Developer Guide, "Creating and
 * verifying identities"); every unreleased domain of every account is one. Near the limit we
 * alert (a log line to alert on) and then stop taking new domains, keeping room for the
 * re-registrations of existing customers while more capacity (another SES account) is added.
 */
export const SES_IDENTITY_LIMIT = 10_000;
export const IDENTITY_ALERT_AT = 8_000;
export const IDENTITY_REFUSE_AT = 9_500;

/**
 * BYOC domains cost the customer's SES, not ours, and need no plan: these caps only keep one
 * account's rows bounded (and the pending cap bounds the checks the cron makes for it).
 */
export const BYOC_LIMITS = { maxDomains: 100, maxPendingDomains: 20 } as const;

const limitsFor = (path: SendingPath, plan: SendingAccount["plan"]) =>
	path === "byoc"
		? { max: BYOC_LIMITS.maxDomains, maxPending: BYOC_LIMITS.maxPendingDomains }
		: { max: PLAN_LIMITS[plan].maxDomains, maxPending: PLAN_LIMITS[plan].maxPendingDomains };

const failure = (outcome: Exclude<SesOutcome<unknown>, { kind: "ok" }>): Registration =>
	outcome.kind === "retry"
		? { kind: "ses_unavailable", message: `${outcome.code}: ${outcome.message}` }
		: { kind: "ses_refused", message: `${outcome.code}: ${outcome.message}` };

/** Why this account may not claim `name` now (null: it may), from one D1 round trip. */
async function claimRefusal(
	db: Db,
	account: { id: string } & SendingAccount,
	name: string,
	path: SendingPath,
): Promise<Registration | null> {
	const standing = path === "shared" ? sharedSesRefusal(account) : null;
	if (standing?.code === "verification_required") {
		return rejected({ code: "domains_need_approval" });
	}
	if (standing?.code === "plan_required") {
		const { plan, subscriptionStatus } = account;
		return rejected({ code: "domains_need_plan", plan, subscriptionStatus });
	}

	const parents = parentDomains(name);
	const [held, [counts], [everyone]] = await db.batch([
		findHeldNames(db, [name, ...parents]),
		countAccountDomains(db, account.id, path),
		countHeldDomains(db),
	]);
	const own = held.find((d) => d.name === name && d.accountId === account.id);
	if (own && own.sendingPath !== path) {
		return rejected({ code: "domain_on_other_path", domain: name, path: own.sendingPath });
	}
	if (own) return { kind: "existing", domain: own };

	const limits = limitsFor(path, account.plan);
	for (const [limit, max, used] of [
		["domains", limits.max, counts?.held ?? 0],
		["pending_domains", limits.maxPending, counts?.pending ?? 0],
	] as const) {
		if (used >= max) {
			return rejected({ code: "domain_limit_reached", limit, max, plan: account.plan, path });
		}
	}

	const reserved = [name, ...parents].some((n) => RESERVED_DOMAINS.has(n));
	// Another account's name or verified parent matters only in our SES account.
	const taken =
		path === "shared" &&
		held.some(
			(d) =>
				d.accountId !== account.id &&
				d.sendingPath === "shared" &&
				(d.name === name || verifiedOnce(d)),
		);
	if (reserved || taken) return rejected({ code: "domain_unavailable", domain: name });
	if (path === "byoc") return null;

	const identities = everyone?.held ?? 0;
	if (identities >= IDENTITY_ALERT_AT) {
		console.error(
			`ALERT: ${identities} of the shared SES account's ${SES_IDENTITY_LIMIT} identities are in use; new domains are refused from ${IDENTITY_REFUSE_AT}.`,
		);
	}
	if (identities >= IDENTITY_REFUSE_AT) return rejected({ code: "domain_capacity_reached" });
	return null;
}

export async function registerDomain(
	deps: { db: Db; ses: SesClient; region: string },
	account: { id: string } & SendingAccount,
	request: { name: string; mailFromDomain: string; path: SendingPath },
	now = Date.now(),
): Promise<Registration> {
	const { name, mailFromDomain, path } = request;
	const refusal = await claimRefusal(deps.db, account, name, path);
	if (refusal) return refusal;

	let identity = await deps.ses.createEmailIdentity(name);
	if (identity.kind === "fail" && identity.code === "AlreadyExistsException") {
		// Left by an attempt that could not clean up after itself; no row holds the name.
		identity = await deps.ses.getEmailIdentity(name);
	}
	if (identity.kind !== "ok") return failure(identity);
	const dkimTokens = identity.value.DkimAttributes?.Tokens ?? [];

	/** Deletes the identity unless a row holds it by now (another request of ours, a race). */
	const undo = async <T>(result: T): Promise<T> => {
		const holder = await findHolder();
		if (!holder) await deps.ses.deleteEmailIdentity(name);
		return result;
	};
	/** Whose row holds this identity: any account's in our SES, this account's in its own. */
	const findHolder = () =>
		path === "shared"
			? findSharedDomainByName(deps.db, name)
			: findAccountDomainByName(deps.db, account.id, name);
	const token = await deps.ses.verifyDomainIdentity(name);
	if (token.kind !== "ok") return undo(failure(token));
	const mailFrom = await deps.ses.putMailFrom(name, mailFromDomain);
	if (mailFrom.kind !== "ok") return undo(failure(mailFrom));

	const domain: DomainRow = {
		id: uuidv7(now),
		accountId: account.id,
		name,
		sendingPath: path,
		region: deps.region,
		ownershipStatus: "not_started",
		dkimStatus: "not_started",
		spfStatus: "not_started",
		mailFromStatus: "not_started",
		dmarcStatus: "not_started",
		verificationToken: token.value,
		dkimTokens,
		mailFromDomain,
		diagnosis: null,
		createdAt: now,
		lastCheckedAt: null,
		verifiedAt: null,
		// The first automatic check comes a few minutes after the customer sees the records.
		nextCheckAt: now + 5 * MINUTE,
		checkAttempts: 0,
		lastVerifiedAt: null,
		ownershipCheckedAt: null,
		dkimCheckedAt: null,
		releasedAt: null,
	};
	const limits = limitsFor(path, account.plan);
	let kept: boolean;
	try {
		kept = await insertDomainWithinLimits(deps.db, domain, limits);
	} catch (cause) {
		// Another request took the name meanwhile: the identity is now theirs, keep it.
		const winner = await findHolder();
		if (winner)
			return winner.accountId === account.id
				? { kind: "existing", domain: winner }
				: rejected({ code: "domain_unavailable", domain: name });
		await deps.ses.deleteEmailIdentity(name);
		throw cause;
	}
	if (kept) return { kind: "created", domain };

	// Concurrent adds went past a limit; say which one it is now.
	const [counts] = await countAccountDomains(deps.db, account.id, path);
	const full = (counts?.held ?? 0) >= limits.max;
	return undo(
		rejected({
			code: "domain_limit_reached",
			limit: full ? "domains" : "pending_domains",
			max: full ? limits.max : limits.maxPending,
			plan: account.plan,
			path,
		}),
	);
}
