/**
 * A domain's DNS records as the customer types them into their provider: name and value with
 * copy buttons (the docs insist on exact copies), and what the latest check found at each. A
 * finding that needs words gets its own full-width row, so long names and values keep room.
 */
import { Fragment } from "react";
import { CopyValue } from "../ui/buttons.tsx";
import { Cell, Table } from "../ui/containers.tsx";
import { StatusBadge } from "../ui/status.tsx";
import type { DomainRecord } from "./queries.ts";

const HEAD = ["Record", "Type", "Name", "Value", "Priority", "TTL", "Status"];

export function RecordsTable({ records }: { records: DomainRecord[] }) {
	return (
		<Table head={HEAD}>
			{records.map((r) => {
				const explain = r.diagnosis && r.diagnosis.state !== "found";
				return (
					<Fragment key={`${r.type} ${r.name} ${r.value}`}>
						<tr className={explain ? "border-b-0" : undefined}>
							<Cell className="font-medium whitespace-nowrap">{r.record}</Cell>
							<Cell>{r.type}</Cell>
							<Cell className="min-w-64">
								<CopyValue value={r.name} label={`${r.record} ${r.type} name ${r.name}`} />
							</Cell>
							<Cell className="min-w-64">
								<CopyValue value={r.value} label={`${r.record} ${r.type} value for ${r.name}`} />
							</Cell>
							<Cell>{r.priority ?? "—"}</Cell>
							<Cell>{r.ttl}</Cell>
							<Cell className="whitespace-nowrap">
								<StatusBadge status={r.status} />
								<DiagnosisState diagnosis={r.diagnosis} />
							</Cell>
						</tr>
						{explain ? (
							<tr className="bg-slate-50/60">
								<td colSpan={HEAD.length} className="px-4 pt-0 pb-3">
									{/* Sticky and viewport-wide on a phone, so the explanation stays readable
									    while the wide table is scrolled sideways. */}
									<div className="sticky left-4 max-w-[calc(100vw-5rem)] sm:max-w-none">
										<DiagnosisDetail diagnosis={r.diagnosis} />
									</div>
								</td>
							</tr>
						) : null}
					</Fragment>
				);
			})}
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

/** One word or two for what the latest check saw at the record's name. */
export function DiagnosisState({ diagnosis }: { diagnosis: DomainRecord["diagnosis"] }) {
	if (!diagnosis) return <p className="mt-1 text-xs text-slate-600">Not checked yet</p>;
	return (
		<p className={`mt-1 text-xs font-semibold ${STATE_TONE[diagnosis.state]}`}>
			{STATE_LABEL[diagnosis.state]}
		</p>
	);
}

/** The API's own explanation, and for a wrong value exactly what DNS answered. */
export function DiagnosisDetail({ diagnosis }: { diagnosis: DomainRecord["diagnosis"] }) {
	if (!diagnosis) return null;
	return (
		<div className="space-y-1 text-xs">
			<p className="break-words text-slate-700">{diagnosis.message}</p>
			{diagnosis.state === "wrong_value" && diagnosis.found.length > 0 ? (
				<div className="flex flex-wrap items-baseline gap-x-2 gap-y-1">
					<span className="text-slate-600">What we found:</span>
					{diagnosis.found.map((value) => (
						<code key={value} className="break-all rounded bg-red-50 px-1 font-mono text-red-900">
							{value}
						</code>
					))}
				</div>
			) : null}
		</div>
	);
}
