/**
 * The rolling 7-day bounce and complaint rates against the suspension limits, with the limits,
 * the minimum volume and the headroom all as the API states them (`thresholds`, `headroom`),
 * so a changed limit needs no change here.
 */
import { queryOptions, useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { api, type Schemas } from "../../api.ts";
import { Card } from "../ui/containers.tsx";
import { formatDate, formatNumber } from "../ui/format.ts";
import { ErrorNote, Loading } from "../ui/status.tsx";
import { RateBar } from "./rate-bar.tsx";

export const reputationQuery = queryOptions({
	queryKey: ["account", "reputation"],
	queryFn: () => api.account.reputation(),
});

export function ReputationCard() {
	const reputation = useQuery(reputationQuery);
	return (
		<Card
			title="Sending reputation (last 7 days)"
			actions={
				<Link
					to="/guides/$guide"
					params={{ guide: "suspension" }}
					className="rounded-md px-2 py-1 text-sm font-medium text-indigo-700 underline underline-offset-2 hover:bg-indigo-50"
				>
					How the limits work
				</Link>
			}
		>
			{reputation.isPending ? (
				<Loading what="Loading your figures" />
			) : reputation.isError ? (
				<ErrorNote error={reputation.error} retry={() => reputation.refetch()} />
			) : (
				<Figures r={reputation.data} />
			)}
		</Card>
	);
}

function Figures({ r }: { r: Schemas["Reputation"] }) {
	const { min_sends: minSends } = r.thresholds;
	const active = r.sends >= minSends;
	return (
		<div className="space-y-5">
			<div className="grid gap-5 md:grid-cols-2">
				<div className="space-y-2">
					<RateBar label="Bounce rate" rate={r.bounce_rate} threshold={r.thresholds.bounce_rate} />
					<p className="text-sm">
						{formatNumber(r.hard_bounces)} hard {r.hard_bounces === 1 ? "bounce" : "bounces"}
						{active ? (
							<Headroom n={r.headroom.hard_bounces_before_suspension} what="hard bounce" />
						) : null}
					</p>
				</div>
				<div className="space-y-2">
					<RateBar
						label="Complaint rate"
						rate={r.complaint_rate}
						threshold={r.thresholds.complaint_rate}
					/>
					<p className="text-sm">
						{formatNumber(r.complaints)} {r.complaints === 1 ? "complaint" : "complaints"}
						{active ? (
							<Headroom n={r.headroom.complaints_before_suspension} what="complaint" />
						) : null}
					</p>
				</div>
			</div>
			<p className="text-xs text-slate-600">
				The dashed line on each bar is the limit at which sending is suspended.
			</p>
			<SendsInWindow sends={r.sends} minSends={minSends} windowDays={r.window_days} />
			{r.window_start ? (
				<p className="text-xs text-slate-600">
					The window restarted on {formatDate(r.window_start)} after a reinstatement.
				</p>
			) : null}
		</div>
	);
}

function Headroom({ n, what }: { n: number | null; what: string }) {
	if (n === null) return null;
	if (n <= 0) return <span className="font-medium text-red-800"> · the limit is reached</span>;
	return (
		<span className={n <= 1 ? "font-medium text-amber-800" : "text-slate-600"}>
			{" "}
			· {formatNumber(n)} more {n === 1 ? what : `${what}s`} would suspend sending
		</span>
	);
}

/** The limits only apply from `min_sends` recipients: below that, say so rather than alarm. */
function SendsInWindow({
	sends,
	minSends,
	windowDays,
}: {
	sends: number;
	minSends: number;
	windowDays: number;
}) {
	const ratio = Math.min(sends / minSends, 1);
	return (
		<div className="rounded-md bg-slate-50 p-3 text-sm ring-1 ring-slate-200">
			<p>
				<strong>{formatNumber(sends)}</strong> {sends === 1 ? "recipient" : "recipients"} sent in
				the last {windowDays} days.{" "}
				{sends >= minSends
					? `The limits apply (from ${formatNumber(minSends)} recipients).`
					: `The limits apply from ${formatNumber(minSends)} recipients; until then nothing suspends the account.`}
			</p>
			{sends < minSends ? (
				<svg
					viewBox="0 0 300 8"
					preserveAspectRatio="none"
					className="mt-2 h-2 w-full"
					role="img"
					aria-label={`${formatNumber(sends)} of the ${formatNumber(minSends)} recipients at which the limits apply`}
				>
					<rect x={0} y={0} width={300} height={8} fill="#e2e8f0" />
					<rect x={0} y={0} width={ratio * 300} height={8} fill="#64748b" />
				</svg>
			) : null}
		</div>
	);
}
