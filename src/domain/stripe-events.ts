/**
 * What each Stripe webhook event does to an account (the checkout and what a subscription means
 * are in ./billing.ts).
 *
 * Ordering. Stripe does not deliver events in order and retries failed ones for days, so an
 * event's payload may be older than what is already stored. Comparing the events' `created` does
 * not settle it: it has one-second resolution, and checkout.session.completed,
 * customer.subscription.created/updated and invoice.paid usually share a second. So every event
 * is treated as a notification only: the subscription it is about is fetched from the API and
 * its current state is written (Stripe's own advice for webhooks). An old event arriving late
 * writes today's state, never its own; it also makes us independent of the API version the
 * webhook endpoint renders payloads in. What remains is a narrow race: two events of one
 * subscription handled at the same moment, the slower fetch from before a change written after
 * the faster one from after it. The state is then stale until the subscription's next event
 * (there is one at least at every renewal).
 *
 * Which subscription. The account's current one is `stripe_subscription_id`. Another
 * subscription replaces it only when the current one, as Stripe has it now, has ended or never
 * got paid, and the other has not ended: a late event about a cancelled old subscription never
 * undoes a new one, and a new one is adopted even before the old one's cancellation arrives. Two
 * live subscriptions at once (two checkouts paid in parallel) keep the first and log an error
 * for staff to refund one.
 *
 * At most once. The event id goes into `stripe_events` in the same D1 batch as the account
 * update; a redelivered event finds its id and changes nothing.
 */
import type Stripe from "stripe";
import {
	type AccountBillingChange,
	type BillingAccount,
	findAccountByStripeCustomer,
	findBillingAccount,
	isStripeEventRecorded,
	recordStripeEvent,
} from "../db/queries/billing.ts";
import type { SubscriptionStatus } from "../db/schema.ts";
import type { StripeResult } from "../services/stripe.ts";
import {
	type BillingDeps,
	hasEnded,
	idOf,
	isSubscriptionStatus,
	mayReplace,
	readSubscription,
} from "./billing.ts";

export type StripeEventOutcome =
	| { kind: "applied"; accountId: string }
	/** Matched an account but had nothing to write (e.g. about a superseded subscription). */
	| { kind: "unchanged"; reason: string }
	/** No account to apply it to: acknowledged and logged. */
	| { kind: "unmatched"; reason: string }
	/** Not an event billing acts on. */
	| { kind: "ignored" }
	| { kind: "duplicate" }
	/** Stripe's API failed; nothing was recorded, so Stripe's retry will handle it. */
	| { kind: "stripe_unavailable"; error: Extract<StripeResult<unknown>, { kind: "error" }> };

type Decision =
	| { kind: "write"; change: AccountBillingChange | null; outcome: StripeEventOutcome }
	| Extract<StripeEventOutcome, { kind: "stripe_unavailable" | "ignored" }>;

const HANDLED = new Set<string>([
	"checkout.session.completed",
	"customer.subscription.created",
	"customer.subscription.updated",
	"customer.subscription.deleted",
	"invoice.paid",
	"invoice.payment_failed",
]);

export async function handleStripeEvent(
	deps: BillingDeps,
	event: Stripe.Event,
	now: number,
): Promise<StripeEventOutcome> {
	if (!HANDLED.has(event.type)) return { kind: "ignored" };
	if (await isStripeEventRecorded(deps.db, event.id)) return { kind: "duplicate" };
	const decision = await decide(deps, event);
	if (decision.kind !== "write") return decision;
	const recorded = await recordStripeEvent(
		deps.db,
		{ id: event.id, type: event.type, receivedAt: now },
		decision.change,
	);
	return recorded === "duplicate" ? { kind: "duplicate" } : decision.outcome;
}

const unmatched = (reason: string): Decision => ({
	kind: "write",
	change: null,
	outcome: { kind: "unmatched", reason },
});

async function decide(deps: BillingDeps, event: Stripe.Event): Promise<Decision> {
	switch (event.type) {
		case "checkout.session.completed": {
			const session = event.data.object;
			if (session.mode !== "subscription") return { kind: "ignored" };
			const accountId = session.client_reference_id;
			const customerId = idOf(session.customer);
			if (!accountId || !customerId) {
				return unmatched(`checkout ${session.id} has no client_reference_id or customer`);
			}
			const account = await findBillingAccount(deps.db, accountId);
			if (!account) return unmatched(`checkout ${session.id} names no account (${accountId})`);
			if (account.stripeCustomerId !== null && account.stripeCustomerId !== customerId) {
				return unmatched(
					`checkout ${session.id} is for customer ${customerId}, account ${accountId} has ${account.stripeCustomerId}`,
				);
			}
			const subscriptionId = idOf(session.subscription);
			if (!subscriptionId) {
				const change = { accountId, customerId, set: { stripeCustomerId: customerId } };
				return { kind: "write", change, outcome: { kind: "applied", accountId } };
			}
			return applySubscription(deps, account, customerId, subscriptionId, null);
		}
		case "customer.subscription.created":
		case "customer.subscription.updated":
		case "customer.subscription.deleted": {
			const sub = event.data.object;
			const deleted = event.type === "customer.subscription.deleted" ? sub : null;
			return forCustomer(deps, idOf(sub.customer), (account, customerId) =>
				applySubscription(deps, account, customerId, sub.id, deleted),
			);
		}
		case "invoice.paid":
		case "invoice.payment_failed": {
			const invoice = event.data.object;
			const subscriptionId = invoiceSubscriptionId(invoice);
			// One-off invoices do not change a plan.
			if (!subscriptionId) return { kind: "ignored" };
			return forCustomer(deps, idOf(invoice.customer), (account, customerId) =>
				applySubscription(deps, account, customerId, subscriptionId, null),
			);
		}
		default:
			return { kind: "ignored" };
	}
}

async function forCustomer(
	deps: BillingDeps,
	customerId: string | null,
	then: (account: BillingAccount, customerId: string) => Promise<Decision>,
): Promise<Decision> {
	if (!customerId) return unmatched("the event names no customer");
	const account = await findAccountByStripeCustomer(deps.db, customerId);
	if (!account) return unmatched(`no account has customer ${customerId}`);
	return then(account, customerId);
}

/**
 * The invoice's subscription: `parent.subscription_details.subscription` since API version
 * 2025-03-31, `subscription` before it (the webhook endpoint's version decides the payload).
 */
function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
	const current = idOf(invoice.parent?.subscription_details?.subscription);
	if (current) return current;
	const legacy: unknown = (invoice as unknown as Record<string, unknown>).subscription;
	return typeof legacy === "string" ? legacy : null;
}

/**
 * Writes the subscription's current state, fetched from Stripe. `deletedPayload` is the
 * subscription of a `customer.subscription.deleted` event: deletion is final, so it ends the
 * subscription whatever the fetch says, and stands in for it if Stripe no longer has it.
 */
async function applySubscription(
	deps: BillingDeps,
	account: BillingAccount,
	customerId: string,
	subscriptionId: string,
	deletedPayload: Stripe.Subscription | null,
): Promise<Decision> {
	const fetched = await deps.stripe.retrieveSubscription(subscriptionId);
	let sub: Stripe.Subscription;
	if (fetched.kind === "ok") sub = fetched.value;
	else if (fetched.status === 404 && deletedPayload) sub = deletedPayload;
	else if (fetched.status === 404) return unmatched(`Stripe has no subscription ${subscriptionId}`);
	else return { kind: "stripe_unavailable", error: fetched };

	const read = readSubscription(sub, deps.prices);
	if (!read.ok) return unmatched(read.reason);
	const state = read.state;
	if (state.customerId !== customerId) {
		return unmatched(`subscription ${sub.id} belongs to ${state.customerId}, not ${customerId}`);
	}
	if (deletedPayload) {
		state.status = "canceled";
		state.plan = "free";
	}
	if (read.unknownPrices.length && state.plan === "free" && !hasEnded(state.status)) {
		console.error(
			"stripe: subscription",
			sub.id,
			"has no price of a plan (STRIPE_PRICE_GROWTH/STRIPE_PRICE_PRO):",
			read.unknownPrices.join(", "),
		);
	}
	const current = account.stripeSubscriptionId;
	if (current !== null && current !== state.subscriptionId) {
		// Another subscription than the account's current one. The stored status of the current
		// one may itself be stale (its own events can still be on their way), so Stripe is asked.
		const other = hasEnded(state.status)
			? ({ kind: "ok", status: "none" } as const)
			: await currentStatusOf(deps, current);
		if (other.kind === "stripe_unavailable") return other;
		if (!mayReplace(other.status, state)) {
			if (!hasEnded(state.status)) {
				console.error(
					"stripe: customer",
					customerId,
					"has two live subscriptions:",
					current,
					sub.id,
				);
			}
			return {
				kind: "write",
				change: null,
				outcome: {
					kind: "unchanged",
					reason: `subscription ${sub.id} (${state.status}) does not replace account ${account.id}'s current ${current}`,
				},
			};
		}
	}
	return {
		kind: "write",
		change: {
			accountId: account.id,
			customerId,
			set: {
				stripeCustomerId: customerId,
				stripeSubscriptionId: state.subscriptionId,
				plan: state.plan,
				subscriptionStatus: state.status,
				currentPeriodEnd: state.currentPeriodEnd,
			},
		},
		outcome: { kind: "applied", accountId: account.id },
	};
}

async function currentStatusOf(
	deps: BillingDeps,
	subscriptionId: string,
): Promise<
	{ kind: "ok"; status: SubscriptionStatus } | Extract<Decision, { kind: "stripe_unavailable" }>
> {
	const fetched = await deps.stripe.retrieveSubscription(subscriptionId);
	if (fetched.kind === "error") {
		// A subscription Stripe no longer has is over.
		return fetched.status === 404
			? { kind: "ok", status: "canceled" }
			: { kind: "stripe_unavailable", error: fetched };
	}
	const status = fetched.value.status;
	return { kind: "ok", status: isSubscriptionStatus(status) ? status : "canceled" };
}
