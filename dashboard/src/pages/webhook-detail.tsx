/**
 * One webhook endpoint: what it is, what can be done to it (test, enable or disable, rotate the
 * secret, delete) and the log of events sent to it with every attempt.
 */
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { ApiFailure, api } from "../api.ts";
import { PageHeader } from "../components/ui/containers.tsx";
import { ErrorNote, Loading } from "../components/ui/status.tsx";
import { EndpointActions } from "../components/webhooks/endpoint-actions.tsx";
import { EndpointSummary } from "../components/webhooks/endpoint-summary.tsx";
import { EventLogCard } from "../components/webhooks/event-log.tsx";

export function Page() {
	const { webhookId } = useParams({ from: "/app/webhooks/$webhookId" });
	const webhook = useQuery({
		queryKey: ["webhook", webhookId],
		queryFn: () => api.webhooks.get(webhookId),
	});
	const back = (
		<Link to="/webhooks" className="text-sm font-medium text-indigo-700 underline">
			← All endpoints
		</Link>
	);

	if (webhook.isPending) return <Loading what="Loading the endpoint" />;
	if (webhook.isError)
		return (
			<div className="space-y-4">
				{back}
				<ErrorNote
					error={webhook.error}
					// Asking again for an endpoint that does not exist will not make it exist.
					retry={
						webhook.error instanceof ApiFailure &&
						webhook.error.status < 500 &&
						webhook.error.status > 0
							? undefined
							: () => webhook.refetch()
					}
				/>
			</div>
		);
	return (
		<>
			<div className="mb-2">{back}</div>
			<PageHeader title="Webhook endpoint" />
			<div className="space-y-6">
				<EndpointSummary webhook={webhook.data} />
				<EndpointActions webhook={webhook.data} />
				<EventLogCard webhookId={webhookId} />
			</div>
		</>
	);
}
