/**
 * AWS connection (BYOC, "bring your own cloud"): BYOC domains send through the customer's own
 * SES. Without a connection the page shows how to create the IAM role and the form to connect
 * it; with one, whether it works, what SES answered, and Replace / Disconnect.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { api } from "../api.ts";
import { ConnectForm } from "../components/byoc/connect-form.tsx";
import { ConnectionStatus, SesFigures } from "../components/byoc/connection-status.tsx";
import { type ByocConnection, byocKey, byocQuery } from "../components/byoc/queries.ts";
import { SetupSteps } from "../components/byoc/setup-steps.tsx";
import { ConfirmButton } from "../components/confirm.tsx";
import { domainsKey } from "../components/domains/queries.ts";
import { Button } from "../components/ui/buttons.tsx";
import { Card, PageHeader } from "../components/ui/containers.tsx";
import { ErrorNote, Loading, Notice } from "../components/ui/status.tsx";

export function Page() {
	const connection = useQuery(byocQuery);
	// Set when this visit saved a connection, to confirm it above the figures SES answered.
	const [saved, setSaved] = useState(false);
	return (
		<div className="space-y-6">
			<PageHeader
				title="AWS connection"
				description={
					<>
						Bring your own cloud: BYOC domains send through your own AWS account's SES, with no
						Verification Request or plan needed. SendFleet stores nothing of those emails (no logs,
						no Emails page entries, no webhooks); bounces and complaints are handled by your own
						SES.
					</>
				}
			/>
			{connection.isPending ? (
				<Loading what="Loading your AWS connection" />
			) : connection.isError ? (
				<ErrorNote error={connection.error} retry={() => void connection.refetch()} />
			) : connection.data.status === "not_connected" ? (
				<NotConnected connection={connection.data} onSaved={() => setSaved(true)} />
			) : (
				<Connected connection={connection.data} saved={saved} setSaved={setSaved} />
			)}
		</div>
	);
}

function NotConnected({
	connection,
	onSaved,
}: {
	connection: ByocConnection;
	onSaved: () => void;
}) {
	return (
		<>
			<Card title="Set up an IAM role in your AWS account">
				<SetupSteps connection={connection} />
			</Card>
			<Card title="Connect your AWS account">
				<ConnectForm onSaved={onSaved} />
			</Card>
		</>
	);
}

function Connected({
	connection,
	saved,
	setSaved,
}: {
	connection: ByocConnection;
	saved: boolean;
	setSaved: (saved: boolean) => void;
}) {
	const queryClient = useQueryClient();
	const [replacing, setReplacing] = useState(false);
	return (
		<>
			<div aria-live="polite">
				{saved && connection.status === "connected" ? (
					<Notice tone="green">
						Connected and tested with SES. Next,{" "}
						<Link to="/domains" className="font-medium underline">
							add a BYOC domain
						</Link>
						.
					</Notice>
				) : null}
			</div>
			<Card
				title="Your AWS account"
				actions={
					<div className="flex flex-wrap gap-2">
						{replacing ? null : (
							<Button tone="secondary" onClick={() => setReplacing(true)}>
								Replace
							</Button>
						)}
						<ConfirmButton
							label="Disconnect"
							title="Disconnect your AWS account?"
							description="Sending from your BYOC domains stops at once. The domains stay (their identities are in your SES) and send again once you connect an AWS account again."
							onConfirm={async () => {
								await api.byoc.disconnect();
								setSaved(false);
								await queryClient.invalidateQueries({ queryKey: byocKey });
								await queryClient.invalidateQueries({ queryKey: domainsKey });
							}}
						/>
					</div>
				}
			>
				<ConnectionStatus connection={connection} />
			</Card>
			{replacing ? (
				<Card title="Replace the connection">
					<div className="space-y-4">
						<p className="text-sm text-slate-600">
							The new credentials are tested with SES first; the current connection stays until they
							work. Your external id is <code className="font-mono">{connection.external_id}</code>.
						</p>
						<details className="rounded-md p-3 text-sm ring-1 ring-slate-200">
							<summary className="cursor-pointer font-medium">
								How to create the IAM role (policies, external id)
							</summary>
							<div className="mt-4">
								<SetupSteps connection={connection} />
							</div>
						</details>
						<ConnectForm
							current={connection}
							onSaved={() => {
								setReplacing(false);
								setSaved(true);
							}}
							onCancel={() => setReplacing(false)}
						/>
					</div>
				</Card>
			) : null}
			<Card title="What SES answered">
				<SesFigures ses={connection.ses} />
			</Card>
		</>
	);
}
