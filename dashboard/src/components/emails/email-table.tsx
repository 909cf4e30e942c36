import { Link } from "@tanstack/react-router";
import type { api } from "../../api.ts";
import { Cell, formatDate, StatusBadge, Table } from "../ui.tsx";

type Email = Awaited<ReturnType<typeof api.emails.list>>["data"][number];

/** Recipients in one cell: the first two, then how many more (the detail lists them all). */
function recipients(email: Email): string {
	const all = [...email.to, ...(email.cc ?? []), ...(email.bcc ?? [])];
	const shown = all.slice(0, 2).join(", ");
	return all.length > 2 ? `${shown} +${all.length - 2} more` : shown;
}

export function EmailTable({ rows }: { rows: Email[] }) {
	return (
		<Table head={["Subject", "Status", "Last event", "From", "To", "Created"]}>
			{rows.map((email) => (
				<tr key={email.id} className="hover:bg-slate-50">
					<Cell className="min-w-40 max-w-xs">
						{/* The subject is the row's link: one tab stop per email, read out as its name. */}
						<Link
							to="/emails/$emailId"
							params={{ emailId: email.id }}
							className="line-clamp-2 font-medium text-indigo-700 underline-offset-2 hover:underline"
						>
							{email.subject}
						</Link>
					</Cell>
					<Cell>
						<StatusBadge status={email.status} />
					</Cell>
					<Cell>
						<StatusBadge status={email.last_event} />
					</Cell>
					<Cell className="max-w-56 break-words text-slate-700">{email.from}</Cell>
					<Cell className="max-w-56 break-words text-slate-700">{recipients(email)}</Cell>
					<Cell className="whitespace-nowrap text-slate-600">
						<time dateTime={email.created_at}>{formatDate(email.created_at)}</time>
					</Cell>
				</tr>
			))}
		</Table>
	);
}
