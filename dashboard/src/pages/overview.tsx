/**
 * The first page after logging in: what is left before the account can send, how much of the
 * month's allowance is used, and how close the bounce and complaint rates are to suspension.
 */
import { useQuery } from "@tanstack/react-query";
import { accountQuery } from "../components/overview/account-query.ts";
import { SetupChecklist } from "../components/overview/checklist.tsx";
import { ReputationCard } from "../components/overview/reputation.tsx";
import { SuspensionBanner } from "../components/overview/suspension-banner.tsx";
import { PlanUsage } from "../components/overview/usage.tsx";
import { PageHeader } from "../components/ui/containers.tsx";
import { ErrorNote, Loading, Notice } from "../components/ui/status.tsx";

export function Page() {
	const account = useQuery(accountQuery);
	return (
		<>
			<PageHeader
				title="Overview"
				description={account.data ? account.data.name : "Your account at a glance."}
			/>
			{account.isPending ? (
				<Loading what="Loading your account" />
			) : account.isError ? (
				<ErrorNote error={account.error} retry={() => account.refetch()} />
			) : (
				<div className="space-y-6">
					<SuspensionBanner account={account.data} />
					{account.data.can_send ? (
						<Notice tone="green">Your account can send email.</Notice>
					) : account.data.cannot_send_reason && !account.data.suspension.suspended ? (
						<Notice tone="yellow">{account.data.cannot_send_reason}</Notice>
					) : null}
					<SetupChecklist account={account.data} />
					<div className="grid gap-6 xl:grid-cols-2">
						<PlanUsage account={account.data} />
						<ReputationCard />
					</div>
				</div>
			)}
		</>
	);
}
