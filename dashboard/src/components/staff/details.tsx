/** A definition list of label/value pairs that stacks on a phone and sits in columns when wide. */
import type { ReactNode } from "react";

export function Details({
	items,
	columns = 2,
}: {
	items: [label: string, value: ReactNode][];
	columns?: 2 | 3;
}) {
	return (
		<dl
			className={`grid grid-cols-1 gap-x-6 gap-y-3 text-sm sm:grid-cols-2 ${columns === 3 ? "lg:grid-cols-3" : ""}`}
		>
			{items.map(([label, value]) => (
				<div key={label} className="min-w-0">
					<dt className="text-xs font-semibold uppercase tracking-wide text-slate-500">{label}</dt>
					<dd className="mt-0.5 break-words text-slate-900">{value}</dd>
				</div>
			))}
		</dl>
	);
}
