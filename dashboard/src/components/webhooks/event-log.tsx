/**
 * The events sent to an endpoint, newest first, paged with the URL's cursor. Each row opens
 * a panel with its attempts, its exact payload and Replay. While a delivery is still under way the list
 * refreshes itself, so a retry's outcome shows up without reloading.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../api.ts";
import { Card, Cell, Table } from "../ui/containers.tsx";
import { formatDate } from "../ui/format.ts";
import { Empty, ErrorNote, Loading, StatusBadge } from "../ui/status.tsx";
import { Pager, useCursor } from "../url-state.tsx";
import { EventDialog, inFlight } from "./event-detail.tsx";

type EventLog = Schemas["WebhookEventLog"];

export function EventLogCard({ webhookId }: { webhookId: string }) {
	const cursor = useCursor();
	const events = useQuery({
		queryKey: ["webhook", webhookId, "events", cursor],
		queryFn: () => api.webhooks.events(webhookId, cursor),
		placeholderData: keepPreviousData,
		refetchInterval: (query) =>
			query.state.data?.data.some((e) => inFlight(e.status)) ? 5000 : false,
	});
	return (
		<Card title="Events">
			{events.isPending ? (
				<Loading what="Loading events" />
			) : events.isError ? (
				<ErrorNote error={events.error} retry={() => events.refetch()} />
			) : events.data.data.length === 0 ? (
				<Empty>
					No events sent to this endpoint yet. Use <strong>Send test event</strong> to try it.
				</Empty>
			) : (
				<div aria-busy={events.isFetching}>
					<EventTable webhookId={webhookId} rows={events.data.data} />
					<Pager rows={events.data.data} hasMore={events.data.has_more} label="events" />
				</div>
			)}
		</Card>
	);
}

function EventTable({ webhookId, rows }: { webhookId: string; rows: EventLog[] }) {
	return (
		<Table head={["Type", "Status", "Created", "Details"]}>
			{rows.map((event) => (
				<tr key={event.id}>
					<Cell className="font-mono text-xs whitespace-nowrap">{event.type}</Cell>
					<Cell>
						<StatusBadge status={event.status} />
					</Cell>
					<Cell className="whitespace-nowrap">{formatDate(event.created_at)}</Cell>
					<Cell>
						<EventDialog webhookId={webhookId} event={event} />
					</Cell>
				</tr>
			))}
		</Table>
	);
}
