/**
 * What can be done to an endpoint: send a test event, enable or disable it, rotate its signing
 * secret, delete it. Each answer shows here, in a live region, so it is announced.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { api, type Schemas } from "../../api.ts";
import { ConfirmButton } from "../confirm.tsx";
import { Button } from "../ui/buttons.tsx";
import { Card } from "../ui/containers.tsx";
import { ErrorNote, StatusBadge } from "../ui/status.tsx";
import { AttemptSummary } from "./attempt-view.tsx";
import { NewSecret } from "./secret-reveal.tsx";

type Webhook = Schemas["Webhook"];

export function EndpointActions({ webhook }: { webhook: Webhook }) {
	const queryClient = useQueryClient();
	const navigate = useNavigate();
	const [rotated, setRotated] = useState<string | null>(null);
	const refresh = async () => {
		await queryClient.invalidateQueries({ queryKey: ["webhook", webhook.id] });
		await queryClient.invalidateQueries({ queryKey: ["webhooks"] });
	};
	const test = useMutation({
		mutationFn: () => api.webhooks.test(webhook.id),
		onSettled: refresh,
	});
	const enable = useMutation({
		mutationFn: () => api.webhooks.update(webhook.id, { status: "enabled" }),
		onSuccess: refresh,
	});

	return (
		<Card title="Test and manage">
			<div className="flex flex-wrap gap-2">
				<Button busy={test.isPending} onClick={() => test.mutate()}>
					Send test event
				</Button>
				{webhook.status === "disabled" ? (
					<Button tone="secondary" busy={enable.isPending} onClick={() => enable.mutate()}>
						Enable endpoint
					</Button>
				) : (
					<ConfirmButton
						label="Disable endpoint"
						title="Disable this endpoint?"
						description="SendFleet stops posting to it. Events are still recorded for it, and enabling it again sends what was waiting."
						onConfirm={async () => {
							await api.webhooks.update(webhook.id, { status: "disabled" });
							await refresh();
						}}
					/>
				)}
				<ConfirmButton
					label="Rotate signing secret"
					title="Rotate the signing secret?"
					description="SendFleet issues a new secret. For the next 24 hours every delivery carries two signatures, one with the old secret and one with the new, so your receiver keeps verifying while you switch it over."
					confirmLabel="Rotate secret"
					onConfirm={async () => {
						const answer = await api.webhooks.rotateSecret(webhook.id);
						setRotated(answer.signing_secret);
						await refresh();
					}}
				/>
				<ConfirmButton
					label="Delete endpoint"
					title="Delete this endpoint?"
					description={`SendFleet stops posting to ${webhook.endpoint} and deletes its delivery history. This cannot be undone.`}
					onConfirm={async () => {
						await api.webhooks.remove(webhook.id);
						queryClient.removeQueries({ queryKey: ["webhook", webhook.id] });
						await queryClient.invalidateQueries({ queryKey: ["webhooks"] });
						await navigate({ to: "/webhooks" });
					}}
				/>
			</div>
			<div aria-live="polite" className="mt-4 space-y-4 empty:mt-0">
				{enable.error ? <ErrorNote error={enable.error} /> : null}
				{test.error ? <ErrorNote error={test.error} /> : null}
				{test.data ? <TestResult result={test.data} /> : null}
				{rotated ? (
					<NewSecret secret={rotated}>
						<p className="font-medium">New signing secret</p>
						<p>
							Put it in your receiver within 24 hours. Until then deliveries are signed with both
							the old and the new secret (two signatures in <code>webhook-signature</code>), so
							either verifies; after that only the new one does.
						</p>
					</NewSecret>
				) : null}
			</div>
		</Card>
	);
}

function TestResult({ result }: { result: Schemas["WebhookTestResult"] }) {
	return (
		<section
			aria-label="Test event result"
			className="space-y-2 rounded-md p-3 ring-1 ring-slate-200"
		>
			<p className="flex flex-wrap items-center gap-2 text-sm">
				<span className="font-medium">Test event</span>
				<code className="font-mono text-xs">{result.type}</code>
				<StatusBadge status={result.status} />
			</p>
			<AttemptSummary attempt={result.attempt} />
		</section>
	);
}
