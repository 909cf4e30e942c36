import { useInfiniteQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { AddDomainForm } from "../components/domains/add-domain.tsx";
import { PathBadge } from "../components/domains/path-badge.tsx";
import { domainListQuery } from "../components/domains/queries.ts";
import { Button } from "../components/ui/buttons.tsx";
import { Cell, PageHeader, Table } from "../components/ui/containers.tsx";
import { formatDate } from "../components/ui/format.ts";
import { Empty, ErrorNote, Loading, StatusBadge } from "../components/ui/status.tsx";

export function Page() {
	return (
		<div className="space-y-6">
			<PageHeader
				title="Domains"
				description="The domains you send from, through SendFleet's SES (Shared SES) or your own AWS account (BYOC). Each needs its ownership and DKIM records verified before it can send."
			/>
			<AddDomainForm />
			<DomainList />
		</div>
	);
}

function DomainList() {
	const list = useInfiniteQuery(domainListQuery);
	if (list.isPending) return <Loading what="Loading your domains" />;
	if (list.isError) return <ErrorNote error={list.error} retry={() => void list.refetch()} />;
	const domains = list.data.pages.flatMap((page) => page.data);
	if (domains.length === 0) {
		return (
			<Empty>
				<p className="font-medium text-slate-800">No domains yet.</p>
				<p className="mt-1">
					Add the domain you will send from above. We register it with Amazon SES and give you the
					DNS records to publish; once ownership and DKIM verify, you can send from it.
				</p>
				<p className="mt-1">
					A Shared SES domain needs an approved{" "}
					<Link to="/verification" className="font-medium text-indigo-700 underline">
						Verification Request
					</Link>{" "}
					and a Growth or Pro plan from{" "}
					<Link to="/billing" className="font-medium text-indigo-700 underline">
						Billing
					</Link>
					. A BYOC domain needs only your{" "}
					<Link to="/aws-connection" className="font-medium text-indigo-700 underline">
						AWS connection
					</Link>
					.
				</p>
			</Empty>
		);
	}
	return (
		<section aria-labelledby="domain-list" className="space-y-3">
			<h2 id="domain-list" className="text-base font-semibold">
				Your domains
			</h2>
			<Table head={["Domain", "Path", "Status", "Region", "Added"]}>
				{domains.map((d) => (
					<tr key={d.id}>
						<Cell className="min-w-40">
							<Link
								to="/domains/$domainId"
								params={{ domainId: d.id }}
								className="font-medium break-words text-indigo-700 underline"
							>
								{d.name}
							</Link>
						</Cell>
						<Cell>
							<PathBadge path={d.sending_path} />
						</Cell>
						<Cell>
							<StatusBadge status={d.status} />
							{d.status !== "verified" && d.status !== "failed" && d.expires_at ? (
								<p className="mt-1 text-xs whitespace-nowrap text-slate-600">
									Verify by {formatDate(d.expires_at)}
								</p>
							) : null}
						</Cell>
						<Cell className="whitespace-nowrap">{d.region}</Cell>
						<Cell className="whitespace-nowrap">{formatDate(d.created_at)}</Cell>
					</tr>
				))}
			</Table>
			{list.hasNextPage ? (
				<Button
					tone="secondary"
					busy={list.isFetchingNextPage}
					onClick={() => void list.fetchNextPage()}
				>
					Show more domains
				</Button>
			) : null}
		</section>
	);
}
