/**
 * The account's suppression list: addresses that hard-bounced, complained or were added by hand.
 * Filters and the page cursor live in the URL, and the API does the searching (`?search=`
 * matches part of an address across the whole list, not just the loaded page).
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { api } from "../api.ts";
import { AddSuppressionForm } from "../components/suppressions/add-form.tsx";
import { SuppressionTable } from "../components/suppressions/suppression-table.tsx";
import { Card, PageHeader } from "../components/ui/containers.tsx";
import { Field, Select } from "../components/ui/fields.tsx";
import { Empty, ErrorNote, Loading } from "../components/ui/status.tsx";
import {
	Pager,
	SearchActions,
	useCursor,
	useSearchFilter,
	useSearchParams,
	useSetSearch,
} from "../components/url-state.tsx";

const ORIGIN_OPTIONS = [
	{ value: "", label: "All origins" },
	{ value: "bounce", label: "Hard bounce" },
	{ value: "complaint", label: "Complaint" },
	{ value: "manual", label: "Manual" },
];

type Origin = "bounce" | "complaint" | "manual";
const isOrigin = (value: string | undefined): value is Origin =>
	value === "bounce" || value === "complaint" || value === "manual";

export function Page() {
	const params = useSearchParams();
	const setSearch = useSetSearch();
	const cursor = useCursor();
	const search = params.search;
	const origin = isOrigin(params.origin) ? params.origin : undefined;
	const list = useQuery({
		queryKey: ["suppressions", { search, origin, ...cursor }],
		queryFn: () => api.suppressions.list({ search, origin, ...cursor }),
		placeholderData: keepPreviousData,
	});
	const filtered = Boolean(search || origin);

	return (
		<>
			<PageHeader
				title="Suppressions"
				description={
					<>
						Addresses SendFleet will not send to: added automatically after a hard bounce or a
						complaint, or by you. An email with a suppressed recipient is refused whole. See{" "}
						<Link
							to="/guides/$guide"
							params={{ guide: "suspension" }}
							className="font-medium text-indigo-700 underline"
						>
							Suspension and suppression
						</Link>
						.
					</>
				}
			/>
			<div className="space-y-6">
				<Card title="Add an address">
					<AddSuppressionForm onAdded={() => setSearch({ after: undefined, before: undefined })} />
				</Card>
				<section aria-labelledby="suppression-list" className="space-y-4">
					<h2 id="suppression-list" className="sr-only">
						Suppressed addresses
					</h2>
					<Filters search={search} origin={origin ?? ""} />
					{list.isPending ? (
						<Loading what="Loading the suppression list" />
					) : list.isError ? (
						<ErrorNote error={list.error} retry={() => list.refetch()} />
					) : list.data.data.length === 0 ? (
						<Empty>
							{filtered
								? "No suppressed address matches these filters."
								: "Your suppression list is empty. Addresses that hard-bounce or complain are added automatically."}
						</Empty>
					) : (
						<div aria-busy={list.isFetching}>
							<SuppressionTable rows={list.data.data} />
							<Pager rows={list.data.data} hasMore={list.data.has_more} label="suppressions" />
						</div>
					)}
				</section>
			</div>
		</>
	);
}

function Filters({ search, origin }: { search: string | undefined; origin: string }) {
	const { text, setText, apply, submit } = useSearchFilter(search);
	return (
		<search>
			<form onSubmit={submit} className="flex flex-col gap-3 sm:flex-row sm:items-end">
				<div className="flex-1">
					<Field
						label="Search addresses"
						type="search"
						name="search"
						placeholder="Part of an address, e.g. example.org"
						maxLength={254}
						value={text}
						onChange={(e) => setText(e.target.value)}
					/>
				</div>
				<div className="sm:w-44">
					<Select
						label="Origin"
						value={origin}
						options={ORIGIN_OPTIONS}
						onChange={(e) => apply({ origin: e.target.value || undefined })}
					/>
				</div>
				<SearchActions
					active={Boolean(search || origin)}
					onClear={() => {
						setText("");
						apply({ search: undefined, origin: undefined });
					}}
				/>
			</form>
		</search>
	);
}
