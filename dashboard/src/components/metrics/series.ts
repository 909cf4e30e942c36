/** The figures the chart draws, in one place so the chart, its legend and the table agree. */
export const CHARTED = [
	{ key: "sent", label: "Sent", color: "#4f46e5" },
	{ key: "delivered", label: "Delivered", color: "#16a34a" },
	{ key: "bounced", label: "Bounced", color: "#d97706" },
	{ key: "complained", label: "Complained", color: "#dc2626" },
] as const;

/** "2026-11-23" (a UTC day) as uPlot's x value: seconds since the epoch. */
export const daySeconds = (date: string) => Date.parse(`${date}T00:00:00Z`) / 1000;

/** "Nov 23", read as the UTC day it is, whatever the browser's time zone. */
export const shortDay = (date: string) =>
	new Date(`${date}T00:00:00Z`).toLocaleDateString("en-US", {
		month: "short",
		day: "numeric",
		timeZone: "UTC",
	});
