/** One event sent to an endpoint: every attempt, Replay, and the exact payload. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../api.ts";
import { Button, Empty, ErrorNote, formatDate, Loading, Notice } from "../ui.tsx";
import { AttemptTable, ScrollBox } from "./attempt-view.tsx";

/** Still being delivered: more attempts may come. */
export const inFlight = (status: string) => status === "pending" || status === "attempting";

export function EventDetail({
	webhookId,
	event,
}: {
	webhookId: string;
	event: Schemas["WebhookEventLog"];
}) {
	const queryClient = useQueryClient();
	// Follows the list's refreshes: the row's status changes when a new attempt lands.
	const poll = inFlight(event.status) ? 5000 : false;
	const detail = useQuery({
		queryKey: ["webhook", webhookId, "event", event.id],
		queryFn: () => api.webhooks.event(webhookId, event.id),
		refetchInterval: poll,
	});
	const attempts = useQuery({
		queryKey: ["webhook", webhookId, "attempts", event.id],
		queryFn: () => api.webhooks.attempts(webhookId, event.id),
		refetchInterval: poll,
	});
	const replay = useMutation({
		mutationFn: () => api.webhooks.replay(webhookId, event.id),
		onSuccess: () => queryClient.invalidateQueries({ queryKey: ["webhook", webhookId] }),
	});

	return (
		<div className="space-y-4 pt-2">
			<div className="flex flex-wrap items-center justify-between gap-2">
				<p className="text-sm text-slate-700">
					Event id <code className="font-mono text-xs">{event.id}</code>
					{detail.data?.next_attempt_at ? (
						<> · next attempt {formatDate(detail.data.next_attempt_at)}</>
					) : null}
				</p>
				<Button tone="secondary" busy={replay.isPending} onClick={() => replay.mutate()}>
					Replay
				</Button>
			</div>
			<div aria-live="polite">
				{replay.error ? <ErrorNote error={replay.error} /> : null}
				{replay.isSuccess ? (
					<Notice tone="green">
						Queued again: the same id and body, with a new run of retries.
					</Notice>
				) : null}
			</div>

			<section className="space-y-2" aria-label="Attempts">
				<h3 className="text-sm font-semibold">Attempts</h3>
				{attempts.isPending ? (
					<Loading what="Loading attempts" />
				) : attempts.isError ? (
					<ErrorNote error={attempts.error} retry={() => attempts.refetch()} />
				) : attempts.data.data.length === 0 ? (
					<Empty>No attempt yet: this event is waiting to be sent.</Empty>
				) : (
					<>
						<AttemptTable attempts={attempts.data.data} />
						{attempts.data.has_more ? (
							<p className="text-xs text-slate-600">Showing the latest 20 attempts.</p>
						) : null}
					</>
				)}
			</section>

			<section className="space-y-2" aria-label="Payload">
				<h3 className="text-sm font-semibold">Payload</h3>
				{detail.isPending ? (
					<Loading what="Loading the payload" />
				) : detail.isError ? (
					<ErrorNote error={detail.error} retry={() => detail.refetch()} />
				) : (
					<ScrollBox
						label={`Payload of ${event.type} ${event.id}`}
						className="max-h-96"
						text={JSON.stringify(detail.data.payload, null, 2)}
					/>
				)}
			</section>
		</div>
	);
}
