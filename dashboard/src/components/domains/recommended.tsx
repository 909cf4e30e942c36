/**
 * SPF, MAIL FROM and DMARC: not needed to send, but every send from the domain carries a
 * warning for each one the last check did not verify, and more of its mail lands in spam.
 */
import { Notice } from "../ui/status.tsx";
import type { Domain, DomainRecord } from "./queries.ts";
import { RecordsTable } from "./records.tsx";

const WARNINGS = [
	{ record: "SPF", status: "spf_status", code: "spf_not_verified" },
	{ record: "MAIL FROM", status: "mail_from_status", code: "mail_from_not_verified" },
	{ record: "DMARC", status: "dmarc_status", code: "dmarc_not_found" },
] as const;

export function RecommendedRecords({ domain }: { domain: Domain }) {
	const records = domain.records.filter((r) => !r.required);
	const open = WARNINGS.filter((w) => domain[w.status] !== "verified");
	return (
		<div className="space-y-4">
			{open.length === 0 ? (
				<Notice tone="green">
					Every recommended record is verified: sends from {domain.name} carry no warnings.
				</Notice>
			) : (
				<Notice tone="yellow">
					<p>
						Until these are verified, every send from {domain.name} answers with a warning. The
						email still goes out, but more of it may land in spam.
					</p>
					<ul className="mt-2 space-y-2">
						{open.map((w) => (
							<li key={w.code}>
								<code className="font-mono font-semibold">{w.code}</code>:{" "}
								{fix(
									w.record,
									records.filter((r) => r.record === w.record),
								)}
							</li>
						))}
					</ul>
				</Notice>
			)}
			<RecordsTable records={records} />
			<p className="text-sm text-slate-600">
				Warnings come from the latest check: after publishing a record, use Verify ownership or
				Verify DKIM (each looks these up again) so the next send reflects it.
			</p>
		</div>
	);
}

/** The fix in the records' own names and values, so it matches what the table says. */
function fix(record: string, records: DomainRecord[]) {
	return (
		<>
			{record} not verified; add{" "}
			{records.map((r, i) => (
				<span key={`${r.type} ${r.name} ${r.value}`}>
					{i > 0 ? " and " : ""}
					{r.type}{" "}
					<code className="break-all font-mono">
						{r.priority ? `${r.priority} ` : ""}
						{r.value}
					</code>{" "}
					on <code className="break-all font-mono">{r.name}</code>
				</span>
			))}
			.
		</>
	);
}
