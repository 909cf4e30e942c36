/**
 * An email's files, from GET /emails/{id}/attachments. Each `download_url` carries its own
 * signature and works without a session for an hour, so the list is fetched again well before
 * its links expire while the page stays open.
 */
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api.ts";
import { Cell, Table } from "../ui/containers.tsx";
import { formatBytes } from "../ui/format.ts";
import { ErrorNote, Loading } from "../ui/status.tsx";

const REFRESH_MS = 30 * 60_000;

export function Attachments({ emailId, count }: { emailId: string; count: number }) {
	const list = useQuery({
		queryKey: ["emails", "attachments", emailId],
		queryFn: () => api.emails.attachments(emailId),
		enabled: count > 0,
		staleTime: REFRESH_MS,
		refetchInterval: REFRESH_MS,
	});
	if (count === 0) return <p className="text-sm text-slate-600">No attachments.</p>;
	if (list.isPending) return <Loading what="Loading the attachments" />;
	if (list.isError) return <ErrorNote error={list.error} retry={() => list.refetch()} />;
	if (list.data.data.length === 0) {
		return <p className="text-sm text-slate-600">This email's files are no longer stored.</p>;
	}
	return (
		<Table head={["Name", "Type", "Size", "Shown as", "Download"]} label="Attachments">
			{list.data.data.map((file) => (
				<tr key={file.id}>
					<Cell className="break-all font-medium text-slate-900">{file.filename}</Cell>
					<Cell className="whitespace-nowrap font-mono text-xs text-slate-700">
						{file.content_type}
					</Cell>
					<Cell className="whitespace-nowrap text-slate-700">{formatBytes(file.size)}</Cell>
					<Cell className="text-slate-700">
						{file.content_disposition === "inline" ? (
							<>
								Inline
								{file.content_id ? (
									<span className="block font-mono text-xs text-slate-600">
										cid:{file.content_id}
									</span>
								) : null}
							</>
						) : (
							"Attachment"
						)}
					</Cell>
					<Cell>
						<a
							href={file.download_url}
							download={file.filename}
							target="_blank"
							rel="noopener noreferrer"
							aria-label={`Download ${file.filename}`}
							className="font-medium text-indigo-700 underline"
						>
							Download
						</a>
					</Cell>
				</tr>
			))}
		</Table>
	);
}
