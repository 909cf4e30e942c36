/** The cards of one account's staff page: suspension, usage and 7-day figures, and history. */
import type { Schemas } from "../../api.ts";
import { Card, Cell, Table } from "../ui/containers.tsx";
import { formatDate, formatNumber, formatPercent } from "../ui/format.ts";
import { Notice, StatusBadge } from "../ui/status.tsx";
import { Details } from "./details.tsx";
import { FigureList } from "./figures.tsx";
import { ReinstateForm } from "./reinstate.tsx";

type Account = Schemas["StaffAccountDetail"];

export function SuspensionCard({
	account,
	onReinstated,
}: {
	account: Account;
	onReinstated: (message: string) => void;
}) {
	return (
		<Card title="Suspension">
			<div className="space-y-4">
				<Notice tone="yellow">
					Sending suspended since {formatDate(account.suspended_at)}:{" "}
					{account.suspension_reason ?? "no reason recorded"}
				</Notice>
				<div>
					<h3 className="mb-2 text-sm font-semibold">Figures at suspension</h3>
					<FigureList figures={account.suspension_details} />
				</div>
				<ReinstateForm
					accountId={account.id}
					accountName={account.name}
					onReinstated={onReinstated}
				/>
			</div>
		</Card>
	);
}

export function UsageCard({ usage }: { usage: Account["usage"] }) {
	const { emails_this_month: used, monthly_quota: quota } = usage;
	return (
		<Card title="Usage this month">
			<p className="text-2xl font-semibold">
				{formatNumber(used)}{" "}
				<span className="text-base font-normal text-slate-600">
					of {formatNumber(quota)} recipients
				</span>
			</p>
			<p className="mt-1 text-sm text-slate-600">
				{quota > 0
					? `${formatPercent(used / quota, 1)} of the plan's monthly quota (calendar month, UTC).`
					: "The plan includes no sending."}
			</p>
		</Card>
	);
}

export function ReputationCard({ reputation: r }: { reputation: Account["reputation"] }) {
	const headroom = (n: number | null) => (n === null ? "—" : formatNumber(n));
	return (
		<Card title={`Reputation (last ${r.window_days} days)`}>
			<div className="space-y-3">
				<FigureList
					figures={r}
					extra={[
						["More hard bounces to suspend", headroom(r.headroom.hard_bounces_before_suspension)],
						["More complaints to suspend", headroom(r.headroom.complaints_before_suspension)],
						["Window restarted", r.window_start ? formatDate(r.window_start) : "—"],
					]}
				/>
				<p className="text-sm text-slate-600">
					Nothing suspends below {formatNumber(r.thresholds.min_sends)} recipients in the window, so
					the headroom shows — until then.
				</p>
			</div>
		</Card>
	);
}

export function HistoryCard({ actions }: { actions: Account["actions"] }) {
	return (
		<Card title="Suspension history">
			{actions.length === 0 ? (
				<p className="text-sm text-slate-600">No suspension or reinstatement recorded.</p>
			) : (
				<Table head={["When", "What", "Reason or note"]}>
					{actions.map((a) => (
						<tr key={`${a.action}-${a.at}`}>
							<Cell className="whitespace-nowrap">{formatDate(a.at)}</Cell>
							<Cell className="capitalize">{a.action}</Cell>
							<Cell className="min-w-64">{a.reason}</Cell>
						</tr>
					))}
				</Table>
			)}
		</Card>
	);
}

export function AccountCard({ account }: { account: Account }) {
	return (
		<Card title="Account">
			<Details
				columns={3}
				items={[
					["Owner", account.owner_email ?? "No owner (made by a seed or script)"],
					[
						"Plan",
						<span key="plan" className="capitalize">
							{account.plan}
						</span>,
					],
					["Subscription", <StatusBadge key="sub" status={account.subscription_status} />],
					["Paid until", formatDate(account.current_period_end)],
					["Verification", <StatusBadge key="ver" status={account.verification_status} />],
					["Created", formatDate(account.created_at)],
				]}
			/>
		</Card>
	);
}
