/**
 * "Verify ownership" and "Verify DKIM": each asks SES and DNS now and answers with the domain
 * as the check left it. The answer's findings are shown next to the buttons, because the
 * records table below may be out of sight on a phone.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type Schemas } from "../../api.ts";
import { Button } from "../ui/buttons.tsx";
import { formatDate } from "../ui/format.ts";
import { ErrorNote, StatusBadge } from "../ui/status.tsx";
import { type Domain, domainQuery, domainsKey } from "./queries.ts";
import { DiagnosisDetail, DiagnosisState } from "./records.tsx";

type Kind = "ownership" | "dkim";
type Outcome = { kind: Kind; check: Schemas["DomainCheck"] } | { kind: Kind; error: unknown };

const KINDS = {
	ownership: { label: "Verify ownership", record: "Ownership", title: "Ownership check" },
	dkim: { label: "Verify DKIM", record: "DKIM", title: "DKIM check" },
} as const;

export function VerifyChecks({ domain }: { domain: Domain }) {
	const queryClient = useQueryClient();
	const [outcomes, setOutcomes] = useState<Partial<Record<Kind, Outcome>>>({});
	const verify = useMutation({
		mutationFn: (kind: Kind) =>
			kind === "ownership"
				? api.domains.verifyOwnership(domain.id)
				: api.domains.verifyDkim(domain.id),
		onSuccess: async (check, kind) => {
			setOutcomes((all) => ({ ...all, [kind]: { kind, check } }));
			const { checked: _, next_check_allowed_at: __, ...fresh } = check;
			queryClient.setQueryData(domainQuery(domain.id).queryKey, fresh);
			await queryClient.invalidateQueries({ queryKey: [...domainsKey, "list"] });
		},
		onError: async (error, kind) => {
			setOutcomes((all) => ({ ...all, [kind]: { kind, error } }));
			// A refusal such as 409 (released after 72 hours) means the page's copy is stale.
			await queryClient.invalidateQueries({ queryKey: domainQuery(domain.id).queryKey });
		},
	});
	const running = verify.isPending ? verify.variables : null;

	return (
		<div className="space-y-4">
			<div className="flex flex-wrap gap-2">
				{(["ownership", "dkim"] as const).map((kind) => (
					<Button
						key={kind}
						tone={domain[`${kind}_status`] === "verified" ? "secondary" : "primary"}
						busy={running === kind}
						disabled={verify.isPending}
						onClick={() => verify.mutate(kind)}
					>
						{KINDS[kind].label}
					</Button>
				))}
			</div>
			<div aria-live="polite" className="grid gap-4 lg:grid-cols-2">
				{outcomes.ownership ? <CheckOutcome outcome={outcomes.ownership} /> : null}
				{outcomes.dkim ? <CheckOutcome outcome={outcomes.dkim} /> : null}
			</div>
		</div>
	);
}

function CheckOutcome({ outcome }: { outcome: Outcome }) {
	const { title, record } = KINDS[outcome.kind];
	if ("error" in outcome) {
		return (
			<div className="space-y-1">
				<p className="text-sm font-medium">{title} could not run.</p>
				<ErrorNote error={outcome.error} />
			</div>
		);
	}
	const { check } = outcome;
	const status = check[`${outcome.kind}_status`];
	const records = check.records.filter((r) => r.record === record);
	return (
		<div className="space-y-3 rounded-md bg-slate-50 p-3 text-sm ring-1 ring-slate-200">
			<p className="flex flex-wrap items-center gap-2 font-medium">
				{title}: <StatusBadge status={status} />
			</p>
			{check.checked ? null : (
				<p className="text-slate-700">
					The last check was less than a minute ago, so this is its result. The next check can run
					from {formatDate(check.next_check_allowed_at)}.
				</p>
			)}
			{status !== "verified" && records.every((r) => r.diagnosis?.state === "found") ? (
				<p className="text-slate-700">
					Every record is in place; SES has not seen it yet. Try again in a few minutes: we also
					keep checking in the background.
				</p>
			) : null}
			<ul className="space-y-2">
				{records.map((r) => (
					<li key={r.name} className="space-y-0.5">
						<div className="flex flex-wrap items-baseline gap-x-2">
							<code className="font-mono text-xs break-all">
								{r.type} {r.name}
							</code>
							<DiagnosisState diagnosis={r.diagnosis} />
						</div>
						{r.diagnosis?.state === "found" ? null : <DiagnosisDetail diagnosis={r.diagnosis} />}
					</li>
				))}
			</ul>
		</div>
	);
}
