/** The chart's numbers as a table: every day of the window, newest first, and the totals. */
import { Cell, Table } from "../ui/containers.tsx";
import { formatNumber } from "../ui/format.ts";
import type { Metrics } from "./query.ts";

const COLUMNS = [
	["sent", "Sent"],
	["delivered", "Delivered"],
	["hard_bounced", "Hard bounced"],
	["soft_bounced", "Soft bounced"],
	["complained", "Complained"],
	["failed", "Failed"],
] as const;

const longDay = (date: string) =>
	new Date(`${date}T00:00:00Z`).toLocaleDateString("en-US", {
		weekday: "short",
		month: "short",
		day: "numeric",
		timeZone: "UTC",
	});

export function DailyTable({ metrics }: { metrics: Metrics }) {
	const days = [...metrics.daily].reverse();
	return (
		<Table head={["Day (UTC)", ...COLUMNS.map(([, label]) => label)]}>
			{days.map((day) => (
				<tr key={day.date}>
					<th scope="row" className="px-4 py-3 text-left font-medium whitespace-nowrap">
						<time dateTime={day.date}>{longDay(day.date)}</time>
					</th>
					{COLUMNS.map(([key]) => (
						<Cell key={key} className={`tabular-nums ${day[key] ? "" : "text-slate-500"}`}>
							{formatNumber(day[key])}
						</Cell>
					))}
				</tr>
			))}
			<tr className="bg-slate-50 font-semibold">
				<th scope="row" className="px-4 py-3 text-left">
					Total
				</th>
				{COLUMNS.map(([key]) => (
					<Cell key={key} className="tabular-nums">
						{formatNumber(metrics.totals[key])}
					</Cell>
				))}
			</tr>
		</Table>
	);
}
