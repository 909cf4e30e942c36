/**
 * Staff: one account. Who owns it, what it pays for, its Verification Request (decided here too
 * while pending), its usage and 7-day figures, and its suspension with Reinstate.
 */
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { useState } from "react";
import { ApiFailure, api } from "../../api.ts";
import {
	AccountCard,
	HistoryCard,
	ReputationCard,
	SuspensionCard,
	UsageCard,
} from "../../components/staff/account-sections.tsx";
import { DecisionForm, RequestDetails } from "../../components/staff/request.tsx";
import { CopyValue } from "../../components/ui/buttons.tsx";
import { Card, PageHeader } from "../../components/ui/containers.tsx";
import { ErrorNote, Loading, Notice, StatusBadge } from "../../components/ui/status.tsx";

export function Page() {
	const { accountId } = useParams({ from: "/app/staff/accounts/$accountId" });
	const [announcement, setAnnouncement] = useState<string | null>(null);
	const account = useQuery({
		queryKey: ["staff", "account", accountId],
		queryFn: () => api.staff.account(accountId),
	});

	const back = (
		<Link to="/staff/accounts" className="text-sm font-medium text-indigo-700 underline">
			← Accounts
		</Link>
	);
	if (account.isPending) return <Loading what="Loading the account" />;
	if (account.isError) {
		return (
			<div className="space-y-4">
				{back}
				<ErrorNote
					error={account.error}
					// A missing account stays missing; only other failures are worth retrying.
					retry={
						account.error instanceof ApiFailure && account.error.status === 404
							? undefined
							: () => account.refetch()
					}
				/>
			</div>
		);
	}
	const a = account.data;
	const request = a.verification_request;
	return (
		<>
			<div className="mb-2">{back}</div>
			<PageHeader
				title={a.name}
				description={
					<span className="flex flex-wrap items-center gap-2">
						{a.suspended_at ? <StatusBadge status="suspended" /> : null}
						<span>{a.owner_email ?? "No owner"}</span>
					</span>
				}
			/>
			<div className="space-y-6">
				<div aria-live="polite" aria-atomic="true">
					{announcement ? <Notice tone="green">{announcement}</Notice> : null}
				</div>
				{a.suspended_at ? <SuspensionCard account={a} onReinstated={setAnnouncement} /> : null}
				<AccountCard account={a} />
				<Card title="Verification Request">
					{request ? (
						<div className="space-y-4">
							<RequestDetails request={request} />
							{request.status === "pending" ? (
								<DecisionForm
									request={request}
									accountName={a.name}
									onDecided={(d) => setAnnouncement(d.text)}
								/>
							) : null}
						</div>
					) : (
						<p className="text-sm text-slate-600">
							No Verification Request yet (verification: {a.verification_status}).
						</p>
					)}
				</Card>
				<div className="grid gap-6 lg:grid-cols-3">
					<UsageCard usage={a.usage} />
					<div className="lg:col-span-2">
						<ReputationCard reputation={a.reputation} />
					</div>
				</div>
				<HistoryCard actions={a.actions} />
				<Card title="Account id">
					<CopyValue value={a.id} label="account id" />
				</Card>
			</div>
		</>
	);
}
