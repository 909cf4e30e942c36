/**
 * The 7-day figures an account is judged on, as the suspension recorded them or as its guard
 * holds them now, each rate next to its limit (see docs/suspension-and-suppression.md).
 */
import { formatNumber, formatPercent } from "../ui/format.ts";
import { Details } from "./details.tsx";

interface Figures {
	sends?: number;
	hard_bounces?: number;
	complaints?: number;
	bounce_rate?: number;
	complaint_rate?: number;
	thresholds?: { min_sends?: number; bounce_rate?: number; complaint_rate?: number };
}

const num = (v: unknown) => (typeof v === "number" ? formatNumber(v) : "—");
const rate = (v: unknown, limit: unknown, digits: number) =>
	typeof v === "number"
		? `${formatPercent(v, digits)}${typeof limit === "number" ? ` (limit ${formatPercent(limit, digits)})` : ""}`
		: "—";

/** Accepts the suspension's recorded details, which the API types loosely. */
export function FigureList({
	figures,
	extra = [],
}: {
	figures: Record<string, unknown> | Figures | null;
	extra?: [string, React.ReactNode][];
}) {
	if (!figures) return <p className="text-sm text-slate-600">No figures were recorded.</p>;
	const f = figures as Figures;
	return (
		<Details
			columns={3}
			items={[
				["Recipients (7 days)", num(f.sends)],
				["Hard bounces", num(f.hard_bounces)],
				["Complaints", num(f.complaints)],
				["Bounce rate", rate(f.bounce_rate, f.thresholds?.bounce_rate, 2)],
				["Complaint rate", rate(f.complaint_rate, f.thresholds?.complaint_rate, 3)],
				...extra,
			]}
		/>
	);
}
