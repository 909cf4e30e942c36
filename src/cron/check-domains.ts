/**
 * Re-checks domains in the background: unverified ones with backoff (5 minutes doubling to 6
 * hours), claims that never verified until they are released at 72 hours, verified ones daily
 * so a record removed later shows up (and stops sending once SES notices; the owner is told).
 * A domain that verified once is re-checked for as long as it is kept, whatever SES says.
 * Bounded per run: each check is about ten subrequests. Notices recorded here go out with the
 * next run's dispatch (src/cron/index.ts).
 */
import { domainsDueForCheck } from "../db/queries/domains.ts";
import { type DomainCheckDeps, recheckDomain } from "../domain/domain-lifecycle.ts";

const MAX_PER_RUN = 25;

export async function checkDueDomains(
	deps: DomainCheckDeps,
	now = Date.now(),
): Promise<{ checked: number; changed: number }> {
	const due = await domainsDueForCheck(deps.db, now, MAX_PER_RUN);
	let changed = 0;
	for (const domain of due) {
		const result = await recheckDomain(deps, domain, now);
		if (result.kind !== "checked") continue;
		const { ownershipStatus, dkimStatus } = result.domain;
		if (ownershipStatus !== domain.ownershipStatus || dkimStatus !== domain.dkimStatus) {
			changed++;
			console.log(`domain ${domain.name}: ownership ${ownershipStatus}, DKIM ${dkimStatus}`);
		}
	}
	return { checked: due.length, changed };
}
