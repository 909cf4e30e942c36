/**
 * The subscription as Stripe last reported it, and "Manage subscription", which opens Stripe's
 * customer portal (change plan, payment method, invoices, cancel) and comes back to Billing.
 */
import { useMutation } from "@tanstack/react-query";
import { api } from "../../api.ts";
import type { Account } from "../overview/account-query.ts";
import { Button } from "../ui/buttons.tsx";
import { Card } from "../ui/containers.tsx";
import { formatDate } from "../ui/format.ts";
import { ErrorNote, Notice, StatusBadge } from "../ui/status.tsx";
import { PLAN_NAMES } from "./plans.ts";

/** What each Stripe state means for sending, in the product page's words. */
const STATUS_NOTES: Record<string, { tone: "blue" | "yellow"; text: string } | undefined> = {
	past_due: {
		tone: "yellow",
		text: "The last payment failed. Sending has stopped (plan_required) until billing is fixed: update your payment method in Manage subscription.",
	},
	unpaid: {
		tone: "yellow",
		text: "The subscription is unpaid. Sending has stopped (plan_required) until billing is fixed in Manage subscription.",
	},
	canceled: {
		tone: "yellow",
		text: "The subscription is cancelled and sending has stopped. Choose a plan below to subscribe again.",
	},
	incomplete: {
		tone: "blue",
		text: "Stripe is waiting for the first payment to go through.",
	},
	incomplete_expired: {
		tone: "yellow",
		text: "The first payment never went through, so no subscription started. Choose a plan below to try again.",
	},
	paused: {
		tone: "yellow",
		text: "The subscription is paused and sending has stopped. Resume it in Manage subscription.",
	},
};

export function SubscriptionCard({ account }: { account: Account }) {
	const portal = useMutation({
		mutationFn: () => api.billing.portal(),
		onSuccess: ({ url }) => window.location.assign(url),
	});
	const { status, current_period_end: periodEnd } = account.subscription;
	const note = STATUS_NOTES[status];
	const hasBilling = status !== "none";

	return (
		<Card
			title="Subscription"
			actions={
				hasBilling ? (
					<Button
						tone="secondary"
						busy={portal.isPending || portal.isSuccess}
						onClick={() => portal.mutate()}
					>
						Manage subscription
					</Button>
				) : null
			}
		>
			<dl className="grid gap-4 text-sm sm:grid-cols-3">
				<div>
					<dt className="text-slate-600">Plan</dt>
					<dd className="text-lg font-semibold">{PLAN_NAMES[account.plan] ?? account.plan}</dd>
				</div>
				<div>
					<dt className="text-slate-600">Status</dt>
					<dd className="mt-1">
						{hasBilling ? <StatusBadge status={status} /> : "No subscription yet"}
					</dd>
				</div>
				<div>
					<dt className="text-slate-600">Current period ends</dt>
					<dd className="mt-1">{formatDate(periodEnd)}</dd>
				</div>
			</dl>
			{note ? (
				<div className="mt-4">
					<Notice tone={note.tone}>{note.text}</Notice>
				</div>
			) : null}
			{hasBilling ? (
				<p className="mt-4 text-sm text-slate-600">
					Manage subscription opens Stripe's customer portal: change plan, update the payment
					method, see invoices or cancel.
				</p>
			) : null}
			{portal.isError ? (
				<div className="mt-4">
					<ErrorNote error={portal.error} />
				</div>
			) : null}
		</Card>
	);
}
