/**
 * "Add domain": on Shared SES (SendFleet's SES; needs an approved Verification Request and a
 * plan, which the API enforces and AddError links to) or BYOC (the customer's own SES, through
 * their AWS connection; no approval or plan). Registers the name and opens its page, where the
 * DNS records to publish are. Adding a domain the account already has answers with that
 * domain, so the same path leads to it.
 */
import { type UseQueryResult, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { ApiFailure, api } from "../../api.ts";
import { type ByocConnection, byocQuery } from "../byoc/queries.ts";
import { Button } from "../ui/buttons.tsx";
import { Card } from "../ui/containers.tsx";
import { Field, RadioCards } from "../ui/fields.tsx";
import { ErrorNote, Notice } from "../ui/status.tsx";
import { domainQuery, domainsKey } from "./queries.ts";

type Path = "shared" | "byoc";

export function AddDomainForm() {
	const queryClient = useQueryClient();
	const navigate = useNavigate();
	const [path, setPath] = useState<Path>("shared");
	const [name, setName] = useState("");
	const [returnPath, setReturnPath] = useState("");
	const [region, setRegion] = useState("");
	const connection = useQuery({ ...byocQuery, enabled: path === "byoc" });
	const byocRegion = connection.data?.region ?? "";
	const add = useMutation({
		mutationFn: () =>
			api.domains.create({
				name: name.trim().toLowerCase(),
				sending_path: path,
				...(path === "byoc" && region.trim() ? { region: region.trim() } : {}),
				...(returnPath.trim() ? { custom_return_path: returnPath.trim().toLowerCase() } : {}),
			}),
		onSuccess: async (domain) => {
			queryClient.setQueryData(domainQuery(domain.id).queryKey, domain);
			await queryClient.invalidateQueries({ queryKey: domainsKey });
			await navigate({ to: "/domains/$domainId", params: { domainId: domain.id } });
		},
	});
	const onSubmit = (event: FormEvent) => {
		event.preventDefault();
		add.mutate();
	};
	const notConnected = path === "byoc" && connection.data?.status === "not_connected";

	return (
		<Card title="Add domain">
			<form className="space-y-4" onSubmit={onSubmit}>
				<RadioCards
					legend="Sending path"
					name="sending_path"
					value={path}
					onChange={(next) => {
						setPath(next);
						add.reset();
					}}
					options={[
						{
							value: "shared",
							label: "Shared SES",
							description:
								"SendFleet's SES, with logs, webhooks and bounce handling. Needs an approved Verification Request and a Growth or Pro plan.",
						},
						{
							value: "byoc",
							label: "BYOC (your AWS account)",
							description:
								"Your own SES, through your AWS connection. No approval or plan; SendFleet stores none of its emails.",
						},
					]}
				/>
				<div className="grid gap-4 sm:grid-cols-2">
					<Field
						label="Domain"
						name="name"
						placeholder="acme.com"
						autoComplete="off"
						spellCheck={false}
						required
						maxLength={253}
						value={name}
						onChange={(e) => setName(e.target.value)}
						hint="Once it is verified you can also send from its subdomains, such as mail.acme.com."
					/>
					<Field
						label="MAIL FROM subdomain (optional)"
						name="custom_return_path"
						placeholder="send"
						autoComplete="off"
						spellCheck={false}
						pattern="[a-zA-Z0-9](?:[a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?"
						value={returnPath}
						onChange={(e) => setReturnPath(e.target.value)}
						hint={
							<>
								Where bounces come back: <code>{returnPath.trim() || "send"}.</code>
								<code>{name.trim() || "acme.com"}</code>. Leave it empty for <code>send</code>.
							</>
						}
					/>
					{path === "byoc" ? (
						<Field
							label="SES region (optional)"
							name="region"
							autoComplete="off"
							spellCheck={false}
							placeholder={byocRegion || "us-east-1"}
							pattern="[a-z]{2}(-[a-z]+)+-\d"
							value={region}
							onChange={(e) => setRegion(e.target.value)}
							hint={
								byocRegion
									? `Where in your SES to create it. Leave it empty for your connection's region, ${byocRegion}.`
									: "Where in your SES to create it. Leave it empty for your connection's region."
							}
						/>
					) : null}
				</div>
				{path === "shared" ? (
					<p className="text-sm text-slate-600">
						The domain is added in SendFleet's SES region, shown on its page with the DNS records to
						publish. Verify it within 72 hours, or it is released.
					</p>
				) : (
					<ByocNote connection={connection} />
				)}
				{add.error ? <AddError error={add.error} /> : null}
				{path === "shared" ? (
					<Button type="submit" busy={add.isPending}>
						Add Shared SES domain
					</Button>
				) : (
					<Button type="submit" busy={add.isPending} disabled={notConnected}>
						Add BYOC domain
					</Button>
				)}
			</form>
		</Card>
	);
}

function ByocNote({ connection }: { connection: UseQueryResult<ByocConnection> }) {
	const data = connection.data;
	const link = (
		<Link to="/aws-connection" className="font-medium underline">
			AWS connection
		</Link>
	);
	if (connection.isPending)
		return <p className="text-sm text-slate-600">Checking your AWS connection…</p>;
	if (connection.isError)
		return <ErrorNote error={connection.error} retry={() => void connection.refetch()} />;
	if (data?.status === "not_connected") {
		return (
			<Notice tone="yellow">
				You have not connected an AWS account yet. Connect one on the {link} page first: BYOC
				domains are created in your own SES.
			</Notice>
		);
	}
	if (data?.status === "broken") {
		return (
			<Notice tone="yellow">
				Your AWS connection is broken, so adding the domain to your SES may fail. Check it on the{" "}
				{link} page.
			</Notice>
		);
	}
	return (
		<p className="text-sm text-slate-600">
			The identity is created in your own SES account; publish the DNS records on its page and
			verify within 72 hours. Its emails go through your SES and never show in Emails.
		</p>
	);
}

/** The API's refusal, with the page that fixes it when there is one. */
function AddError({ error }: { error: unknown }) {
	const code = error instanceof ApiFailure ? error.code : "";
	return (
		<div className="space-y-2">
			<ErrorNote error={error} />
			{code === "verification_required" ? (
				<p className="text-sm">
					<Link to="/verification" className="font-medium text-indigo-700 underline">
						Go to Verification Request
					</Link>
				</p>
			) : code === "plan_required" || code === "domain_limit_exceeded" ? (
				<p className="text-sm">
					<Link to="/billing" className="font-medium text-indigo-700 underline">
						Go to Billing
					</Link>
				</p>
			) : code === "byoc_not_connected" || code === "byoc_connection_broken" ? (
				<p className="text-sm">
					<Link to="/aws-connection" className="font-medium text-indigo-700 underline">
						Go to AWS connection
					</Link>
				</p>
			) : null}
		</div>
	);
}
