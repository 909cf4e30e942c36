/**
 * How a page tells the user where things stand: status badges, and the loading, empty and error
 * states (and notices) every page must show.
 */
import type { ReactNode } from "react";
import { ApiFailure } from "../../api.ts";
import { Button, Spinner } from "./buttons.tsx";
import { cx } from "./class-names.ts";

const BADGE_TONES: Record<string, string> = {
	green: "bg-green-100 text-green-800",
	yellow: "bg-amber-100 text-amber-800",
	red: "bg-red-100 text-red-800",
	gray: "bg-slate-100 text-slate-700",
	blue: "bg-blue-100 text-blue-800",
};

/** A status word in the colour its meaning suggests, the same everywhere. */
export function StatusBadge({ status }: { status: string }) {
	const tone = /^(verified|sent|delivered|success|active|approved|enabled)$/.test(status)
		? "green"
		: /^(pending|queued|attempting|not_started|delivery_delayed|scheduled|rescheduled|trialing)$/.test(
					status,
				)
			? "yellow"
			: /^(failed|bounced|complained|rejected|suspended|disabled|past_due|unpaid|canceled|temporary_failure)$/.test(
						status,
					)
				? "red"
				: "gray";
	return (
		<span
			className={cx("inline-flex rounded-full px-2 py-0.5 text-xs font-medium", BADGE_TONES[tone])}
		>
			{status.replaceAll("_", " ")}
		</span>
	);
}

export function Loading({ what = "Loading" }: { what?: string }) {
	return (
		<p className="flex items-center gap-2 py-8 text-sm text-slate-600" role="status">
			<Spinner /> {what}…
		</p>
	);
}

export function Empty({ children }: { children: ReactNode }) {
	return (
		<div className="rounded-md border border-dashed border-slate-300 p-8 text-center text-sm text-slate-600">
			{children}
		</div>
	);
}

/** An error as the API worded it (its own `message`), with a retry when there is one. */
export function ErrorNote({ error, retry }: { error: unknown; retry?: () => void }) {
	const message =
		error instanceof ApiFailure || error instanceof Error ? error.message : "Something went wrong.";
	return (
		<div
			role="alert"
			className="flex flex-wrap items-center justify-between gap-2 rounded-md bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200"
		>
			<span>{message}</span>
			{retry ? (
				<Button tone="secondary" onClick={retry}>
					Try again
				</Button>
			) : null}
		</div>
	);
}

export function Notice({
	tone = "blue",
	children,
}: {
	tone?: "blue" | "yellow" | "green";
	children: ReactNode;
}) {
	const tones = {
		blue: "bg-blue-50 text-blue-900 ring-blue-200",
		yellow: "bg-amber-50 text-amber-900 ring-amber-200",
		green: "bg-green-50 text-green-900 ring-green-200",
	};
	return <div className={cx("rounded-md p-3 text-sm ring-1", tones[tone])}>{children}</div>;
}
