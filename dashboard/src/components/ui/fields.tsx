/**
 * Form inputs, each with its label tied to it (and its hint or error, read out with it), so
 * every form is usable with a screen reader and from the keyboard.
 */
import type { ComponentProps, InputHTMLAttributes, ReactNode } from "react";
import { useId } from "react";

/** What a control gets from its `Labelled` wrapper: its id, and what ties its note to it. */
interface ControlProps {
	id: string;
	"aria-invalid"?: true;
	"aria-describedby"?: string;
}

/** A control with its label above it and its hint or error below, tied to it by id. */
function Labelled({
	label,
	hint,
	error,
	children,
}: {
	label: string;
	hint?: ReactNode;
	error?: string;
	children: (control: ControlProps) => ReactNode;
}) {
	const id = useId();
	const note = error || hint;
	return (
		<div className="space-y-1">
			<label htmlFor={id} className="block text-sm font-medium text-slate-700">
				{label}
			</label>
			{children({
				id,
				"aria-invalid": error ? true : undefined,
				"aria-describedby": note ? `${id}-note` : undefined,
			})}
			{note ? (
				<p id={`${id}-note`} className={error ? "text-sm text-red-700" : "text-sm text-slate-600"}>
					{error || hint}
				</p>
			) : null}
		</div>
	);
}

const CONTROL =
	"block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500";

export function Field({
	label,
	hint,
	error,
	...props
}: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: ReactNode; error?: string }) {
	return (
		<Labelled label={label} hint={hint} error={error}>
			{(control) => <input {...control} {...props} {...ariaOf(control)} className={CONTROL} />}
		</Labelled>
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
	return (
		<Labelled label={label}>
			{(control) => (
				<select
					{...control}
					{...props}
					className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm"
				>
					{options.map((o) => (
						<option key={o.value} value={o.value}>
							{o.label}
						</option>
					))}
				</select>
			)}
		</Labelled>
	);
}

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

/** A labelled multi-line text (a note, a use case), with its hint or error read out with it. */
export function TextArea({
	label,
	hint,
	error,
	...props
}: ComponentProps<"textarea"> & { label: string; hint?: string; error?: string }) {
	return (
		<Labelled label={label} hint={hint} error={error}>
			{(control) => (
				<textarea
					id={control.id}
					rows={2}
					maxLength={2000}
					{...props}
					{...ariaOf(control)}
					className={CONTROL}
				/>
			)}
		</Labelled>
	);
}

/** The note's ties, after the caller's props: the wrapper's say wins, as it did inline. */
const ariaOf = ({ id: _, ...aria }: ControlProps) => aria;
