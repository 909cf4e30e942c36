/**
 * "Add Shared SES domain": registers the name with SES and opens its page, where the DNS
 * records to publish are. Adding a domain the account already has answers with that domain,
 * so the same path leads to it.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { ApiFailure, api } from "../../api.ts";
import { Button, Card, ErrorNote, Field } from "../ui.tsx";
import { domainQuery, domainsKey } from "./queries.ts";

export function AddDomainForm() {
	const queryClient = useQueryClient();
	const navigate = useNavigate();
	const [name, setName] = useState("");
	const [returnPath, setReturnPath] = useState("");
	const add = useMutation({
		mutationFn: () =>
			api.domains.create({
				name: name.trim().toLowerCase(),
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

	return (
		<Card title="Add Shared SES domain">
			<form className="space-y-4" onSubmit={onSubmit}>
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
				</div>
				<p className="text-sm text-slate-600">
					The domain is added in SendFleet's SES region, shown on its page with the DNS records to
					publish. Verify it within 72 hours, or it is released.
				</p>
				{add.error ? <AddError error={add.error} /> : null}
				<Button type="submit" busy={add.isPending}>
					Add Shared SES domain
				</Button>
			</form>
		</Card>
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
			) : null}
		</div>
	);
}
