/**
 * What a page's content sits in: the page's header, cards and tables, the same on every page.
 */
import type { ReactNode } from "react";
import { cx } from "./class-names.ts";

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
