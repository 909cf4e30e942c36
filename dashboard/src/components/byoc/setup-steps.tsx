/**
 * How to create the IAM role SendFleet assumes: the trust policy (SendFleet's AWS account, this
 * account's external id) and the least-privilege permissions policy, each ready to paste.
 */
import { useState } from "react";
import { Button, CopyValue } from "../ui/buttons.tsx";
import type { ByocConnection } from "./queries.ts";

/** Pretty JSON in a scrolling code block with a Copy button. */
export function JsonBlock({ value, label }: { value: unknown; label: string }) {
	const text = JSON.stringify(value, null, 2);
	const [copied, setCopied] = useState(false);
	return (
		<div className="relative min-w-0">
			<section
				// biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable from the keyboard
				tabIndex={0}
				aria-label={label}
				className="max-h-80 overflow-auto rounded-md bg-slate-900 p-3 pr-20"
			>
				<pre className="font-mono text-xs leading-relaxed text-slate-100">
					<code>{text}</code>
				</pre>
			</section>
			<Button
				tone="secondary"
				className="absolute top-2 right-2 px-2 py-1 text-xs"
				aria-label={`Copy the ${label.toLowerCase()}`}
				onClick={async () => {
					await navigator.clipboard?.writeText(text).catch(() => {});
					setCopied(true);
					setTimeout(() => setCopied(false), 1500);
				}}
			>
				{copied ? "Copied" : "Copy"}
			</Button>
		</div>
	);
}

export function SetupSteps({ connection }: { connection: ByocConnection }) {
	return (
		<ol className="space-y-6 text-sm">
			<Step n={1} title="Create the permissions policy">
				<p className="text-slate-600">
					In the AWS console, open IAM → Policies → Create policy, choose the JSON editor and paste
					this policy. It allows only what SendFleet needs: sending email and managing the domain
					identities you add as BYOC domains.
				</p>
				<JsonBlock value={connection.permissions_policy} label="Permissions policy" />
			</Step>
			<Step n={2} title="Create the role SendFleet assumes">
				<p className="text-slate-600">
					IAM → Roles → Create role → Custom trust policy, and paste this trust policy. It lets only
					SendFleet's AWS account assume the role, and only with your external id. Attach the policy
					from step 1 and name the role, for example <code>SendFleet</code>.
				</p>
				<JsonBlock value={connection.trust_policy} label="Trust policy" />
				<dl className="grid gap-3 sm:grid-cols-2">
					<div className="min-w-0 space-y-1">
						<dt className="text-xs font-medium text-slate-600">SendFleet's AWS account id</dt>
						<dd>
							<CopyValue
								value={connection.sendfleet_aws_account_id}
								label="SendFleet's AWS account id"
							/>
						</dd>
					</div>
					<div className="min-w-0 space-y-1">
						<dt className="text-xs font-medium text-slate-600">Your external id</dt>
						<dd>
							<CopyValue value={connection.external_id} label="your external id" />
						</dd>
					</div>
				</dl>
			</Step>
			<Step n={3} title="Connect it below">
				<p className="text-slate-600">
					Copy the role's ARN from its summary page and save it with the SES region you send from.
					We test it with SES before saving anything. If you cannot use a role, an access key of an
					IAM user with the same permissions policy works too.
				</p>
			</Step>
		</ol>
	);
}

function Step({ n, title, children }: { n: number; title: string; children: React.ReactNode }) {
	return (
		<li className="flex gap-3">
			<span
				aria-hidden="true"
				className="flex size-7 shrink-0 items-center justify-center rounded-full bg-indigo-100 text-sm font-semibold text-indigo-700"
			>
				{n}
			</span>
			<div className="min-w-0 flex-1 space-y-3">
				<h3 className="font-semibold text-slate-900">
					<span className="sr-only">Step {n}: </span>
					{title}
				</h3>
				{children}
			</div>
		</li>
	);
}
