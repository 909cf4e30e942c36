/** The endpoint itself: URL, status (and why SendFleet disabled it), events, signing secret. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type Schemas } from "../../api.ts";
import { Button, CopyValue } from "../ui/buttons.tsx";
import { Card } from "../ui/containers.tsx";
import { formatDate } from "../ui/format.ts";
import { ErrorNote, Notice, StatusBadge } from "../ui/status.tsx";
import { EventList, EventPicker, type EventType } from "./event-picker.tsx";

type Webhook = Schemas["Webhook"];

export function EndpointSummary({ webhook }: { webhook: Webhook }) {
	const [editing, setEditing] = useState(false);
	const [showSecret, setShowSecret] = useState(false);
	return (
		<Card title="Endpoint">
			<dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-[10rem_1fr]">
				<dt className="font-medium text-slate-700">URL</dt>
				<dd className="break-all font-mono text-xs sm:text-sm">{webhook.endpoint}</dd>
				<dt className="font-medium text-slate-700">Status</dt>
				<dd className="space-y-2">
					<StatusBadge status={webhook.status} />
					{webhook.disabled_reason ? (
						<Notice tone="yellow">
							<p className="font-medium">SendFleet disabled this endpoint</p>
							<p>{webhook.disabled_reason}</p>
							<p className="mt-1">
								Events are still recorded for it. Enable it to send what was waiting.
							</p>
						</Notice>
					) : null}
				</dd>
				<dt className="font-medium text-slate-700">Created</dt>
				<dd>{formatDate(webhook.created_at)}</dd>
				<dt className="font-medium text-slate-700">Events</dt>
				<dd className="space-y-2">
					{editing ? (
						<EventsEditor webhook={webhook} onDone={() => setEditing(false)} />
					) : (
						<>
							<EventList events={webhook.events} />
							<Button tone="secondary" onClick={() => setEditing(true)}>
								Edit events
							</Button>
						</>
					)}
				</dd>
				<dt className="font-medium text-slate-700">Signing secret</dt>
				<dd className="space-y-2">
					{showSecret ? <CopyValue value={webhook.signing_secret} label="signing secret" /> : null}
					<Button
						tone="secondary"
						aria-expanded={showSecret}
						onClick={() => setShowSecret(!showSecret)}
					>
						{showSecret ? "Hide signing secret" : "Show signing secret"}
					</Button>
				</dd>
			</dl>
		</Card>
	);
}

function EventsEditor({ webhook, onDone }: { webhook: Webhook; onDone: () => void }) {
	const queryClient = useQueryClient();
	const [events, setEvents] = useState<EventType[]>(webhook.events as EventType[]);
	const save = useMutation({
		mutationFn: () => api.webhooks.update(webhook.id, { events }),
		onSuccess: async () => {
			await queryClient.invalidateQueries({ queryKey: ["webhook", webhook.id] });
			await queryClient.invalidateQueries({ queryKey: ["webhooks"] });
			onDone();
		},
	});
	return (
		<form
			className="space-y-3"
			onSubmit={(e) => {
				e.preventDefault();
				save.mutate();
			}}
		>
			<fieldset>
				<legend className="sr-only">Event types this endpoint receives</legend>
				<EventPicker value={events} onChange={setEvents} disabled={save.isPending} />
			</fieldset>
			<div aria-live="polite">{save.error ? <ErrorNote error={save.error} /> : null}</div>
			<div className="flex flex-wrap gap-2">
				<Button type="submit" busy={save.isPending}>
					Save events
				</Button>
				<Button tone="secondary" onClick={onDone}>
					Cancel
				</Button>
			</div>
		</form>
	);
}
