/**
 * The Emails log: every email of the last 90 days, newest first, filtered by the API (GET
 * /emails's own filters, each served by an index) so a filter covers the whole log rather than
 * the loaded page. Filters and the page live in the URL (components/emails/url-state.tsx).
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "../api.ts";
import { EmailTable } from "../components/emails/email-table.tsx";
import { EmailFilters } from "../components/emails/filters.tsx";
import { apiQuery, isFiltered, Pager, useEmailSearch } from "../components/emails/url-state.tsx";
import { PageHeader } from "../components/ui/containers.tsx";
import { Empty, ErrorNote, Loading } from "../components/ui/status.tsx";

const PAGE_SIZE = 25;

export function Page() {
	const search = useEmailSearch();
	const query = apiQuery(search, PAGE_SIZE);
	const list = useQuery({
		queryKey: ["emails", "list", query],
		queryFn: () => api.emails.list(query),
		placeholderData: keepPreviousData,
	});
	const rows = list.data?.data ?? [];

	return (
		<>
			<PageHeader
				title="Emails"
				description="Every email your account sent through Shared SES in the last 90 days, newest first. Open one for its timeline per recipient and its content. Emails from BYOC domains are not stored and never show here."
			/>
			<div className="space-y-4">
				<EmailFilters search={search} />
				<section aria-labelledby="email-log" className="space-y-3">
					<h2 id="email-log" className="sr-only">
						Email log
					</h2>
					<p aria-live="polite" className="text-sm text-slate-600">
						{list.isSuccess && !list.isFetching
							? rows.length === 0
								? ""
								: `Showing ${rows.length} email${rows.length === 1 ? "" : "s"}${isFiltered(search) ? " matching the filters" : ""}.`
							: ""}
					</p>
					{list.isPending ? (
						<Loading what="Loading emails" />
					) : list.isError ? (
						<ErrorNote error={list.error} retry={() => list.refetch()} />
					) : rows.length === 0 ? (
						<Empty>
							{isFiltered(search)
								? "No email matches these filters."
								: search.after || search.before
									? "No more emails this way."
									: "No emails yet. Emails you send with the API from Shared SES domains appear here within seconds; BYOC domains' emails are not stored."}
						</Empty>
					) : (
						<div aria-busy={list.isFetching}>
							<EmailTable rows={rows} />
							<Pager rows={rows} hasMore={list.data.has_more} />
						</div>
					)}
				</section>
			</div>
		</>
	);
}
