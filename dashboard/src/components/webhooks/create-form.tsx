/** "Add endpoint": a URL and the event types it receives; answers with the signing secret. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { api, type Schemas } from "../../api.ts";
import { Button } from "../ui/buttons.tsx";
import { Field } from "../ui/fields.tsx";
import { ErrorNote } from "../ui/status.tsx";
import { EventPicker, type EventType } from "./event-picker.tsx";

export type CreatedEndpoint = Schemas["CreatedWebhook"] & { endpoint: string };

export function CreateWebhookForm({
	onCreated,
	onCancel,
}: {
	onCreated: (created: CreatedEndpoint) => void;
	onCancel: () => void;
}) {
	const queryClient = useQueryClient();
	const [endpoint, setEndpoint] = useState("");
	const [events, setEvents] = useState<EventType[]>([]);
	const form = useRef<HTMLFormElement>(null);
	// The button that opened the form is gone; start keyboard users in its first field.
	useEffect(() => form.current?.querySelector("input")?.focus(), []);
	const create = useMutation({
		mutationFn: () => api.webhooks.create({ endpoint: endpoint.trim(), events }),
		onSuccess: async (created) => {
			onCreated({ ...created, endpoint: endpoint.trim() });
			await queryClient.invalidateQueries({ queryKey: ["webhooks"] });
		},
	});
	const submit = (event: FormEvent) => {
		event.preventDefault();
		create.mutate();
	};
	return (
		// The API checks the URL and the event list and says which is wrong, so the browser's own
		// checks are off: its message would be vaguer than the API's.
		<form ref={form} onSubmit={submit} noValidate className="space-y-4">
			<Field
				label="Endpoint URL"
				name="endpoint"
				type="url"
				inputMode="url"
				autoComplete="off"
				placeholder="https://example.com/webhooks/sendfleet"
				value={endpoint}
				onChange={(e) => setEndpoint(e.target.value)}
				hint="https:// on a public host name, port 443 or 8443. SendFleet posts each event here, signed."
			/>
			<fieldset>
				<legend className="mb-2 text-sm font-medium text-slate-700">
					Event types ({events.length} chosen)
				</legend>
				<EventPicker value={events} onChange={setEvents} disabled={create.isPending} />
			</fieldset>
			<div aria-live="polite">{create.error ? <ErrorNote error={create.error} /> : null}</div>
			<div className="flex flex-wrap gap-2">
				<Button type="submit" busy={create.isPending}>
					Add endpoint
				</Button>
				<Button tone="secondary" onClick={onCancel}>
					Cancel
				</Button>
			</div>
		</form>
	);
}
