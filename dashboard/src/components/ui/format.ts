/**
 * How the dashboard writes dates, sizes, counts and shares, the same on every page.
 */
export const formatDate = (iso: string | null | undefined) =>
	iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "—";

/** A file size as people read it: 512 B, 14.2 KB, 3.1 MB (powers of 1024, as mail clients). */
export function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	const units = ["KB", "MB", "GB"];
	let value = bytes / 1024;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}
	return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export const formatNumber = (n: number) => n.toLocaleString("en-US");

export const formatPercent = (ratio: number, digits = 2) => `${(ratio * 100).toFixed(digits)}%`;
