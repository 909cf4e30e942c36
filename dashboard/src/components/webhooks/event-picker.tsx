/**
 * The event types an endpoint can subscribe to, as checkboxes grouped by what they are about.
 * The list is typed against the API's own enum, so a type added to the Worker fails the
 * typecheck here until it is offered (see `_everyTypeOffered`).
 */
import { useId } from "react";
import type { Schemas } from "../../api.ts";

export type EventType = Schemas["CreateWebhookRequest"]["events"][number];

const GROUPS = [
	{
		name: "Emails",
		prefix: "email.*",
		types: [
			["email.sent", "SES accepted the email"],
			["email.delivered", "SES confirmed delivery"],
			["email.delivery_delayed", "SES reported a delay"],
			["email.bounced", "A hard or soft bounce"],
			["email.complained", "A recipient marked it as spam"],
			["email.failed", "It never reached SES, or SES rejected it"],
			["email.suppressed", "A recipient was suppressed after it was accepted"],
			["email.scheduled", "Accepted, but never sent yet: scheduling is not supported"],
		],
	},
	{
		name: "Suppressions",
		prefix: "suppression.*",
		types: [
			["suppression.added", "An address was put on your suppression list"],
			["suppression.removed", "An address was taken off it"],
		],
	},
	{
		name: "Domains",
		prefix: "domain.*",
		types: [
			["domain.created", "A domain was added"],
			["domain.updated", "A check changed a status"],
			["domain.deleted", "A domain was deleted"],
		],
	},
	{
		name: "Account",
		prefix: "account.*",
		types: [
			["account.suspended", "Sending was suspended"],
			["account.reinstated", "Staff lifted a suspension"],
			["account.reputation_warning", "Bounce or complaint rate passed 75% of its limit"],
		],
	},
] as const satisfies readonly {
	name: string;
	prefix: string;
	types: readonly (readonly [EventType, string])[];
}[];

type Offered = (typeof GROUPS)[number]["types"][number][0];
const _everyTypeOffered: Exclude<EventType, Offered> extends never ? true : false = true;
void _everyTypeOffered;

export function EventPicker({
	value,
	onChange,
	disabled,
}: {
	value: readonly string[];
	onChange: (next: EventType[]) => void;
	disabled?: boolean;
}) {
	const chosen = new Set(value);
	const set = (types: readonly EventType[], on: boolean) => {
		const next = new Set(chosen);
		for (const t of types) on ? next.add(t) : next.delete(t);
		// Keep the API's order, so the saved list reads the same way as the form.
		onChange(GROUPS.flatMap((g) => g.types.map(([t]) => t)).filter((t) => next.has(t)));
	};
	return (
		<div className="grid gap-4 sm:grid-cols-2">
			{GROUPS.map((group) => {
				const types = group.types.map(([t]) => t);
				const all = types.every((t) => chosen.has(t));
				return (
					<fieldset key={group.prefix} className="rounded-md p-3 ring-1 ring-slate-200">
						<legend className="px-1 text-sm font-semibold">
							{group.name}{" "}
							<span className="font-mono font-normal text-slate-500">{group.prefix}</span>
						</legend>
						<button
							type="button"
							disabled={disabled}
							className="mb-1 py-1 text-xs font-medium text-indigo-700 underline"
							onClick={() => set(types, !all)}
						>
							{all ? `Clear all ${group.prefix}` : `Select all ${group.prefix}`}
						</button>
						<ul className="space-y-2">
							{group.types.map(([type, description]) => (
								<EventCheckbox
									key={type}
									type={type}
									description={description}
									checked={chosen.has(type)}
									disabled={disabled}
									onChange={(on) => set([type], on)}
								/>
							))}
						</ul>
					</fieldset>
				);
			})}
		</div>
	);
}

function EventCheckbox({
	type,
	description,
	checked,
	disabled,
	onChange,
}: {
	type: EventType;
	description: string;
	checked: boolean;
	disabled?: boolean;
	onChange: (on: boolean) => void;
}) {
	const id = useId();
	return (
		<li className="flex items-start gap-2">
			<input
				id={id}
				type="checkbox"
				className="mt-1 size-4 shrink-0 accent-indigo-600"
				checked={checked}
				disabled={disabled}
				aria-describedby={`${id}-hint`}
				onChange={(e) => onChange(e.target.checked)}
			/>
			<label htmlFor={id} className="text-sm">
				<span className="font-mono text-slate-900">{type}</span>
				<span id={`${id}-hint`} className="block text-xs text-slate-600">
					{description}
				</span>
			</label>
		</li>
	);
}

/** An endpoint's event types as small code chips. */
export function EventList({ events }: { events: readonly string[] }) {
	return (
		<ul className="flex flex-wrap gap-1" aria-label="Event types">
			{events.map((type) => (
				<li
					key={type}
					className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700"
				>
					{type}
				</li>
			))}
		</ul>
	);
}
