import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "@tanstack/react-router";
import { ApiFailure, api } from "../api.ts";
import { ConfirmButton } from "../components/confirm.tsx";
import { type Domain, domainQuery, domainsKey } from "../components/domains/queries.ts";
import { RecommendedRecords } from "../components/domains/recommended.tsx";
import { RecordsTable } from "../components/domains/records.tsx";
import { DomainSummary } from "../components/domains/summary.tsx";
import { TestEmailForm } from "../components/domains/test-email.tsx";
import { VerifyChecks } from "../components/domains/verify-checks.tsx";
import { Card, PageHeader } from "../components/ui/containers.tsx";
import { ErrorNote, Loading, Notice } from "../components/ui/status.tsx";

export function Page() {
	const { domainId } = useParams({ from: "/app/domains/$domainId" });
	const domain = useQuery(domainQuery(domainId));
	return (
		<div className="space-y-6">
			<Link to="/domains" className="text-sm font-medium text-indigo-700 underline">
				← Domains
			</Link>
			{domain.isPending ? (
				<Loading what="Loading the domain" />
			) : domain.isError ? (
				<ErrorNote
					error={domain.error}
					// A 404 (deleted, or another account's) will not change by asking again.
					retry={
						domain.error instanceof ApiFailure &&
						domain.error.status >= 400 &&
						domain.error.status < 500
							? undefined
							: () => void domain.refetch()
					}
				/>
			) : (
				<DomainPage domain={domain.data} />
			)}
		</div>
	);
}

function DomainPage({ domain }: { domain: Domain }) {
	const guide = (
		<Link
			to="/guides/$guide"
			params={{ guide: "dns-records" }}
			className="font-medium text-indigo-700 underline"
		>
			DNS records guide
		</Link>
	);
	return (
		<>
			<PageHeader
				title={domain.name}
				description={
					domain.sending_path === "byoc"
						? "A BYOC domain, sending through your own AWS account: publish its DNS records, verify them, then send."
						: "A Shared SES domain: publish its DNS records, verify them, then send."
				}
				actions={<DeleteDomain domain={domain} />}
			/>
			<Card>
				<DomainSummary domain={domain} />
			</Card>
			{domain.sending_path === "byoc" ? <ByocDomainNote domain={domain} /> : null}
			<Card title="Required records">
				<div className="space-y-4">
					<p className="text-sm text-slate-600">
						Ownership and the three DKIM records must verify before {domain.name} can send. Copy
						each name and value exactly; if your DNS provider adds the domain to names, enter only
						the part before <code>.{domain.name}</code>. The {guide} explains each record and common
						mistakes.
					</p>
					<RecordsTable records={domain.records.filter((r) => r.required)} />
					<VerifyChecks domain={domain} />
				</div>
			</Card>
			<Card title="Recommended records">
				<RecommendedRecords domain={domain} />
			</Card>
			<Card title="Send a test email">
				{domain.status === "verified" ? (
					<TestEmailForm domain={domain.name} byoc={domain.sending_path === "byoc"} />
				) : (
					<p className="text-sm text-slate-600">
						You can send a test email once ownership and DKIM are verified.
					</p>
				)}
			</Card>
		</>
	);
}

/** Where a BYOC domain's identity lives, and what SendFleet does not keep of its emails. */
function ByocDomainNote({ domain }: { domain: Domain }) {
	return (
		<Notice>
			<p>
				This domain's SES identity lives in your own AWS account, in region{" "}
				<strong>{domain.region}</strong>: SendFleet sends its emails through your{" "}
				<Link to="/aws-connection" className="font-medium underline">
					AWS connection
				</Link>
				. Its emails are not stored: they never show in Emails and send no webhooks; bounces and
				complaints are handled by your own SES.
			</p>
		</Notice>
	);
}

function DeleteDomain({ domain }: { domain: Domain }) {
	const queryClient = useQueryClient();
	const navigate = useNavigate();
	return (
		<ConfirmButton
			label="Delete domain"
			title={`Delete ${domain.name}?`}
			description={`Sending from ${domain.name} stops at once and its SES identity is deleted. API keys limited to this domain stop sending. To use it again you add it again and publish new records.`}
			onConfirm={async () => {
				await api.domains.remove(domain.id);
				queryClient.removeQueries({ queryKey: domainQuery(domain.id).queryKey });
				await queryClient.invalidateQueries({ queryKey: domainsKey });
				await navigate({ to: "/domains" });
			}}
		/>
	);
}
