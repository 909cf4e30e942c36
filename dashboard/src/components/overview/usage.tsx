/**
 * The plan and this month's recipients against its quota. The quota counts recipients, not
 * requests, and resets on the first of the month (UTC), so the figures say both.
 */
import { Link } from "@tanstack/react-router";
import { useId } from "react";
import { Card } from "../ui/containers.tsx";
import { formatDate, formatNumber, formatPercent } from "../ui/format.ts";
import { StatusBadge } from "../ui/status.tsx";
import { type Account, planInGoodStanding } from "./account-query.ts";

const PLAN_NAMES = { free: "Free", growth: "Growth", pro: "Pro" } as const;

const nextMonthStart = (monthStart: string) => {
	const d = new Date(monthStart);
	return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
};

export function PlanUsage({ account }: { account: Account }) {
	const labelId = useId();
	const { emails_this_month: used, monthly_quota: quota } = account.usage;
	const ratio = quota > 0 ? used / quota : 0;
	const resets = nextMonthStart(account.usage.month_start).toLocaleDateString(undefined, {
		dateStyle: "medium",
		timeZone: "UTC",
	});
	const bar = ratio >= 1 ? "bg-red-600" : ratio >= 0.8 ? "bg-amber-500" : "bg-indigo-600";

	return (
		<Card
			title="Plan and usage"
			actions={
				<Link
					to="/billing"
					className="rounded-md px-2 py-1 text-sm font-medium text-indigo-700 underline underline-offset-2 hover:bg-indigo-50"
				>
					Billing
				</Link>
			}
		>
			<dl className="mb-4 grid grid-cols-2 gap-4 text-sm">
				<div>
					<dt className="text-slate-600">Plan</dt>
					<dd className="text-lg font-semibold">{PLAN_NAMES[account.plan]}</dd>
				</div>
				<div>
					<dt className="text-slate-600">Subscription</dt>
					<dd className="mt-1 flex flex-wrap items-center gap-2">
						{account.subscription.status === "none" ? (
							"No subscription yet"
						) : (
							<StatusBadge status={account.subscription.status} />
						)}
						{account.subscription.current_period_end ? (
							<span className="text-xs text-slate-600">
								period ends {formatDate(account.subscription.current_period_end)}
							</span>
						) : null}
					</dd>
				</div>
			</dl>
			{quota > 0 ? (
				<>
					<div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
						<span id={labelId} className="font-medium">
							Recipients this month
						</span>
						<span>
							<strong>{formatNumber(used)}</strong> of {formatNumber(quota)} (
							{formatPercent(Math.min(ratio, 1), 1)})
						</span>
					</div>
					<div
						role="progressbar"
						aria-labelledby={labelId}
						aria-valuemin={0}
						aria-valuemax={quota}
						aria-valuenow={Math.min(used, quota)}
						aria-valuetext={`${formatNumber(used)} of ${formatNumber(quota)} recipients`}
						className="mt-2 h-3 overflow-hidden rounded-full bg-slate-100 ring-1 ring-slate-200"
					>
						<div className={`h-full ${bar}`} style={{ width: `${Math.min(ratio, 1) * 100}%` }} />
					</div>
					<p className="mt-2 text-xs text-slate-600">
						{formatNumber(Math.max(quota - used, 0))} left; the count resets on {resets} (UTC).
						{ratio >= 1 ? " Sends over the allowance are refused (monthly_quota_exceeded)." : ""}
					</p>
				</>
			) : (
				<p className="text-sm text-slate-600">
					{planInGoodStanding(account)
						? "This plan has no monthly allowance."
						: "The Free plan cannot send. Growth includes 25,000 recipients a month, Pro 100,000."}
				</p>
			)}
		</Card>
	);
}
