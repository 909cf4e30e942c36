/**
 * Shown while the account's sending is suspended: why (the API's own reason, which carries the
 * figures that crossed the line), since when, the current window's figures, and the guide
 * that explains how to get reinstated.
 */
import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { formatDate, formatNumber } from "../ui/format.ts";
import type { Account } from "./account-query.ts";
import { percent } from "./rate-bar.tsx";
import { reputationQuery } from "./reputation.tsx";

const count = (n: number, what: string) => `${formatNumber(n)} ${what}${n === 1 ? "" : "s"}`;

export function SuspensionBanner({ account }: { account: Account }) {
	const reputation = useQuery(reputationQuery);
	if (!account.suspension.suspended) return null;
	const r = reputation.data;
	return (
		<section
			aria-labelledby="suspension-title"
			className="rounded-lg bg-red-50 p-4 text-sm text-red-900 ring-1 ring-red-300 sm:p-5"
		>
			<h2 id="suspension-title" className="text-base font-semibold">
				Sending is suspended
			</h2>
			<p className="mt-1">
				{account.suspension.reason ?? "Your bounce or complaint rate crossed a limit."}
				{account.suspension.since ? ` Since ${formatDate(account.suspension.since)}.` : ""}
			</p>
			{r ? (
				<p className="mt-2">
					Last {r.window_days} days: {count(r.sends, "recipient")},{" "}
					{count(r.hard_bounces, "hard bounce")} ({percent(r.bounce_rate)}, limit{" "}
					{percent(r.thresholds.bounce_rate)}), {count(r.complaints, "complaint")} (
					{percent(r.complaint_rate)}, limit {percent(r.thresholds.complaint_rate)}).
				</p>
			) : null}
			<p className="mt-2">
				POST /emails answers 403 account_suspended until our staff lift the suspension; the rest of
				the API keeps working.{" "}
				<Link
					to="/guides/$guide"
					params={{ guide: "suspension" }}
					className="font-medium underline underline-offset-2"
				>
					Read the suspension guide to get reinstated
				</Link>
			</p>
		</section>
	);
}
