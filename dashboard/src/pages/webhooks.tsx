/**
 * Webhook endpoints: where SendFleet posts the events an account chose. Adding one answers with
 * its signing secret, shown here right away because the receiver needs it before the first
 * event arrives.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { api, type Schemas } from "../api.ts";
import { Button } from "../components/ui/buttons.tsx";
import { Card, Cell, PageHeader, Table } from "../components/ui/containers.tsx";
import { formatDate } from "../components/ui/format.ts";
import { Empty, ErrorNote, Loading, StatusBadge } from "../components/ui/status.tsx";
import { Pager, useCursor } from "../components/url-state.tsx";
import { type CreatedEndpoint, CreateWebhookForm } from "../components/webhooks/create-form.tsx";
import { EventList } from "../components/webhooks/event-picker.tsx";
import { NewSecret } from "../components/webhooks/secret-reveal.tsx";

export function Page() {
	const cursor = useCursor();
	const [adding, setAdding] = useState(false);
	const [created, setCreated] = useState<CreatedEndpoint | null>(null);
	const list = useQuery({
		queryKey: ["webhooks", cursor],
		queryFn: () => api.webhooks.list(cursor),
		placeholderData: keepPreviousData,
	});
	const addButton = (
		<Button
			onClick={() => {
				setAdding(true);
				setCreated(null);
			}}
		>
			Add endpoint
		</Button>
	);

	return (
		<>
			<PageHeader
				title="Webhooks"
				description="Endpoints SendFleet posts events to (emails, suppressions, domains and your account), signed with each endpoint's secret the way Resend signs them."
				actions={adding ? null : addButton}
			/>
			<div className="space-y-6">
				{adding ? (
					<Card title="Add endpoint">
						<CreateWebhookForm
							onCreated={(endpoint) => {
								setAdding(false);
								setCreated(endpoint);
							}}
							onCancel={() => setAdding(false)}
						/>
					</Card>
				) : null}
				<div aria-live="polite">{created ? <Created endpoint={created} /> : null}</div>
				{list.isPending ? (
					<Loading what="Loading endpoints" />
				) : list.isError ? (
					<ErrorNote error={list.error} retry={() => list.refetch()} />
				) : list.data.data.length === 0 ? (
					<Empty>
						No endpoints yet. Use <strong>Add endpoint</strong> to receive events as they happen.
					</Empty>
				) : (
					<div aria-busy={list.isFetching}>
						<EndpointTable rows={list.data.data} />
						<Pager rows={list.data.data} hasMore={list.data.has_more} label="endpoints" />
					</div>
				)}
			</div>
		</>
	);
}

function Created({ endpoint }: { endpoint: CreatedEndpoint }) {
	return (
		<NewSecret secret={endpoint.signing_secret}>
			<p className="font-medium">Endpoint added: {endpoint.endpoint}</p>
			<p>
				Copy its signing secret into your receiver now: every delivery is signed with it (Standard
				Webhooks, as Resend does). You can also find it on the{" "}
				<Link
					to="/webhooks/$webhookId"
					params={{ webhookId: endpoint.id }}
					className="font-medium underline"
				>
					endpoint's page
				</Link>
				.
			</p>
		</NewSecret>
	);
}

function EndpointTable({ rows }: { rows: Schemas["WebhookListItem"][] }) {
	return (
		<Table head={["Endpoint", "Events", "Status", "Created"]}>
			{rows.map((row) => (
				<tr key={row.id}>
					<Cell className="min-w-56 break-words">
						<Link
							to="/webhooks/$webhookId"
							params={{ webhookId: row.id }}
							className="font-medium text-indigo-700 underline"
						>
							{row.endpoint}
						</Link>
					</Cell>
					<Cell className="min-w-64">
						<EventList events={row.events} />
					</Cell>
					<Cell>
						<StatusBadge status={row.status} />
					</Cell>
					<Cell className="whitespace-nowrap">{formatDate(row.created_at)}</Cell>
				</tr>
			))}
		</Table>
	);
}
