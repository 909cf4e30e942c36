/**
 * A domain's DNS records as the customer types them into their provider: name and value with
 * copy buttons (the docs insist on exact copies), and what the latest check found at each.
 */
import { Cell, CopyValue, StatusBadge, Table } from "../ui.tsx";
import type { DomainRecord } from "./queries.ts";

const HEAD = ["Record", "Type", "Name", "Value", "Priority", "TTL", "Status"];

export function RecordsTable({ records }: { records: DomainRecord[] }) {
	return (
		<Table head={HEAD}>
			{records.map((r) => (
				<tr key={`${r.type} ${r.name} ${r.value}`}>
					<Cell className="font-medium whitespace-nowrap">{r.record}</Cell>
					<Cell>{r.type}</Cell>
					<Cell className="min-w-56">
						<CopyValue value={r.name} label={`${r.record} ${r.type} name`} />
					</Cell>
					<Cell className="min-w-64">
						<CopyValue value={r.value} label={`${r.record} ${r.type} value`} />
					</Cell>
					<Cell>{r.priority ?? "—"}</Cell>
					<Cell>{r.ttl}</Cell>
					<Cell className="min-w-60">
						<StatusBadge status={r.status} />
						<Diagnosis diagnosis={r.diagnosis} />
					</Cell>
				</tr>
			))}
		</Table>
	);
}

const STATE_LABEL = {
	found: "Found",
	missing: "Missing",
	wrong_value: "Wrong value",
	could_not_check: "Could not check",
} as const;

const STATE_TONE = {
	found: "text-green-800",
	missing: "text-red-800",
	wrong_value: "text-red-800",
	could_not_check: "text-amber-800",
} as const;

/** What the latest check saw at the record's name, in the API's own words. */
export function Diagnosis({ diagnosis }: { diagnosis: DomainRecord["diagnosis"] }) {
	if (!diagnosis) {
		return <p className="mt-1 text-xs text-slate-600">Not checked yet.</p>;
	}
	return (
		<div className="mt-1 space-y-1 text-xs">
			<p className={`font-semibold ${STATE_TONE[diagnosis.state]}`}>
				{STATE_LABEL[diagnosis.state]}
			</p>
			{diagnosis.state !== "found" ? <p className="text-slate-700">{diagnosis.message}</p> : null}
			{diagnosis.state === "wrong_value" && diagnosis.found.length > 0 ? (
				<div>
					<p className="text-slate-600">What we found:</p>
					<ul className="space-y-0.5">
						{diagnosis.found.map((value) => (
							<li key={value}>
								<code className="break-all rounded bg-red-50 px-1 font-mono">{value}</code>
							</li>
						))}
					</ul>
				</div>
			) : null}
		</div>
	);
}
