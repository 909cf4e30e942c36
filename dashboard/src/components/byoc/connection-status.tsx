/**
 * A saved AWS connection: whether it works (a broken one prominently, with why and "Test
 * again"), how SendFleet signs in, and what SES answered at the last test.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api.ts";
import { Button } from "../ui/buttons.tsx";
import { formatDate, formatNumber } from "../ui/format.ts";
import { Notice } from "../ui/status.tsx";
import { SaveError } from "./connect-form.tsx";
import { type ByocConnection, byocKey } from "./queries.ts";

export function ConnectionStatus({ connection }: { connection: ByocConnection }) {
	const queryClient = useQueryClient();
	const test = useMutation({
		mutationFn: () => api.byoc.test(),
		onSuccess: (next) => queryClient.setQueryData(byocKey, next),
		// A failed test marks the connection broken: show the new state with its reason.
		onError: () => queryClient.invalidateQueries({ queryKey: byocKey }),
	});
	const broken = connection.status === "broken";
	const testButton = (
		<Button
			tone={broken ? "primary" : "secondary"}
			busy={test.isPending}
			onClick={() => test.mutate()}
		>
			Test again
		</Button>
	);
	const facts: [string, React.ReactNode][] = [
		["Method", connection.method === "role" ? "IAM role" : "Access key"],
		["Region", connection.region ?? "—"],
		connection.method === "role"
			? [
					"Role ARN",
					<code key="arn" className="font-mono text-xs break-all">
						{connection.role_arn}
					</code>,
				]
			: [
					"Access key",
					<code key="key" className="font-mono text-xs">
						…{connection.access_key_id_last4}
					</code>,
				],
		["Connected", formatDate(connection.created_at)],
		["Last tested", formatDate(connection.checked_at)],
	];

	return (
		<div className="space-y-4">
			{broken ? (
				<div
					role="alert"
					className="space-y-3 rounded-md bg-red-50 p-4 text-sm text-red-900 ring-2 ring-red-300"
				>
					<p className="text-base font-semibold">Broken: BYOC domains cannot send</p>
					<p>{connection.broken_reason ?? "Your AWS account refused SendFleet's credentials."}</p>
					{connection.broken_at ? (
						<p className="text-red-800">Since {formatDate(connection.broken_at)}.</p>
					) : null}
					<p>Fix the role, its policies or the key in AWS, then test again.</p>
					{testButton}
				</div>
			) : (
				<div className="flex flex-wrap items-center justify-between gap-3">
					<p className="flex items-center gap-2 text-sm">
						<span className="inline-flex rounded-full bg-green-100 px-2 py-0.5 text-xs font-medium text-green-800">
							connected
						</span>
						<span className="text-slate-600">BYOC domains send through this AWS account.</span>
					</p>
					{testButton}
				</div>
			)}
			<div aria-live="polite">
				{test.error && !broken ? <SaveError error={test.error} /> : null}
				{test.isSuccess && !broken ? (
					<Notice tone="green">Tested just now: SES accepted the credentials.</Notice>
				) : null}
			</div>
			<dl className="grid grid-cols-1 gap-x-4 gap-y-3 text-sm sm:grid-cols-2 lg:grid-cols-3">
				{facts.map(([term, value]) => (
					<div key={term} className="min-w-0">
						<dt className="text-xs font-medium text-slate-600">{term}</dt>
						<dd className="mt-0.5">{value}</dd>
					</div>
				))}
			</dl>
		</div>
	);
}

/** What SES GetAccount answered: production access or the sandbox, and the sending limits. */
export function SesFigures({ ses }: { ses: ByocConnection["ses"] }) {
	if (!ses) {
		return <p className="text-sm text-slate-600">SES has not answered a test yet.</p>;
	}
	const facts: [string, React.ReactNode][] = [
		["Access", ses.production_access ? "Production access" : "Sandbox"],
		["Sending", ses.sending_enabled ? "Enabled" : "Paused in your SES account"],
		["Max send rate", `${emails(ses.max_send_rate)}/second`],
		["24-hour quota", emails(ses.max_24_hour_send)],
	];
	return (
		<div className="space-y-4">
			<dl className="grid grid-cols-2 gap-x-4 gap-y-3 text-sm lg:grid-cols-4">
				{facts.map(([term, value]) => (
					<div key={term}>
						<dt className="text-xs font-medium text-slate-600">{term}</dt>
						<dd className="mt-0.5 font-medium">{value}</dd>
					</div>
				))}
			</dl>
			{!ses.production_access ? (
				<Notice tone="yellow">
					{ses.sandbox_note ??
						"Your SES account is in the sandbox: it sends only to verified addresses. Request production access in the SES console."}
				</Notice>
			) : null}
			{!ses.sending_enabled ? (
				<Notice tone="yellow">
					Sending is paused in your SES account: SES refuses every send until you resume it there.
				</Notice>
			) : null}
		</div>
	);
}

const emails = (n: number) => `${formatNumber(n)} email${n === 1 ? "" : "s"}`;
