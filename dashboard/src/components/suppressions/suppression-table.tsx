/** The suppression list as a table; each entry can be removed after a confirmation. */
import { useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { api, type Schemas } from "../../api.ts";
import { ConfirmButton } from "../confirm.tsx";
import { Cell, Table } from "../ui/containers.tsx";
import { formatDate } from "../ui/format.ts";

type Suppression = Schemas["Suppression"];

const ORIGINS: Record<Suppression["origin"], string> = {
	bounce: "Hard bounce",
	complaint: "Complaint",
	manual: "Manual",
};

export function SuppressionTable({ rows }: { rows: Suppression[] }) {
	return (
		<Table head={["Address", "Origin", "Reason", "Email", "Added", "Actions"]}>
			{rows.map((row) => (
				<SuppressionRow key={row.id} row={row} />
			))}
		</Table>
	);
}

function SuppressionRow({ row }: { row: Suppression }) {
	const queryClient = useQueryClient();
	return (
		<tr>
			<Cell className="min-w-56 font-medium break-words">{row.email}</Cell>
			<Cell className="whitespace-nowrap">{ORIGINS[row.origin]}</Cell>
			<Cell className="min-w-64 text-slate-700">{row.reason ?? "—"}</Cell>
			<Cell className="whitespace-nowrap">
				{row.source_id ? (
					<Link
						to="/emails/$emailId"
						params={{ emailId: row.source_id }}
						className="font-medium text-indigo-700 underline"
						aria-label={`View email that added ${row.email}`}
					>
						View email
					</Link>
				) : (
					"—"
				)}
			</Cell>
			<Cell className="whitespace-nowrap">{formatDate(row.created_at)}</Cell>
			<Cell>
				<ConfirmButton
					label="Remove"
					title={`Remove ${row.email}?`}
					description="Emails to this address will be accepted again. Only remove it when you know it works again: another hard bounce counts against your bounce rate."
					confirmLabel="Remove address"
					onConfirm={async () => {
						await api.suppressions.remove(row.id);
						await queryClient.invalidateQueries({ queryKey: ["suppressions"] });
					}}
				/>
			</Cell>
		</tr>
	);
}
