/** A labelled multi-line note (decisions and reinstatements), with its hint or error read out. */
import { type ComponentProps, useId } from "react";

export function NoteField({
	label,
	hint,
	error,
	...props
}: ComponentProps<"textarea"> & { label: string; hint?: string; error?: string }) {
	const id = useId();
	return (
		<div className="space-y-1">
			<label htmlFor={id} className="block text-sm font-medium text-slate-700">
				{label}
			</label>
			<textarea
				id={id}
				rows={2}
				maxLength={2000}
				{...props}
				aria-invalid={error ? true : undefined}
				aria-describedby={hint || error ? `${id}-note` : undefined}
				className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500"
			/>
			{error || hint ? (
				<p id={`${id}-note`} className={error ? "text-sm text-red-700" : "text-sm text-slate-600"}>
					{error ?? hint}
				</p>
			) : null}
		</div>
	);
}
