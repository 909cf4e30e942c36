/**
 * The product page's path from sign-up to a first email, as five checks the API can answer,
 * each linking to the page that finishes it. Each step reads its own list, so one failing
 * call marks one step instead of hiding the whole checklist.
 */
import { type UseQueryResult, useQuery } from "@tanstack/react-query";
import { Link, type LinkProps } from "@tanstack/react-router";
import type { ReactNode } from "react";
import { api } from "../../api.ts";
import { Spinner } from "../ui/buttons.tsx";
import { Card } from "../ui/containers.tsx";
import { type Account, planInGoodStanding } from "./account-query.ts";

type State = "done" | "todo" | "loading" | "error";

interface Step {
	title: string;
	state: State;
	detail: ReactNode;
	link: LinkProps & { label: string };
}

function stateOf<T>(query: UseQueryResult<T>, done: (data: T) => boolean): State {
	if (query.isPending) return "loading";
	if (query.isError) return "error";
	return done(query.data) ? "done" : "todo";
}

const errorText = (query: UseQueryResult<unknown>) =>
	query.error instanceof Error ? `Could not check: ${query.error.message}` : "Could not check.";

function verificationDetail(account: Account): string {
	switch (account.verification.status) {
		case "approved":
			return "Your account is approved for Shared SES.";
		case "pending":
			return "Your Verification Request is waiting for review (usually one to two business days).";
		case "rejected":
			return "Your Verification Request was rejected. Read the reviewer's note and send a new one.";
		default:
			return "Tell us what you send and to whom; a person reviews every account before it may send.";
	}
}

export function SetupChecklist({ account }: { account: Account }) {
	// Up to 100 domains: a verified one among the newest hundred is all this step needs.
	const domains = useQuery({
		queryKey: ["domains", { limit: 100 }],
		queryFn: () => api.domains.list({ limit: 100 }),
	});
	const keys = useQuery({
		queryKey: ["api-keys", { limit: 1 }],
		queryFn: () => api.apiKeys.list({ limit: 1 }),
	});
	const emails = useQuery({
		queryKey: ["emails", { limit: 1 }],
		queryFn: () => api.emails.list({ limit: 1 }),
	});

	const verifiedDomain = domains.data?.data.find((d) => d.status === "verified");
	// A domain that failed without ever verifying has released its name and must be added
	// again; one that verified before is still re-checked, so it is worth opening.
	const pendingDomain = domains.data?.data.find(
		(d) => d.status !== "verified" && (d.status !== "failed" || d.verified_at !== null),
	);
	const steps: Step[] = [
		{
			title: "Verification Request approved",
			state: account.verification.status === "approved" ? "done" : "todo",
			detail: verificationDetail(account),
			link: { to: "/verification", label: "Open Verification Request" },
		},
		{
			title: "A paid plan",
			state: planInGoodStanding(account) ? "done" : "todo",
			detail: planInGoodStanding(account)
				? `You are on ${account.plan === "pro" ? "Pro" : "Growth"} (${account.subscription.status}).`
				: "Sending needs Growth or Pro. Checkout opens once your account is approved.",
			link: { to: "/billing", label: "Open Billing" },
		},
		{
			title: "A verified domain",
			state: stateOf(domains, () => verifiedDomain !== undefined),
			detail: domains.isError
				? errorText(domains)
				: verifiedDomain
					? `${verifiedDomain.name} is verified.`
					: pendingDomain
						? `${pendingDomain.name} is not verified yet: publish its DNS records, then Verify ownership and Verify DKIM.`
						: "Add Shared SES domain, publish its DNS records, then Verify ownership and Verify DKIM.",
			link:
				!verifiedDomain && pendingDomain
					? {
							to: "/domains/$domainId",
							params: { domainId: pendingDomain.id },
							label: `Open ${pendingDomain.name}`,
						}
					: { to: "/domains", label: "Open Domains" },
		},
		{
			title: "An API key",
			state: stateOf(keys, (d) => d.data.length > 0),
			detail: keys.isError
				? errorText(keys)
				: "Your application sends with a key (sf_…), shown once when you create it.",
			link: { to: "/api-keys", label: "Open API Keys" },
		},
		{
			title: "A first email sent",
			state: stateOf(emails, (d) => d.data.length > 0),
			detail: emails.isError
				? errorText(emails)
				: "Send with POST /emails (or the Resend SDK) and follow it in the email log.",
			link: { to: "/emails", label: "Open Emails" },
		},
	];
	const done = steps.filter((s) => s.state === "done").length;

	const list = (
		<ol className="divide-y divide-slate-100">
			{steps.map((step, i) => (
				<li key={step.title} className="flex gap-3 py-3">
					<StepMark state={step.state} n={i + 1} />
					<div className="flex min-w-0 flex-1 flex-col gap-1 sm:flex-row sm:items-start sm:gap-4">
						<div className="min-w-0 flex-1">
							<p className="font-medium">
								{step.title}
								<span className="sr-only">: {LABEL[step.state]}</span>
							</p>
							<p className="text-sm text-slate-600">{step.detail}</p>
						</div>
						{step.state === "done" ? null : (
							<Link
								{...step.link}
								className="-mx-2 shrink-0 self-start rounded-md px-2 py-1 text-sm font-medium text-indigo-700 underline underline-offset-2 hover:bg-indigo-50 sm:mx-0"
							>
								{step.link.label}
							</Link>
						)}
					</div>
				</li>
			))}
		</ol>
	);
	return (
		<Card
			title="Get ready to send"
			actions={
				<p className="text-sm text-slate-600" aria-live="polite">
					{done} of {steps.length} done
				</p>
			}
		>
			{done === steps.length ? (
				// Once everything is done the steps are kept, folded, for whoever wants them again.
				<details>
					<summary className="cursor-pointer rounded-md text-sm font-medium text-indigo-700">
						All five steps are done. Show them
					</summary>
					{list}
				</details>
			) : (
				list
			)}
		</Card>
	);
}

const LABEL: Record<State, string> = {
	done: "done",
	todo: "not done yet",
	loading: "checking",
	error: "could not check",
};

function StepMark({ state, n }: { state: State; n: number }) {
	const base =
		"flex size-7 shrink-0 items-center justify-center rounded-full text-sm font-semibold";
	if (state === "loading")
		return (
			<span className={`${base} bg-slate-100 text-slate-500`} aria-hidden="true">
				<Spinner />
			</span>
		);
	if (state === "done")
		return (
			<span className={`${base} bg-green-600 text-white`} aria-hidden="true">
				✓
			</span>
		);
	return (
		<span
			className={`${base} ${state === "error" ? "bg-red-100 text-red-800" : "bg-slate-100 text-slate-700 ring-1 ring-slate-300"}`}
			aria-hidden="true"
		>
			{state === "error" ? "!" : n}
		</span>
	);
}
