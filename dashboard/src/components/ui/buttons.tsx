/**
 * Buttons in the dashboard's three tones, with the spinner a busy button shows, and a value
 * with a button that copies it. A busy button is disabled so a form cannot be sent twice.
 */
import type { ButtonHTMLAttributes } from "react";
import { useState } from "react";
import { cx } from "./class-names.ts";

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

export function Spinner() {
	return (
		<span
			className="inline-block size-4 animate-spin rounded-full border-2 border-current border-t-transparent"
			aria-hidden="true"
		/>
	);
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
