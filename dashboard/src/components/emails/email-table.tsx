import { Link } from "@tanstack/react-router";
import type { api } from "../../api.ts";
import { Cell, Table } from "../ui/containers.tsx";
import { formatDate } from "../ui/format.ts";
import { StatusBadge } from "../ui/status.tsx";

type Email = Awaited<ReturnType<typeof api.emails.list>>["data"][number];

/** Recipients in one cell: the first two, then how many more (the detail lists them all). */
function recipients(email: Email): string {
	const all = [...email.to, ...(email.cc ?? []), ...(email.bcc ?? [])];
	const shown = all.slice(0, 2).join(", ");
	return all.length > 2 ? `${shown} +${all.length - 2} more` : shown;
}

/**
 * The email's status as its sender thinks of it: a scheduled email is `pending` to the API and
 * a canceled one `failed`, but the log says "scheduled" with its time, and "canceled".
 */
export const sendStatus = (email: Pick<Email, "status" | "last_event">): string =>
	email.last_event === "scheduled" || email.last_event === "canceled"
		? email.last_event
		: email.status;

function SendStatus({ email }: { email: Email }) {
	if (email.last_event === "scheduled") {
		return (
			<span className="flex flex-col items-start gap-1">
				<StatusBadge status="scheduled" />
				{email.scheduled_at ? (
					<time dateTime={email.scheduled_at} className="text-xs text-slate-600">
						for {formatDate(email.scheduled_at)}
					</time>
				) : null}
			</span>
		);
	}
	return <StatusBadge status={sendStatus(email)} />;
}

function AttachmentCount({ count }: { count: number }) {
	const words = `${count} attachment${count === 1 ? "" : "s"}`;
	return (
		<span className="mt-1 inline-flex items-center gap-1 text-xs text-slate-600" title={words}>
			<PaperclipIcon />
			<span aria-hidden="true">{count}</span>
			<span className="sr-only">{words}</span>
		</span>
	);
}

export function PaperclipIcon() {
	return (
		<svg
			viewBox="0 0 20 20"
			fill="none"
			stroke="currentColor"
			strokeWidth="1.6"
			strokeLinecap="round"
			strokeLinejoin="round"
			className="size-4"
			aria-hidden="true"
		>
			<path d="M14.5 9.5 9.6 14.4a3.2 3.2 0 0 1-4.5-4.5l5.6-5.6a2.1 2.1 0 0 1 3 3l-5.6 5.6a1 1 0 0 1-1.5-1.5l5-5" />
		</svg>
	);
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
						{email.attachments > 0 ? <AttachmentCount count={email.attachments} /> : null}
					</Cell>
					<Cell className="whitespace-nowrap">
						<SendStatus email={email} />
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
