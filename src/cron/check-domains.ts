/**
 * Re-checks domains in the background: pending ones with backoff (5 minutes doubling to 6 hours)
 * until they verify or fail at 72 hours, verified ones daily so a record removed later shows up
 * (and stops sending once SES notices). Bounded per run: each check is about ten subrequests.
 */
import type { Db } from "../db/client.ts";
import { domainsDueForCheck, updateDomain } from "../db/queries/domains.ts";
import { checkDomain } from "../domain/domain-checks.ts";
import type { DnsResolver } from "../services/dns.ts";
import type { SesClient } from "../services/ses.ts";

const MAX_PER_RUN = 25;
const SES_UNAVAILABLE_RETRY = 5 * 60_000;

export async function checkDueDomains(
	deps: { db: Db; ses: SesClient; resolve: DnsResolver; region: string },
	now = Date.now(),
): Promise<{ checked: number; changed: number }> {
	const due = await domainsDueForCheck(deps.db, now, MAX_PER_RUN);
	let changed = 0;
	for (const domain of due) {
		const result = await checkDomain(deps, domain, "both", now);
		if (result.kind === "ses_unavailable") {
			await updateDomain(deps.db, domain.id, { nextCheckAt: now + SES_UNAVAILABLE_RETRY });
			continue;
		}
		const { update } = result;
		if (
			update.ownershipStatus !== domain.ownershipStatus ||
			update.dkimStatus !== domain.dkimStatus
		) {
			changed++;
			console.log(
				`domain ${domain.name}: ownership ${update.ownershipStatus}, DKIM ${update.dkimStatus}`,
			);
		}
		await updateDomain(deps.db, domain.id, update);
	}
	return { checked: due.length, changed };
}
