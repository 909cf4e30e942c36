/**
 * What a domain check leads to, for the verify routes and the cron alike:
 *
 * - Checks are cooled down per kind (ownership, DKIM): within CHECK_COOLDOWN of the last one,
 *   a request is answered with the stored result and when the next check may run, and asks
 *   neither SES nor DNS. The right to check is claimed with a conditional write before asking,
 *   so a burst of requests makes one check, and given back if SES could not be asked.
 * - A claim that never verified is released after 72 hours: its SES identity is deleted first
 *   (a name must never be free in D1 while SES still holds it, or the next claimant would adopt
 *   an identity about to be deleted), then the row is marked released, failed, and kept for
 *   its account to see. While SES cannot delete, the name stays held and the cron tries again.
 * - A domain that was verified and no longer is gets a notice to its owner, recorded in the
 *   same D1 batch as the new status, once per lapse (keyed by when it last verified).
 */
import type { Db } from "../db/client.ts";
import { findOwnerEmail } from "../db/queries/accounts.ts";
import {
	type CheckKind,
	claimChecks,
	type DomainRow,
	findDomain,
	releaseDomain,
	unclaimChecks,
	updateDomain,
	updateDomainStatement,
} from "../db/queries/domains.ts";
import { insertNoticeStatement, type NoticeRow } from "../db/queries/notices.ts";
import { MINUTE, toIso } from "../lib/time.ts";
import type { DnsResolver } from "../services/dns.ts";
import type { SesClient } from "../services/ses.ts";
import { type ByocDeps, byocClientFor } from "./byoc.ts";
import {
	CHECK_COOLDOWN,
	type CheckResult,
	type CheckScope,
	checkDomain,
	type DomainUpdate,
	kindsOf,
} from "./domain-checks.ts";
import { buildNotice } from "./notices.ts";
import { type Rejected, rejected } from "./refusals.ts";
import type { WebhookMessage } from "./webhook-delivery.ts";
import {
	domainEvent,
	domainStatusesChanged,
	emitEvents,
	enqueueDeliveries,
	outwardEventStatements,
} from "./webhook-events.ts";

export interface DomainCheckDeps {
	db: Db;
	/** `domain.updated` deliveries to the customer's endpoints. */
	webhookQueue: Queue<WebhookMessage>;
	/** Our shared SES account. */
	ses: SesClient;
	/** The customer's own SES, for BYOC domains. */
	byoc: ByocDeps;
	resolve: DnsResolver;
	region: string;
}

/** The deps with the SES that holds this domain's identity: ours, or the customer's (BYOC). */
async function withDomainSes(
	deps: DomainCheckDeps,
	domain: DomainRow,
): Promise<{ kind: "ok"; deps: DomainCheckDeps } | Rejected> {
	if (domain.sendingPath === "shared") return { kind: "ok", deps };
	const client = await byocClientFor(deps.byoc, domain.accountId, domain.region);
	if (client.kind !== "ok") return client;
	return { kind: "ok", deps: { ...deps, ses: client.ses, region: client.region } };
}

/** How long the cron waits before asking SES again when it could not be asked. */
export const SES_UNAVAILABLE_RETRY = 5 * MINUTE;

export type Checked = {
	kind: "checked";
	domain: DomainRow;
	/** The owner's notice this check recorded, to dispatch now (the cron's next run would too). */
	notice: NoticeRow | null;
};

export type CheckOutcome =
	| (Checked & { nextCheckAllowedAt: number })
	| { kind: "cooling_down"; domain: DomainRow; nextCheckAllowedAt: number }
	| { kind: "ses_unavailable"; message: string }
	| Rejected;

const checkedAtOf = (domain: DomainRow, kind: CheckKind) =>
	kind === "ownership" ? domain.ownershipCheckedAt : domain.dkimCheckedAt;

/** When a check of `kinds` will next ask SES: as soon as one of them is out of its cooldown. */
const nextAllowed = (domain: DomainRow, kinds: CheckKind[], now: number) =>
	Math.min(...kinds.map((kind) => (checkedAtOf(domain, kind) ?? now) + CHECK_COOLDOWN));

/** A check the owner asked for ("Verify ownership", "Verify DKIM", Resend's "verify"). */
export async function checkDomainNow(
	given: DomainCheckDeps,
	domain: DomainRow,
	scope: CheckScope,
	now: number,
): Promise<CheckOutcome> {
	if (domain.releasedAt !== null) return rejected({ code: "domain_released", domain: domain.name });
	const resolved = await withDomainSes(given, domain);
	if (resolved.kind !== "ok") return resolved;
	const { deps } = resolved;
	const kinds = kindsOf(scope);
	const claimed = await claimChecks(deps.db, domain.id, kinds, now, now - CHECK_COOLDOWN);
	const [only, other] = claimed;
	if (!only) {
		const stored = (await findDomain(deps.db, domain.accountId, domain.id)) ?? domain;
		return {
			kind: "cooling_down",
			domain: stored,
			nextCheckAllowedAt: nextAllowed(stored, kinds, now),
		};
	}
	// Only what is out of its cooldown is asked about.
	const result = await checkDomain(deps, domain, other ? "both" : only, now);
	if (result.kind === "ses_unavailable") {
		await unclaimChecks(deps.db, domain, claimed, now);
		return result;
	}
	const settled = await settleCheck(deps, domain, result, now);
	if (settled.kind !== "checked") return settled;
	return { ...settled, nextCheckAllowedAt: nextAllowed(settled.domain, kinds, now) };
}

/**
 * The cron's re-check of a due domain (both kinds, no cooldown: it is the schedule). A released
 * claim is never checked again: its name, and the SES identity of that name, may be another
 * account's by now.
 */
export async function recheckDomain(
	given: DomainCheckDeps,
	domain: DomainRow,
	now: number,
): Promise<Checked | { kind: "ses_unavailable"; message: string } | { kind: "released" }> {
	if (domain.releasedAt !== null) return { kind: "released" };
	const resolved = await withDomainSes(given, domain);
	if (resolved.kind !== "ok") {
		// A BYOC domain whose connection is missing or broken waits like an unreachable SES.
		await updateDomain(given.db, domain.id, { nextCheckAt: now + SES_UNAVAILABLE_RETRY });
		return { kind: "ses_unavailable", message: resolved.reason.code };
	}
	const { deps } = resolved;
	const result = await checkDomain(deps, domain, "both", now);
	if (result.kind === "ses_unavailable") {
		await updateDomain(deps.db, domain.id, { nextCheckAt: now + SES_UNAVAILABLE_RETRY });
		return result;
	}
	return settleCheck(deps, domain, result, now);
}

/** Stores a check's result: a release for a lapsed claim, a notice for a lapsed domain. */
async function settleCheck(
	deps: DomainCheckDeps,
	domain: DomainRow,
	result: Extract<CheckResult, { kind: "checked" }>,
	now: number,
): Promise<Checked | { kind: "ses_unavailable"; message: string }> {
	const { update } = result;
	if (result.expired) return releaseClaim(deps, domain, update, now);
	const notice = result.lapsed ? await lapseNotice(deps.db, domain, update, now) : null;
	const after = { ...domain, ...update };
	const emit = await outwardEventStatements(
		deps.db,
		domainStatusesChanged(domain, after) ? [domainEvent("domain.updated", after, now)] : [],
	);
	const results = await deps.db.batch([
		updateDomainStatement(deps.db, domain.id, update),
		...(notice ? [insertNoticeStatement(deps.db, notice)] : []),
		...emit.statements,
	]);
	await enqueueDeliveries(deps, emit.deliveriesIn(results, notice ? 2 : 1));
	return { kind: "checked", domain: after, notice };
}

async function releaseClaim(
	deps: DomainCheckDeps,
	domain: DomainRow,
	update: DomainUpdate,
	now: number,
): Promise<Checked | { kind: "ses_unavailable"; message: string }> {
	const deleted = await deps.ses.deleteEmailIdentity(domain.name);
	if (deleted.kind !== "ok" && deleted.code !== "NotFoundException") {
		await updateDomain(deps.db, domain.id, { nextCheckAt: now + SES_UNAVAILABLE_RETRY });
		return { kind: "ses_unavailable", message: `${deleted.code}: ${deleted.message}` };
	}
	const released = { ...update, releasedAt: now, nextCheckAt: null };
	await releaseDomain(deps.db, domain.id, released);
	await emitEvents(deps, [domainEvent("domain.updated", { ...domain, ...released }, now)]);
	console.log(`domain ${domain.name}: not verified within 72 hours; released`);
	return { kind: "checked", domain: { ...domain, ...released }, notice: null };
}

async function lapseNotice(
	db: Db,
	domain: DomainRow,
	update: DomainUpdate,
	now: number,
): Promise<NoticeRow | null> {
	const owner = await findOwnerEmail(db, domain.accountId);
	if (!owner) return null;
	const lastVerified = domain.lastVerifiedAt ?? domain.verifiedAt ?? domain.createdAt;
	const failing = [
		update.ownershipStatus === "verified" ? null : "ownership (the _amazonses TXT record)",
		update.dkimStatus === "verified" ? null : "DKIM (the three CNAME records)",
	].filter((part): part is string => part !== null);
	return buildNotice(
		{ key: `domain-lapsed:${domain.id}`, keyTime: lastVerified },
		{
			accountId: domain.accountId,
			to: owner,
			subject: `Your domain ${domain.name} no longer verifies`,
			text: `SES can no longer confirm ${failing.join(" and ")} for ${domain.name}, which last verified at ${toIso(lastVerified)}. Sending from ${domain.name} is refused until it verifies again.\n\nCheck that the domain's DNS records are still published as shown in the dashboard (GET /domains/${domain.id} says what DNS holds for each). SendFleet keeps checking, and the domain sends again as soon as SES confirms the records.\n`,
		},
		now,
	);
}
