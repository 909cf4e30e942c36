/**
 * Metrics: what happened to the account's email each day (UTC) over the last 7 or 30 days, as
 * a chart and as a table with the same numbers, with the window's bounce and complaint rates
 * next to the suspension limits. The period lives in the URL (`?days=30`) so it survives a
 * reload and can be shared.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { api } from "../api.ts";
import { DailyChart } from "../components/metrics/chart.tsx";
import { DailyTable } from "../components/metrics/daily-table.tsx";
import { fetchMetrics, type Metrics, type Period } from "../components/metrics/query.ts";
import { Rates, Totals } from "../components/metrics/summary.tsx";
import { Card, PageHeader } from "../components/ui/containers.tsx";
import { Empty, ErrorNote, Loading } from "../components/ui/status.tsx";

const PERIODS: { value: Period; label: string }[] = [
	{ value: "7", label: "Last 7 days" },
	{ value: "30", label: "Last 30 days" },
];

export function Page() {
	const search = useSearch({ strict: false }) as { days?: unknown };
	const days: Period = String(search.days) === "30" ? "30" : "7";
	const metrics = useQuery({
		queryKey: ["metrics", days],
		queryFn: () => fetchMetrics(days),
		// The other period's figures stay on screen (marked busy) while this one loads.
		placeholderData: keepPreviousData,
	});
	const reputation = useQuery({ queryKey: ["reputation"], queryFn: api.account.reputation });

	return (
		<>
			<PageHeader
				title="Metrics"
				description="What happened to your email each day (UTC): recipients sent and delivered, bounces, complaints and failures."
				actions={<PeriodSwitch days={days} />}
			/>
			{metrics.isPending ? (
				<Loading what="Loading metrics" />
			) : metrics.isError ? (
				<ErrorNote error={metrics.error} retry={() => metrics.refetch()} />
			) : (
				<div className="space-y-6" aria-busy={metrics.isPlaceholderData}>
					<p className="sr-only" aria-live="polite">
						{metrics.isPlaceholderData
							? "Loading…"
							: `Showing the last ${metrics.data.days} days, ${metrics.data.from} to ${metrics.data.to}.`}
					</p>
					{isEmpty(metrics.data) ? (
						<NoSends days={metrics.data.days} />
					) : (
						<Figures metrics={metrics.data} reputation={reputation} />
					)}
				</div>
			)}
		</>
	);
}

const isEmpty = (m: Metrics) => Object.values(m.totals).every((n) => n === 0);

function PeriodSwitch({ days }: { days: Period }) {
	const navigate = useNavigate();
	return (
		<fieldset className="inline-flex rounded-md shadow-sm">
			<legend className="sr-only">Period</legend>
			{PERIODS.map((p, i) => (
				<button
					key={p.value}
					type="button"
					aria-pressed={days === p.value}
					onClick={() =>
						navigate({
							to: ".",
							// This route declares no search params, so the router cannot type them.
							search: ((prev: Record<string, unknown>) => ({
								...prev,
								days: p.value === "7" ? undefined : Number(p.value),
							})) as never,
						})
					}
					className={`px-3 py-2 text-sm font-medium ring-1 ring-slate-300 ${
						i === 0 ? "rounded-l-md" : "-ml-px rounded-r-md"
					} ${
						days === p.value
							? "relative z-10 bg-indigo-600 text-white ring-indigo-600"
							: "bg-white text-slate-800 hover:bg-slate-50"
					}`}
				>
					{p.label}
				</button>
			))}
		</fieldset>
	);
}

function Figures({
	metrics,
	reputation,
}: {
	metrics: Metrics;
	reputation: Parameters<typeof Rates>[0]["reputation"];
}) {
	return (
		<>
			<section aria-labelledby="metrics-totals" className="space-y-3">
				<h2 id="metrics-totals" className="text-base font-semibold">
					Totals, {metrics.from} to {metrics.to}
				</h2>
				<Totals metrics={metrics} />
			</section>
			<Card title="Bounce and complaint rates">
				<Rates metrics={metrics} reputation={reputation} />
			</Card>
			<Card title="Per day">
				<DailyChart metrics={metrics} />
			</Card>
			<section aria-labelledby="metrics-table" className="space-y-3">
				<h2 id="metrics-table" className="text-base font-semibold">
					Per day, as a table
				</h2>
				<DailyTable metrics={metrics} />
			</section>
		</>
	);
}

function NoSends({ days }: { days: number }) {
	return (
		<Empty>
			<p>Nothing was sent in the last {days} days yet.</p>
			<p className="mt-2">
				Once you send with an API key, each day's sends, deliveries, bounces and complaints appear
				here. Start with a{" "}
				<Link to="/domains" className="font-medium text-indigo-700 underline">
					verified domain
				</Link>{" "}
				and an{" "}
				<Link to="/api-keys" className="font-medium text-indigo-700 underline">
					API key
				</Link>
				.
			</p>
		</Empty>
	);
}
