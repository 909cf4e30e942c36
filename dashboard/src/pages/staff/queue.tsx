/**
 * Staff: the verification queue. Pending requests, oldest decisions last, each with Approve and
 * Reject; a decided request leaves the pending list (the list is refetched) and the outcome is
 * announced. Approved and rejected requests stay readable through the status filter.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import {
	type Decided,
	DecisionForm,
	type Request,
	RequestDetails,
} from "../../components/staff/request.tsx";
import { Card, PageHeader } from "../../components/ui/containers.tsx";
import { Select } from "../../components/ui/fields.tsx";
import { Empty, ErrorNote, Loading, Notice } from "../../components/ui/status.tsx";
import { Pager, useCursor, useSearchParams, useSetSearch } from "../../components/url-state.tsx";

const STATUSES = ["pending", "approved", "rejected"] as const;
type Status = (typeof STATUSES)[number];
const STATUS_OPTIONS = [
	{ value: "pending", label: "Pending" },
	{ value: "approved", label: "Approved" },
	{ value: "rejected", label: "Rejected" },
];

type Row = Request & { account_name: string };

export function Page() {
	const params = useSearchParams();
	const setSearch = useSetSearch();
	const cursor = useCursor();
	const status: Status = STATUSES.includes(params.status as Status)
		? (params.status as Status)
		: "pending";
	const [announcement, setAnnouncement] = useState<Decided | null>(null);
	const list = useQuery({
		queryKey: ["staff", "verification-requests", { status, ...cursor }],
		queryFn: () => api.staff.verificationRequests({ status, ...cursor }),
		placeholderData: keepPreviousData,
	});

	return (
		<>
			<PageHeader
				title="Verification queue"
				description="Verification Requests from accounts asking to send. Approve to let the account subscribe and send; reject with a note telling the owner what to fix."
			/>
			<div className="space-y-4">
				<div className="sm:w-56">
					<Select
						label="Status"
						value={status}
						options={STATUS_OPTIONS}
						onChange={(e) => {
							setAnnouncement(null);
							setSearch({
								status: e.target.value === "pending" ? undefined : e.target.value,
								after: undefined,
								before: undefined,
							});
						}}
					/>
				</div>
				<div aria-live="polite" aria-atomic="true">
					{announcement ? (
						<Notice tone={announcement.label === "Approved" ? "green" : "yellow"}>
							{announcement.text}
						</Notice>
					) : null}
				</div>
				{list.isPending ? (
					<Loading what="Loading verification requests" />
				) : list.isError ? (
					<ErrorNote error={list.error} retry={() => list.refetch()} />
				) : list.data.data.length === 0 ? (
					<Empty>
						{status === "pending"
							? "No pending Verification Requests. New ones appear here as customers submit them."
							: `No ${status} Verification Requests.`}
					</Empty>
				) : (
					<div aria-busy={list.isFetching} className="space-y-4">
						<p className="text-sm text-slate-600">
							{status === "pending"
								? "Newest first. Each decision emails the owner."
								: "Newest first."}
						</p>
						<ul className="space-y-4">
							{list.data.data.map((row) => (
								<li key={row.id}>
									<RequestCard row={row} onDecided={setAnnouncement} />
								</li>
							))}
						</ul>
						<Pager
							rows={list.data.data}
							hasMore={list.data.has_more}
							label="verification requests"
						/>
					</div>
				)}
			</div>
		</>
	);
}

function RequestCard({ row, onDecided }: { row: Row; onDecided: (d: Decided) => void }) {
	return (
		<Card title={row.company_name}>
			<div className="space-y-4">
				<RequestDetails request={row} accountName={row.account_name} />
				{row.status === "pending" ? (
					<DecisionForm request={row} accountName={row.account_name} onDecided={onDecided} />
				) : null}
			</div>
		</Card>
	);
}
