/**
 * The window's totals, and its bounce and complaint rates next to the suspension limits from
 * `/account/reputation`. The limits are judged on a rolling 7 days (not this page's window),
 * so the live 7-day figures are shown with them.
 */
import { Link } from "@tanstack/react-router";
import type { Schemas } from "../../api.ts";
import { formatNumber, formatPercent } from "../ui/format.ts";
import { ErrorNote, Loading, Notice } from "../ui/status.tsx";
import type { Metrics } from "./query.ts";

type Reputation = Schemas["Reputation"];

const count = (n: number, one: string, many: string) =>
	`${formatNumber(n)} ${n === 1 ? one : many}`;

export function Totals({ metrics }: { metrics: Metrics }) {
	const t = metrics.totals;
	const share = (n: number) => (t.sent ? ` (${formatPercent(n / t.sent, 1)} of sent)` : "");
	const items = [
		{ label: "Sent", value: t.sent, note: "recipients" },
		{ label: "Delivered", value: t.delivered, note: `recipients${share(t.delivered)}` },
		{
			label: "Bounced",
			value: t.bounced,
			note: `${formatNumber(t.hard_bounced)} hard · ${formatNumber(t.soft_bounced)} soft`,
		},
		{ label: "Complained", value: t.complained, note: "marked as spam" },
		{ label: "Failed", value: t.failed, note: "emails that never reached SES" },
	];
	return (
		<dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 xl:grid-cols-5">
			{items.map((item) => (
				<div key={item.label} className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
					<dt className="text-sm font-medium text-slate-600">{item.label}</dt>
					<dd className="mt-1 text-2xl font-semibold tabular-nums">{formatNumber(item.value)}</dd>
					<dd className="mt-1 text-xs text-slate-600">{item.note}</dd>
				</div>
			))}
		</dl>
	);
}

export function Rates({
	metrics,
	reputation,
}: {
	metrics: Metrics;
	reputation: { data?: Reputation; error: unknown; isPending: boolean; refetch: () => unknown };
}) {
	const limits = reputation.data?.thresholds;
	return (
		<div className="space-y-4">
			<div className="grid gap-4 md:grid-cols-2">
				<Rate
					label="Bounce rate"
					rate={metrics.bounce_rate}
					limit={limits?.bounce_rate}
					detail={`${count(metrics.totals.hard_bounced, "hard bounce", "hard bounces")} ÷ ${formatNumber(metrics.totals.sent)} sent`}
				/>
				<Rate
					label="Complaint rate"
					rate={metrics.complaint_rate}
					limit={limits?.complaint_rate}
					detail={`${count(metrics.totals.complained, "complaint", "complaints")} ÷ ${formatNumber(metrics.totals.sent)} sent`}
				/>
			</div>
			{reputation.isPending ? (
				<Loading what="Loading the suspension limits" />
			) : reputation.data ? (
				<Rolling reputation={reputation.data} />
			) : (
				<ErrorNote error={reputation.error} retry={() => reputation.refetch()} />
			)}
		</div>
	);
}

function Rate({
	label,
	rate,
	limit,
	detail,
}: {
	label: string;
	rate: number;
	limit: number | undefined;
	detail: string;
}) {
	// The warning point is where SendFleet emails account.reputation_warning: 75% of a limit.
	const level =
		limit === undefined ? null : rate >= limit ? "over" : rate >= limit * 0.75 ? "near" : "ok";
	const bar = { over: "bg-red-600", near: "bg-amber-500", ok: "bg-green-600" };
	const words = {
		over: "At or over the suspension limit",
		near: "Close to the suspension limit (75% of it or more)",
		ok: "Under the suspension limit",
	};
	return (
		<div className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
			<div className="flex flex-wrap items-baseline justify-between gap-2">
				<h3 className="text-sm font-medium text-slate-600">{label}</h3>
				{limit === undefined ? null : (
					<p className="text-xs text-slate-600">Limit {formatPercent(limit)}</p>
				)}
			</div>
			<p className="mt-1 text-2xl font-semibold tabular-nums">{formatPercent(rate)}</p>
			{level && limit !== undefined ? (
				<>
					<div className="mt-2 h-2 overflow-hidden rounded-full bg-slate-100" aria-hidden="true">
						<div
							className={`h-full ${bar[level]}`}
							style={{ width: `${Math.min(rate / limit, 1) * 100}%` }}
						/>
					</div>
					<p className="mt-2 text-sm font-medium">{words[level]}</p>
				</>
			) : null}
			<p className="mt-1 text-xs text-slate-600">{detail}</p>
		</div>
	);
}

function Rolling({ reputation: r }: { reputation: Reputation }) {
	return (
		<div className="space-y-3">
			{r.suspended ? (
				<Notice tone="yellow">
					<strong>Sending is suspended.</strong> {r.suspension_reason}
				</Notice>
			) : null}
			<p className="text-sm text-slate-600">
				What suspends an account is the last 7 days, rolling, once they hold at least{" "}
				{formatNumber(r.thresholds.min_sends)} recipients (the SES mailbox simulator is not
				counted). Right now: bounce rate <strong>{formatPercent(r.bounce_rate)}</strong>, complaint
				rate <strong>{formatPercent(r.complaint_rate)}</strong> over{" "}
				{count(r.sends, "recipient", "recipients")}. See{" "}
				<Link
					to="/guides/$guide"
					params={{ guide: "suspension" }}
					className="font-medium text-indigo-700 underline"
				>
					Suspension and suppression
				</Link>
				.
			</p>
		</div>
	);
}
