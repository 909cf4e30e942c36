/** The account's API keys (never their tokens) and revoking one, which takes effect at once. */
import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { api, type Schemas } from "../../api.ts";
import { ConfirmButton } from "../confirm.tsx";
import { domainListQuery } from "../domains/queries.ts";
import { Button } from "../ui/buttons.tsx";
import { Cell, Table } from "../ui/containers.tsx";
import { formatDate } from "../ui/format.ts";
import { Empty, ErrorNote, Loading } from "../ui/status.tsx";
import { apiKeyListQuery, apiKeysKey } from "./queries.ts";

const PERMISSION_LABEL = { full_access: "Full access", sending_access: "Sending access" } as const;

export function KeyList() {
	const list = useInfiniteQuery(apiKeyListQuery);
	if (list.isPending) return <Loading what="Loading your API keys" />;
	if (list.isError) return <ErrorNote error={list.error} retry={() => void list.refetch()} />;
	const keys = list.data.pages.flatMap((page) => page.data);
	if (keys.length === 0) {
		return (
			<Empty>
				No API keys yet. Create one above to call the API from your code; keys start with{" "}
				<code>sf_</code>.
			</Empty>
		);
	}
	return (
		<section aria-labelledby="key-list" className="space-y-3">
			<h2 id="key-list" className="text-base font-semibold">
				Your API keys
			</h2>
			<Table head={["Name", "Permission", "Domain", "Created", "Last used", "Actions"]}>
				{keys.map((key) => (
					<KeyRow key={key.id} apiKey={key} />
				))}
			</Table>
			{list.hasNextPage ? (
				<Button
					tone="secondary"
					busy={list.isFetchingNextPage}
					onClick={() => void list.fetchNextPage()}
				>
					Show more keys
				</Button>
			) : null}
		</section>
	);
}

function KeyRow({ apiKey }: { apiKey: Schemas["ApiKey"] }) {
	const queryClient = useQueryClient();
	return (
		<tr>
			<Cell className="min-w-36 font-medium break-words">{apiKey.name}</Cell>
			<Cell className="whitespace-nowrap">{PERMISSION_LABEL[apiKey.permission]}</Cell>
			<Cell className="min-w-40">
				{apiKey.domain_id ? (
					<DomainName id={apiKey.domain_id} />
				) : (
					<span className="text-slate-600">All domains</span>
				)}
			</Cell>
			<Cell className="whitespace-nowrap">{formatDate(apiKey.created_at)}</Cell>
			<Cell className="whitespace-nowrap">
				{apiKey.last_used_at ? formatDate(apiKey.last_used_at) : "Never"}
			</Cell>
			<Cell>
				<ConfirmButton
					label="Revoke"
					title={`Revoke “${apiKey.name}”?`}
					description="Anything using this key is refused from its next request. This cannot be undone: to use the API again, create a new key."
					confirmLabel="Revoke key"
					onConfirm={async () => {
						await api.apiKeys.remove(apiKey.id);
						await queryClient.invalidateQueries({ queryKey: apiKeysKey });
					}}
				/>
			</Cell>
		</tr>
	);
}

/** The restricted domain's name from the (cached) domain list; a deleted domain has none. */
function DomainName({ id }: { id: string }) {
	const domains = useInfiniteQuery(domainListQuery);
	const domain = domains.data?.pages.flatMap((page) => page.data).find((d) => d.id === id);
	if (domain) {
		return (
			<Link
				to="/domains/$domainId"
				params={{ domainId: id }}
				className="break-words text-indigo-700 underline"
			>
				{domain.name}
			</Link>
		);
	}
	if (domains.isPending) return <span className="text-slate-600">…</span>;
	if (domains.isError) return <code className="font-mono text-xs break-all">{id}</code>;
	return <span className="text-slate-600">A deleted domain</span>;
}
