/**
 * The daily chart, drawn with uPlot on a canvas. It lives only in the Metrics page's lazy chunk
 * (uPlot and its CSS stay out of the first load). The canvas says nothing to a screen reader,
 * so it is hidden from one; the table under it holds the same numbers.
 */
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatNumber } from "../ui/format.ts";
import type { Metrics } from "./query.ts";
import { CHARTED, daySeconds, shortDay } from "./series.ts";

// Whole steps only: counts have no fractions to mark on the axis.
const WHOLE_STEPS = [1, 2, 5].flatMap((n) =>
	[1, 10, 100, 1_000, 10_000, 100_000].map((p) => n * p),
);

// Ticks on whole days only (the points are days), spaced out as the width needs.
const DAY_STEPS = [1, 2, 3, 7, 14].map((days) => days * 86_400);

const heightFor = (width: number) => (width < 500 ? 220 : 300);

function options(width: number): uPlot.Options {
	return {
		width,
		height: heightFor(width),
		// The API's days are UTC days; show them as such in every time zone.
		tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
		scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max, 4)] } },
		axes: [
			{
				space: 56,
				incrs: DAY_STEPS,
				values: (_u, ticks) => ticks.map((t) => shortDay(isoDay(t))),
			},
			{ size: 56, incrs: WHOLE_STEPS, values: (_u, ticks) => ticks.map((t) => formatNumber(t)) },
		],
		series: [
			{ label: "Day", value: (_u, ts) => (ts == null ? "—" : shortDay(isoDay(ts))) },
			...CHARTED.map((s) => ({
				label: s.label,
				stroke: s.color,
				width: 2,
				// uPlot drops the dots by itself when days are too close together (30 days on a phone).
				points: { size: 6, fill: s.color },
				value: (_u: uPlot, v: number | null) => (v == null ? "—" : formatNumber(v)),
			})),
		],
		legend: { live: true },
		// The legend shows the hovered day's numbers; leaving the chart keeps the last one shown
		// rather than blanking them, and it starts on the latest day.
		cursor: { y: false, bind: { mouseleave: () => () => null } },
		hooks: {
			ready: [
				(u) => {
					const last = u.data[0].length - 1;
					if (last >= 0) u.setCursor({ left: u.valToPos(u.data[0][last] ?? 0, "x"), top: 0 });
				},
			],
		},
	};
}

const isoDay = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

export function DailyChart({ metrics }: { metrics: Metrics }) {
	const box = useRef<HTMLDivElement>(null);

	useEffect(() => {
		const el = box.current;
		if (!el) return;
		const data: uPlot.AlignedData = [
			metrics.daily.map((d) => daySeconds(d.date)),
			...CHARTED.map((s) => metrics.daily.map((d) => d[s.key])),
		];
		const chart = new uPlot(options(el.clientWidth), data, el);
		// Follows the card's width (the sidebar folds away below 1024 px, phones rotate).
		const resize = new ResizeObserver(() => {
			const width = el.clientWidth;
			if (width && width !== chart.width) chart.setSize({ width, height: heightFor(width) });
		});
		resize.observe(el);
		return () => {
			resize.disconnect();
			chart.destroy();
		};
	}, [metrics]);

	return (
		<figure className="space-y-2">
			<div ref={box} aria-hidden="true" className="w-full min-w-0" />
			<figcaption className="text-sm text-slate-600">
				Sent, delivered, bounced (hard and soft) and complained per day (UTC). The table below lists
				the same numbers.
			</figcaption>
		</figure>
	);
}
