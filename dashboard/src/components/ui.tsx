/**
 * The dashboard's building blocks, styled once with Tailwind so every page looks and behaves
 * alike: buttons, fields, cards, tables, badges and the loading, empty and error states every
 * page must show. Dialogs are Radix's (components/confirm.tsx) for focus trapping and Escape.
 */
import type { ButtonHTMLAttributes, InputHTMLAttributes, ReactNode } from "react";
import { useId, useState } from "react";
import { ApiFailure } from "../api.ts";

const cx = (...names: (string | false | null | undefined)[]) => names.filter(Boolean).join(" ");

type Tone = "primary" | "secondary" | "danger";
const TONES: Record<Tone, string> = {
	primary: "bg-indigo-600 text-white hover:bg-indigo-700 disabled:bg-indigo-300",
	secondary:
		"bg-white text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50 disabled:text-slate-400",
	danger: "bg-red-600 text-white hover:bg-red-700 disabled:bg-red-300",
};

export function Button({
	tone = "primary",
	busy = false,
	className,
	children,
	...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { tone?: Tone; busy?: boolean }) {
	return (
		<button
			type="button"
			{...props}
			disabled={props.disabled || busy}
			aria-busy={busy || undefined}
			className={cx(
				"inline-flex items-center justify-center gap-2 rounded-md px-3 py-2 text-sm font-medium shadow-sm disabled:cursor-not-allowed",
				TONES[tone],
				className,
			)}
		>
			{busy ? <Spinner /> : null}
			{children}
		</button>
	);
}

export function Field({
	label,
	hint,
	error,
	...props
}: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: ReactNode; error?: string }) {
	const id = useId();
	return (
		<div className="space-y-1">
			<label htmlFor={id} className="block text-sm font-medium text-slate-700">
				{label}
			</label>
			<input
				id={id}
				{...props}
				aria-invalid={error ? true : undefined}
				aria-describedby={hint || error ? `${id}-note` : undefined}
				className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500"
			/>
			{error ? (
				<p id={`${id}-note`} className="text-sm text-red-700">
					{error}
				</p>
			) : hint ? (
				<p id={`${id}-note`} className="text-sm text-slate-600">
					{hint}
				</p>
			) : null}
		</div>
	);
}

export function Select({
	label,
	options,
	...props
}: React.SelectHTMLAttributes<HTMLSelectElement> & {
	label: string;
	options: { value: string; label: string }[];
}) {
	const id = useId();
	return (
		<div className="space-y-1">
			<label htmlFor={id} className="block text-sm font-medium text-slate-700">
				{label}
			</label>
			<select
				id={id}
				{...props}
				className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm"
			>
				{options.map((o) => (
					<option key={o.value} value={o.value}>
						{o.label}
					</option>
				))}
			</select>
		</div>
	);
}

export function Card({
	title,
	actions,
	children,
}: {
	title?: ReactNode;
	actions?: ReactNode;
	children: ReactNode;
}) {
	return (
		<section className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:p-6">
			{title || actions ? (
				<div className="mb-4 flex flex-wrap items-center justify-between gap-2">
					{title ? <h2 className="text-base font-semibold">{title}</h2> : <span />}
					{actions}
				</div>
			) : null}
			{children}
		</section>
	);
}

export function PageHeader({
	title,
	description,
	actions,
}: {
	title: string;
	description?: ReactNode;
	actions?: ReactNode;
}) {
	return (
		<header className="mb-6 flex flex-wrap items-start justify-between gap-4">
			<div>
				<h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
				{description ? <p className="mt-1 text-sm text-slate-600">{description}</p> : null}
			</div>
			{actions}
		</header>
	);
}

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

export function Spinner() {
	return (
		<span
			className="inline-block size-4 animate-spin rounded-full border-2 border-current border-t-transparent"
			aria-hidden="true"
		/>
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

/**
 * A table that scrolls sideways on a phone instead of squeezing its columns; the scrolling box
 * takes keyboard focus so it can be scrolled without a mouse.
 */
export function Table({
	head,
	children,
	label,
}: {
	head: string[];
	children: ReactNode;
	label?: string;
}) {
	return (
		<section
			// biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable from the keyboard
			tabIndex={0}
			aria-label={label ?? head.join(", ")}
			className="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200"
		>
			<table className="min-w-full divide-y divide-slate-200 text-sm">
				<thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">
					<tr>
						{head.map((h) => (
							<th key={h} scope="col" className="px-4 py-3 whitespace-nowrap">
								{h}
							</th>
						))}
					</tr>
				</thead>
				<tbody className="divide-y divide-slate-100">{children}</tbody>
			</table>
		</section>
	);
}

export function Cell({ children, className }: { children: ReactNode; className?: string }) {
	return <td className={cx("px-4 py-3 align-top", className)}>{children}</td>;
}

/** A value with a button that copies it (DNS records, API keys, signing secrets). */
export function CopyValue({ value, label }: { value: string; label: string }) {
	const [copied, setCopied] = useState(false);
	return (
		<div className="flex items-start gap-2">
			<code className="min-w-0 flex-1 break-all rounded bg-slate-100 px-2 py-1 font-mono text-xs">
				{value}
			</code>
			<Button
				tone="secondary"
				className="shrink-0 px-2 py-1 text-xs"
				aria-label={`Copy ${label}`}
				onClick={async () => {
					await navigator.clipboard?.writeText(value).catch(() => {});
					setCopied(true);
					setTimeout(() => setCopied(false), 1500);
				}}
			>
				{copied ? "Copied" : "Copy"}
			</Button>
		</div>
	);
}

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

/**
 * A choice between a few options shown as cards (a radio group): each has a title, which names
 * its radio button, and a line that describes it.
 */
export function RadioCards<T extends string>({
	legend,
	name,
	value,
	onChange,
	options,
}: {
	legend: string;
	name: string;
	value: T;
	onChange: (value: T) => void;
	options: { value: T; label: string; description: ReactNode }[];
}) {
	const id = useId();
	return (
		<fieldset className="space-y-1">
			<legend className="mb-1 text-sm font-medium text-slate-700">{legend}</legend>
			<div className="grid gap-2 sm:grid-cols-2">
				{options.map((option) => (
					<div
						key={option.value}
						className="flex items-start gap-2 rounded-md p-3 text-sm ring-1 ring-slate-300 has-[:checked]:bg-indigo-50 has-[:checked]:ring-2 has-[:checked]:ring-indigo-500"
					>
						<input
							type="radio"
							id={`${id}-${option.value}`}
							name={name}
							value={option.value}
							className="mt-0.5 shrink-0"
							checked={value === option.value}
							onChange={() => onChange(option.value)}
							aria-describedby={`${id}-${option.value}-note`}
						/>
						<div className="min-w-0">
							<label htmlFor={`${id}-${option.value}`} className="block cursor-pointer font-medium">
								{option.label}
							</label>
							<p id={`${id}-${option.value}-note`} className="text-slate-600">
								{option.description}
							</p>
						</div>
					</div>
				))}
			</div>
		</fieldset>
	);
}
