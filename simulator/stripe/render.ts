// The stand-in's objects in Stripe's wire format (`object`, prefixed ids, seconds, `livemode`),
// as the API answers them and as events carry them. Only the fields billing reads, plus those
// that make an object recognisable when a developer looks at a payload.

import type {
	StripeCheckoutSession,
	StripeCustomer,
	StripePortalSession,
	StripePrice,
	StripeSubscription,
} from "./state.ts";

export type StripeObject = Record<string, unknown>;

export function renderCustomer(c: StripeCustomer): StripeObject {
	return {
		id: c.id,
		object: "customer",
		created: c.created,
		email: null,
		livemode: false,
		metadata: c.metadata,
		name: c.name,
	};
}

/** `url` is the stand-in's Checkout page while the session is open; Stripe drops it after. */
export function renderCheckoutSession(s: StripeCheckoutSession, pageUrl: string): StripeObject {
	return {
		id: s.id,
		object: "checkout.session",
		cancel_url: s.cancelUrl,
		client_reference_id: s.clientReferenceId,
		created: s.created,
		customer: s.customer,
		livemode: false,
		metadata: s.metadata,
		mode: s.mode,
		payment_status: s.status === "complete" ? "paid" : "unpaid",
		status: s.status,
		subscription: s.subscription,
		success_url: s.successUrl,
		ui_mode: "hosted",
		url: s.status === "open" ? pageUrl : null,
	};
}

export function renderPortalSession(s: StripePortalSession): StripeObject {
	return {
		id: s.id,
		object: "billing_portal.session",
		created: s.created,
		customer: s.customer,
		livemode: false,
		return_url: s.returnUrl,
		url: s.url,
	};
}

function renderPrice(priceId: string, price: StripePrice | undefined): StripeObject {
	return {
		id: priceId,
		object: "price",
		active: true,
		currency: "usd",
		livemode: false,
		nickname: price?.name ?? null,
		recurring: { interval: "month", interval_count: 1 },
		type: "recurring",
		unit_amount: price?.unitAmount ?? null,
	};
}

/** The subscription's items (one), as `items` and `previous_attributes.items` carry them. */
export function renderItems(s: StripeSubscription, price: StripePrice | undefined): StripeObject {
	return {
		object: "list",
		data: [
			{
				id: s.itemId,
				object: "subscription_item",
				created: s.created,
				current_period_end: s.currentPeriodEnd,
				current_period_start: s.currentPeriodStart,
				metadata: {},
				price: renderPrice(s.priceId, price),
				quantity: 1,
				subscription: s.id,
			},
		],
		has_more: false,
		total_count: 1,
		url: `/v1/subscription_items?subscription=${s.id}`,
	};
}

export function renderSubscription(
	s: StripeSubscription,
	price: StripePrice | undefined,
): StripeObject {
	return {
		id: s.id,
		object: "subscription",
		cancel_at_period_end: false,
		canceled_at: s.canceledAt,
		created: s.created,
		customer: s.customer,
		ended_at: s.canceledAt,
		items: renderItems(s, price),
		livemode: false,
		metadata: s.metadata,
		start_date: s.created,
		status: s.status,
	};
}

/** An invoice of the subscription's current period, paid or left open by a failed payment. */
export function renderInvoice(
	id: string,
	s: StripeSubscription,
	price: StripePrice | undefined,
	paid: boolean,
	billingReason: string,
): StripeObject {
	const amount = price?.unitAmount ?? 0;
	return {
		id,
		object: "invoice",
		amount_due: amount,
		amount_paid: paid ? amount : 0,
		attempt_count: 1,
		billing_reason: billingReason,
		currency: "usd",
		customer: s.customer,
		livemode: false,
		parent: {
			type: "subscription_details",
			quote_details: null,
			subscription_details: { metadata: s.metadata, subscription: s.id },
		},
		period_end: s.currentPeriodEnd,
		period_start: s.currentPeriodStart,
		status: paid ? "paid" : "open",
	};
}
