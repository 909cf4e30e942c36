/**
 * Staff: every account, searchable by name or owner email (the API searches all of them, not
 * just the loaded page), with a "Suspended only" view to review and reinstate suspensions.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { AccountTable, SuspendedList } from "../../components/staff/account-list.tsx";
import { PageHeader } from "../../components/ui/containers.tsx";
import { Field } from "../../components/ui/fields.tsx";
import { Empty, ErrorNote, Loading, Notice } from "../../components/ui/status.tsx";
import {
	Pager,
	SearchActions,
	useCursor,
	useSearchFilter,
	useSearchParams,
} from "../../components/url-state.tsx";

export function Page() {
	const params = useSearchParams();
	const cursor = useCursor();
	const search = params.search;
	const suspended = params.suspended === "true";
	const [announcement, setAnnouncement] = useState<string | null>(null);
	const list = useQuery({
		queryKey: ["staff", "accounts", { search, suspended, ...cursor }],
		queryFn: () =>
			api.staff.accounts({ search, suspended: suspended ? "true" : undefined, ...cursor }),
		placeholderData: keepPreviousData,
	});

	return (
		<>
			<PageHeader
				title="Accounts"
				description="Every SendFleet account, newest first. Suspended accounts stay suspended until staff reinstate them."
			/>
			<div className="space-y-4">
				<Filters search={search} suspended={suspended} onChange={() => setAnnouncement(null)} />
				<div aria-live="polite" aria-atomic="true">
					{announcement ? <Notice tone="green">{announcement}</Notice> : null}
				</div>
				{list.isPending ? (
					<Loading what="Loading accounts" />
				) : list.isError ? (
					<ErrorNote error={list.error} retry={() => list.refetch()} />
				) : list.data.data.length === 0 ? (
					<Empty>
						{search
							? `No ${suspended ? "suspended " : ""}account matches “${search}”.`
							: suspended
								? "No account is suspended."
								: "No accounts yet."}
					</Empty>
				) : (
					<div aria-busy={list.isFetching}>
						{suspended ? (
							<SuspendedList accounts={list.data.data} onReinstated={setAnnouncement} />
						) : (
							<AccountTable accounts={list.data.data} />
						)}
						<Pager rows={list.data.data} hasMore={list.data.has_more} label="accounts" />
					</div>
				)}
			</div>
		</>
	);
}

function Filters({
	search,
	suspended,
	onChange,
}: {
	search: string | undefined;
	suspended: boolean;
	onChange: () => void;
}) {
	const { text, setText, apply, submit } = useSearchFilter(search, onChange);
	return (
		<search>
			<form onSubmit={submit} className="flex flex-col gap-3 sm:flex-row sm:items-end">
				<div className="flex-1">
					<Field
						label="Search accounts"
						type="search"
						name="search"
						placeholder="Account name or owner email"
						maxLength={254}
						value={text}
						onChange={(e) => setText(e.target.value)}
					/>
				</div>
				<label className="flex items-center gap-2 py-2 text-sm font-medium text-slate-700">
					<input
						type="checkbox"
						className="size-4 rounded border-slate-300"
						checked={suspended}
						onChange={(e) => apply({ suspended: e.target.checked || undefined })}
					/>
					Suspended only
				</label>
				<SearchActions
					active={Boolean(search || suspended)}
					onClear={() => {
						setText("");
						apply({ search: undefined, suspended: undefined });
					}}
				/>
			</form>
		</search>
	);
}
