// What Stripe does on its own pages and by itself: the customer pays a Checkout Session,
// switches plan or cancels in the portal, a renewal payment fails or is retried. Each action
// changes the state and returns the events Stripe would send for it, in Stripe's order, as
// snapshots taken then, without posting them: the pages post them (index.ts), tests may deliver
// them late, twice or out of order.

import { makeEvent, type StripeEvent } from "./events.ts";
import { renderCheckoutSession, renderInvoice, renderItems, renderSubscription } from "./render.ts";
import {
	MONTH_SECONDS,
	nowSeconds,
	type StripeCustomer,
	type StripePrice,
	type StripeState,
	type StripeSubscription,
	stripeId,
} from "./state.ts";

export interface CheckoutCompletion {
	subscription: StripeSubscription;
	checkoutCompleted: StripeEvent;
	subscriptionCreated: StripeEvent;
	/** The subscription turning active once paid; null when it was asked to stay in another status. */
	subscriptionUpdated: StripeEvent | null;
	invoicePaid: StripeEvent | null;
	/** Every event above, in the order Stripe sends them. */
	events: StripeEvent[];
}

export function createStripeActions(deps: {
	state: StripeState;
	prices: Map<string, StripePrice>;
	checkoutUrl: (sessionId: string) => string;
}) {
	const { state, prices } = deps;
	const subscriptionObject = (sub: StripeSubscription) =>
		renderSubscription(sub, prices.get(sub.priceId));

	function subscription(id: string): StripeSubscription {
		const sub = state.subscriptions.get(id);
		if (!sub) throw new Error(`Stripe stand-in: no subscription ${id}`);
		return sub;
	}

	function createSubscription(
		customer: string,
		priceId: string,
		opts: { status?: string; metadata?: Record<string, string> } = {},
	): StripeSubscription {
		const now = nowSeconds();
		const sub: StripeSubscription = {
			id: stripeId("sub_", 24),
			customer,
			status: opts.status ?? "active",
			priceId,
			itemId: stripeId("si_", 14),
			metadata: opts.metadata ?? {},
			currentPeriodStart: now,
			currentPeriodEnd: now + MONTH_SECONDS,
			created: now,
			canceledAt: null,
		};
		state.subscriptions.set(sub.id, sub);
		return sub;
	}

	function invoiceEvent(
		type: "invoice.paid" | "invoice.payment_failed",
		subscriptionId: string,
		billingReason = "subscription_cycle",
	): StripeEvent {
		const sub = subscription(subscriptionId);
		const paid = type === "invoice.paid";
		return makeEvent(
			type,
			renderInvoice(stripeId("in_", 24), sub, prices.get(sub.priceId), paid, billingReason),
		);
	}

	/** A change made in the portal or by Stripe itself: `customer.subscription.updated`. */
	function updateSubscription(
		id: string,
		patch: { status?: string; priceId?: string; currentPeriodEnd?: number },
	): StripeEvent {
		const sub = subscription(id);
		const previous: Record<string, unknown> = {};
		if (patch.status !== undefined && patch.status !== sub.status) {
			previous.status = sub.status;
			sub.status = patch.status;
		}
		if (patch.priceId !== undefined && patch.priceId !== sub.priceId) {
			previous.items = renderItems(sub, prices.get(sub.priceId));
			sub.priceId = patch.priceId;
		}
		if (patch.currentPeriodEnd !== undefined) sub.currentPeriodEnd = patch.currentPeriodEnd;
		return makeEvent("customer.subscription.updated", subscriptionObject(sub), { previous });
	}

	return {
		createSubscription,
		invoiceEvent,
		updateSubscription,
		renderSubscription: (id: string) => subscriptionObject(subscription(id)),

		/** A Stripe customer made outside checkout (e.g. by staff in Stripe's dashboard). */
		createCustomer(metadata: Record<string, string> = {}): StripeCustomer {
			const customer: StripeCustomer = {
				id: stripeId("cus_", 14),
				name: null,
				metadata,
				created: nowSeconds(),
			};
			state.customers.set(customer.id, customer);
			return customer;
		},

		/**
		 * The customer pays on the Checkout page. As in Stripe, the subscription starts
		 * `incomplete`, its first invoice is paid and it turns active, then the session completes:
		 * `customer.subscription.created`, `invoice.paid`, `customer.subscription.updated`,
		 * `checkout.session.completed`. With another `status` it is created in that status and only
		 * the first and last are sent.
		 */
		completeCheckout(sessionId: string, opts: { status?: string } = {}): CheckoutCompletion {
			const session = state.checkoutSessions.get(sessionId);
			if (!session) throw new Error(`Stripe stand-in: no Checkout Session ${sessionId}`);
			if (session.status !== "open") {
				throw new Error(`Stripe stand-in: Checkout Session ${sessionId} is already complete`);
			}
			const status = opts.status ?? "active";
			const paying = status === "active";
			const sub = createSubscription(session.customer, session.priceId, {
				status: paying ? "incomplete" : status,
				metadata: session.subscriptionMetadata,
			});
			const subscriptionCreated = makeEvent(
				"customer.subscription.created",
				subscriptionObject(sub),
			);
			const invoicePaid = paying
				? invoiceEvent("invoice.paid", sub.id, "subscription_create")
				: null;
			const subscriptionUpdated = paying ? updateSubscription(sub.id, { status: "active" }) : null;
			session.status = "complete";
			session.subscription = sub.id;
			const checkoutCompleted = makeEvent(
				"checkout.session.completed",
				renderCheckoutSession(session, deps.checkoutUrl(session.id)),
			);
			const events = [subscriptionCreated, invoicePaid, subscriptionUpdated, checkoutCompleted];
			return {
				subscription: sub,
				checkoutCompleted,
				subscriptionCreated,
				subscriptionUpdated,
				invoicePaid,
				events: events.filter((e): e is StripeEvent => e !== null),
			};
		},

		/** The subscription ends now: `customer.subscription.deleted`. */
		cancelSubscription(id: string): StripeEvent {
			const sub = subscription(id);
			sub.status = "canceled";
			sub.canceledAt = nowSeconds();
			return makeEvent("customer.subscription.deleted", subscriptionObject(sub));
		},

		/**
		 * The renewal payment is declined: the period's invoice stays open and the subscription
		 * turns `past_due` (`invoice.payment_failed`, `customer.subscription.updated`).
		 */
		failPayment(id: string): StripeEvent[] {
			const failed = invoiceEvent("invoice.payment_failed", id);
			return [failed, updateSubscription(id, { status: "past_due" })];
		},

		/**
		 * The customer pays what is due (a new card in the portal): a new period starts and the
		 * subscription is active again (`invoice.paid`, `customer.subscription.updated`).
		 */
		payOutstanding(id: string): StripeEvent[] {
			const sub = subscription(id);
			sub.currentPeriodStart = nowSeconds();
			sub.currentPeriodEnd = sub.currentPeriodStart + MONTH_SECONDS;
			const paid = invoiceEvent("invoice.paid", id);
			return [paid, updateSubscription(id, { status: "active" })];
		},
	};
}

export type StripeActions = ReturnType<typeof createStripeActions>;
