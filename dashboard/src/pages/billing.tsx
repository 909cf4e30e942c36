/**
 * Billing: the Growth and Pro plans with Stripe Checkout, the subscription with Stripe's
 * customer portal, and the return from Checkout. Checkout and the portal are Stripe's pages:
 * the API answers their URL and the browser goes there.
 */
import { CheckoutNotice, useBillingAccount } from "../components/billing/checkout-return.tsx";
import { PlanCards } from "../components/billing/plan-cards.tsx";
import { SubscriptionCard } from "../components/billing/subscription.tsx";
import { PageHeader } from "../components/ui/containers.tsx";
import { ErrorNote, Loading } from "../components/ui/status.tsx";

export function Page() {
	const billing = useBillingAccount();
	const { account } = billing;
	return (
		<>
			<PageHeader
				title="Billing"
				description="Sending needs an active Growth or Pro plan. Your allowance counts recipients and resets on the first day of each month (UTC)."
			/>
			<div aria-live="polite" className="mb-6 empty:mb-0">
				<CheckoutNotice {...billing} />
			</div>
			{account.isPending ? (
				<Loading what="Loading your plan" />
			) : account.isError ? (
				<ErrorNote error={account.error} retry={() => account.refetch()} />
			) : (
				// Before the first subscription the plans are what the page is for, so they come first
				// (in the DOM too, so the keyboard meets them in the order they are seen).
				<div className="space-y-8">
					{account.data.subscription.status === "none" ? (
						<>
							<PlanCards account={account.data} />
							<SubscriptionCard account={account.data} />
						</>
					) : (
						<>
							<SubscriptionCard account={account.data} />
							<PlanCards account={account.data} />
						</>
					)}
				</div>
			)}
		</>
	);
}
