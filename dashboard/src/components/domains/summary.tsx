/** Where a domain stands: its statuses, region and the times that matter (the 72-hour window). */

import { formatDate } from "../ui/format.ts";
import { Notice, StatusBadge } from "../ui/status.tsx";
import { PathBadge } from "./path-badge.tsx";
import type { Domain } from "./queries.ts";

export function DomainSummary({ domain }: { domain: Domain }) {
	const facts: [string, React.ReactNode][] = [
		["Status", <StatusBadge key="s" status={domain.status} />],
		["Ownership", <StatusBadge key="o" status={domain.ownership_status} />],
		["DKIM", <StatusBadge key="d" status={domain.dkim_status} />],
		["SPF", <StatusBadge key="spf" status={domain.spf_status} />],
		["MAIL FROM", <StatusBadge key="m" status={domain.mail_from_status} />],
		["DMARC", <StatusBadge key="dm" status={domain.dmarc_status} />],
		["Path", <PathBadge key="p" path={domain.sending_path} />],
		["Region", domain.sending_path === "byoc" ? `${domain.region} (your SES)` : domain.region],
		["Added", formatDate(domain.created_at)],
		["Last checked", domain.last_checked_at ? formatDate(domain.last_checked_at) : "Not yet"],
	];
	if (domain.last_verified_at) facts.push(["Last verified", formatDate(domain.last_verified_at)]);
	return (
		<div className="space-y-4">
			<dl className="grid grid-cols-2 gap-x-4 gap-y-3 text-sm sm:grid-cols-3 lg:grid-cols-5">
				{facts.map(([term, value]) => (
					<div key={term}>
						<dt className="text-xs font-medium text-slate-600">{term}</dt>
						<dd className="mt-0.5">{value}</dd>
					</div>
				))}
			</dl>
			<StandingNote domain={domain} />
		</div>
	);
}

function StandingNote({ domain }: { domain: Domain }) {
	if (domain.status === "verified") {
		return (
			<Notice tone="green">
				Ownership and DKIM are verified: you can send from {domain.name} and its subdomains.
			</Notice>
		);
	}
	if (domain.expires_at && domain.status === "failed") {
		return (
			<Notice tone="yellow">
				This domain was not verified within 72 hours and was released. Delete it, add it again and
				publish the records from the new answer: the tokens may have changed.
			</Notice>
		);
	}
	if (domain.expires_at) {
		return (
			<Notice tone="yellow">
				Publish the required records below, then use Verify ownership and Verify DKIM. Verify before{" "}
				{formatDate(domain.expires_at)}, or the domain fails and its name is released. We also check
				in the background.
			</Notice>
		);
	}
	return (
		<Notice tone="yellow">
			This domain verified before but its latest check did not pass, so it cannot send. Restore the
			required records exactly as listed, then verify again.
		</Notice>
	);
}
