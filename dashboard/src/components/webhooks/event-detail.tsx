/**
 * One event sent to an endpoint: every attempt, Replay, and the exact payload, in a side panel
 * (a Radix dialog: focus moves in, Escape closes, focus returns to the row), because attempts
 * and payloads are too wide to open inside the events table on a phone.
 */
import * as Dialog from "@radix-ui/react-dialog";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../api.ts";
import { Button } from "../ui/buttons.tsx";
import { formatDate } from "../ui/format.ts";
import { Empty, ErrorNote, Loading, Notice, StatusBadge } from "../ui/status.tsx";
import { AttemptTable, ScrollBox } from "./attempt-view.tsx";

/** Still being delivered: more attempts may come. */
export const inFlight = (status: string) => status === "pending" || status === "attempting";

export function EventDialog({
	webhookId,
	event,
}: {
	webhookId: string;
	event: Schemas["WebhookEventLog"];
}) {
	return (
		<Dialog.Root>
			<Dialog.Trigger asChild>
				<button type="button" className="font-medium whitespace-nowrap text-indigo-700 underline">
					Attempts and payload
				</button>
			</Dialog.Trigger>
			<Dialog.Portal>
				<Dialog.Overlay className="fixed inset-0 bg-slate-900/40" />
				<Dialog.Content className="fixed inset-y-0 right-0 w-full max-w-3xl space-y-4 overflow-y-auto bg-white p-4 shadow-xl sm:p-6">
					<div className="flex items-start justify-between gap-4">
						<div>
							<Dialog.Title className="font-mono text-lg font-semibold">{event.type}</Dialog.Title>
							<Dialog.Description className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
								<StatusBadge status={event.status} /> created {formatDate(event.created_at)}
							</Dialog.Description>
						</div>
						<Dialog.Close asChild>
							<Button tone="secondary">Close</Button>
						</Dialog.Close>
					</div>
					<EventDetail webhookId={webhookId} event={event} />
				</Dialog.Content>
			</Dialog.Portal>
		</Dialog.Root>
	);
}

function EventDetail({
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
		<div className="space-y-4">
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
