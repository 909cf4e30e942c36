/**
 * One rate drawn against its suspension line. The scale puts the line at two thirds of the
 * width, so the distance to it reads the same for the 4% and the 0.08% limits; a rate past
 * the scale fills the bar. Colour follows the API's own warning (75% of the limit), and the
 * words say the same for anyone who cannot see the colour.
 */
import { formatPercent } from "../ui/format.ts";

const WIDTH = 300;
const HEIGHT = 28;
const BAR_Y = 8;
const BAR_H = 12;

/** Enough digits that a small rate (one complaint in 20,000) does not show as 0.00%. */
export const percent = (ratio: number) => formatPercent(ratio, ratio > 0 && ratio < 0.0001 ? 3 : 2);

export function RateBar({
	label,
	rate,
	threshold,
}: {
	label: string;
	rate: number;
	threshold: number;
}) {
	const max = threshold * 1.5;
	const fill = Math.min(rate / max, 1) * WIDTH;
	const line = (threshold / max) * WIDTH;
	const level = rate >= threshold ? "over" : rate >= threshold * 0.75 ? "near" : "ok";
	const colour = { over: "#dc2626", near: "#d97706", ok: "#16a34a" }[level];
	const words = {
		over: "at or over the suspension line",
		near: "close to the suspension line",
		ok: "below the suspension line",
	}[level];
	return (
		<figure className="space-y-1">
			<figcaption className="flex flex-wrap items-baseline justify-between gap-x-2 text-sm">
				<span className="font-medium">{label}</span>
				<span>
					<strong>{percent(rate)}</strong>
					<span className="text-slate-600"> · limit {percent(threshold)}</span>
				</span>
			</figcaption>
			<svg
				viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
				preserveAspectRatio="none"
				className="h-7 w-full"
				role="img"
				aria-label={`${label} ${percent(rate)}, ${words} at ${percent(threshold)}`}
			>
				<rect x={0} y={BAR_Y} width={WIDTH} height={BAR_H} fill="#f1f5f9" />
				<rect x={0} y={BAR_Y} width={fill} height={BAR_H} fill={colour} />
				<line
					x1={line}
					x2={line}
					y1={2}
					y2={HEIGHT - 2}
					stroke="#0f172a"
					strokeWidth={2}
					strokeDasharray="3 2"
					vectorEffect="non-scaling-stroke"
				/>
			</svg>
			<p className="text-xs text-slate-600">
				<span
					className={
						level === "over"
							? "font-medium text-red-800"
							: level === "near"
								? "font-medium text-amber-800"
								: undefined
					}
					aria-hidden="true"
				>
					{level === "over"
						? "At the limit"
						: level === "near"
							? "Close to the limit"
							: "Below the limit"}
				</span>
			</p>
		</figure>
	);
}
