/**
 * The Growth and Pro cards with their checkout buttons. Checkout opens only for an approved
 * account with a confirmed email and no subscription yet; otherwise the buttons stay disabled
 * and the reason is written next to them (and tied to them with aria-describedby).
 */
import { useMutation } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { type ReactNode, useId } from "react";
import { api } from "../../api.ts";
import { useSession } from "../../session.ts";
import type { Account } from "../overview/account-query.ts";
import { Button } from "../ui/buttons.tsx";
import { formatNumber } from "../ui/format.ts";
import { ErrorNote, Notice } from "../ui/status.tsx";
import { HAS_SUBSCRIPTION, type PaidPlan, PLAN_OFFERS, type PlanOffer } from "./plans.ts";

const linkClass = "font-medium underline underline-offset-2";

function blockedBecause(account: Account, emailVerified: boolean): ReactNode {
	if (!emailVerified) {
		return "Checkout opens once you have confirmed your email address: open the link we sent you at sign-up.";
	}
	const toRequest = (
		<Link to="/verification" className={linkClass}>
			Verification Request
		</Link>
	);
	switch (account.verification.status) {
		case "approved":
			return null;
		case "pending":
			return (
				<>
					Checkout opens once your account is approved. Your {toRequest} is waiting for review
					(usually one to two business days).
				</>
			);
		case "rejected":
			return (
				<>
					Checkout opens once your account is approved. Your last {toRequest} was rejected: read the
					reviewer's note and send a new one.
				</>
			);
		default:
			return <>Checkout opens once your account is approved. Send a {toRequest} first.</>;
	}
}

export function PlanCards({ account }: { account: Account }) {
	const session = useSession();
	const reasonId = useId();
	const checkout = useMutation({
		mutationFn: (plan: PaidPlan) => api.billing.checkout({ plan }),
		// Stripe's page takes over; the button stays busy until the browser has left.
		onSuccess: ({ url }) => window.location.assign(url),
	});
	const subscribed = HAS_SUBSCRIPTION.has(account.subscription.status);
	const blocked = subscribed ? null : blockedBecause(account, session.user.email_verified);
	const leaving = checkout.isPending || checkout.isSuccess;

	return (
		<section aria-labelledby={`${reasonId}-title`} className="space-y-4">
			<h2 id={`${reasonId}-title`} className="text-base font-semibold">
				Plans
			</h2>
			{blocked ? (
				<div id={reasonId}>
					<Notice tone="yellow">{blocked}</Notice>
				</div>
			) : subscribed ? (
				<p id={reasonId} className="text-sm text-slate-600">
					To switch plans, use Manage subscription: Stripe's customer portal changes the plan you
					have instead of starting a second one.
				</p>
			) : null}
			<div className="grid gap-4 md:grid-cols-2">
				{PLAN_OFFERS.map((offer) => (
					<PlanCard key={offer.id} offer={offer} current={subscribed && account.plan === offer.id}>
						{subscribed ? null : (
							<Button
								className="w-full"
								disabled={blocked !== null || leaving}
								busy={leaving && checkout.variables === offer.id}
								aria-describedby={blocked ? reasonId : undefined}
								onClick={() => checkout.mutate(offer.id)}
							>
								Choose {offer.name}
							</Button>
						)}
					</PlanCard>
				))}
			</div>
			{checkout.isError ? <ErrorNote error={checkout.error} /> : null}
		</section>
	);
}

function PlanCard({
	offer,
	current,
	children,
}: {
	offer: PlanOffer;
	current: boolean;
	children: ReactNode;
}) {
	return (
		<article
			aria-label={`${offer.name} plan`}
			className={`flex flex-col rounded-lg bg-white p-5 shadow-sm ring-1 sm:p-6 ${current ? "ring-2 ring-indigo-600" : "ring-slate-200"}`}
		>
			<div className="flex items-center justify-between gap-2">
				<h3 className="text-lg font-semibold">{offer.name}</h3>
				{current ? (
					<span className="rounded-full bg-indigo-100 px-2 py-0.5 text-xs font-medium text-indigo-800">
						Your plan
					</span>
				) : null}
			</div>
			<p className="mt-2">
				<span className="text-3xl font-semibold">${offer.priceUsd}</span>
				<span className="text-sm text-slate-600"> / month</span>
			</p>
			<ul className="mt-4 flex-1 space-y-1 text-sm">
				<li>
					<strong>{formatNumber(offer.monthlyEmails)}</strong> recipients a month
				</li>
				{offer.features.map((f) => (
					<li key={f}>{f}</li>
				))}
			</ul>
			{children ? <div className="mt-5">{children}</div> : null}
		</article>
	);
}
