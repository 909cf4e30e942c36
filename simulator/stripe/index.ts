// The Stripe stand-in: enough of Stripe for billing to work with no Stripe account, in tests
// (test/helpers/fake-stripe.ts routes the Worker's Stripe calls to it) and under `npm start`
// (app.ts mounts it). It answers:
//   the API the Worker calls, at `/v1/...` (api.ts)          Stripe's wire format, secret key
//   the Checkout page, `/stripe/checkout/:id` (checkout-page.ts)
//   the customer portal, `/stripe/portal/:id` (portal-page.ts)
// and posts the events Stripe would send for what happens on those pages to the Worker's
// `/hooks/stripe`, signed with the webhook secret (events.ts).
//
// The API is at the origin's `/v1`, not under `/stripe`: the Stripe SDK takes a host, port and
// protocol but no base path, so STRIPE_API_URL can only name an origin.

import { Hono } from "hono";
import { type CheckoutCompletion, createStripeActions } from "./actions.ts";
import {
	type ApiFailure,
	createStripeApi,
	type RecordedRequest,
	type StripeErrorBody,
} from "./api.ts";
import { createCheckoutPageRoutes } from "./checkout-page.ts";
import { createEventSender, type EventDelivery, makeEvent } from "./events.ts";
import { createPortalPageRoutes } from "./portal-page.ts";
import { createStripeState, type StripePrice } from "./state.ts";

export type { CheckoutCompletion } from "./actions.ts";
export type { RecordedRequest, StripeErrorBody } from "./api.ts";
export type { EventDelivery, StripeEvent } from "./events.ts";
export { parseStripeForm } from "./form.ts";
export type {
	StripeCheckoutSession,
	StripeCustomer,
	StripePortalSession,
	StripePrice,
	StripeSubscription,
} from "./state.ts";

/** The stand-in's own secrets for local development; never Stripe's. */
export const LOCAL_STRIPE_SECRET_KEY = "sk_test_local_sendfleet_simulator";
export const LOCAL_STRIPE_WEBHOOK_SECRET = "whsec_local_sendfleet_simulator";

export const LOCAL_STRIPE_PRICE_GROWTH = "price_growth_local";
export const LOCAL_STRIPE_PRICE_PRO = "price_pro_local";

/** The prices it sells unless told otherwise (the amounts of src/domain/plans.ts). */
export const LOCAL_STRIPE_PRICES: readonly StripePrice[] = [
	{ id: LOCAL_STRIPE_PRICE_GROWTH, name: "Growth", unitAmount: 1500 },
	{ id: LOCAL_STRIPE_PRICE_PRO, name: "Pro", unitAmount: 5900 },
];

export interface StripeStandInOptions {
	/** The key the Worker must send (`Authorization: Bearer …`); default LOCAL_STRIPE_SECRET_KEY. */
	secretKey?: string;
	/** Signs the events (`whsec_…`); default LOCAL_STRIPE_WEBHOOK_SECRET. */
	webhookSecret?: string;
	/** The prices that exist; default LOCAL_STRIPE_PRICES. */
	prices?: readonly StripePrice[];
	/** The origin its pages are reached on; the sessions' `url`s are built on it. */
	publicUrl?: string;
	/** Where events are posted (the Worker's `/hooks/stripe`); without it or `deliver`, recorded only. */
	webhookEndpoint?: string;
	/** Posts an event instead of `fetch` (tests hand in the Worker's own fetch handler). */
	deliver?: (request: Request) => Promise<Response>;
}

export function createStripeStandIn(options: StripeStandInOptions = {}) {
	const secretKey = options.secretKey ?? LOCAL_STRIPE_SECRET_KEY;
	const webhookSecret = options.webhookSecret ?? LOCAL_STRIPE_WEBHOOK_SECRET;
	const prices = new Map((options.prices ?? LOCAL_STRIPE_PRICES).map((p) => [p.id, { ...p }]));
	const origin = (options.publicUrl ?? "http://127.0.0.1:8788").replace(/\/+$/, "");
	const checkoutUrl = (id: string) => `${origin}/stripe/checkout/${id}`;
	const portalUrl = (id: string) => `${origin}/stripe/portal/${id}`;

	const state = createStripeState();
	const requests: RecordedRequest[] = [];
	const failures: ApiFailure[] = [];
	const actions = createStripeActions({ state, prices, checkoutUrl });
	const sender = createEventSender({
		webhookSecret,
		endpoint: options.webhookEndpoint ?? null,
		deliver: options.deliver,
	});

	const app = new Hono();
	app.route(
		"/",
		createStripeApi({
			state,
			secretKey,
			prices,
			requests,
			failures,
			checkoutUrl,
			portalUrl,
			renderSubscription: actions.renderSubscription,
		}),
	);
	const pages = { state, prices, actions, sender };
	app.route("/", createCheckoutPageRoutes(pages));
	app.route("/", createPortalPageRoutes(pages));

	return {
		/** The API and the pages over HTTP (`/v1/*`, `/stripe/*`). */
		fetch: async (request: Request): Promise<Response> => app.fetch(request),
		customers: state.customers,
		checkoutSessions: state.checkoutSessions,
		portalSessions: state.portalSessions,
		subscriptions: state.subscriptions,
		/** Every API request received, in order. */
		requests,
		secretKey,
		webhookSecret,
		prices: [...prices.values()],
		checkoutUrl,
		portalUrl,

		/** Answers matching API calls with this error, `times` times (default: until `clearFailures`). */
		fail(
			match: { method?: string; path: string | RegExp },
			error: StripeErrorBody,
			times = Infinity,
		) {
			failures.push({ method: match.method ?? null, path: match.path, error, remaining: times });
		},
		clearFailures() {
			failures.length = 0;
		},

		// What Stripe does, returning its events unsent (actions.ts).
		...actions,
		event: makeEvent,

		/** The delivery of an event (or any raw body) to the webhook endpoint, signed. */
		webhookRequest: sender.webhookRequest,
		/** Posts events to the Worker in order and answers how it took each. */
		send: sender.send,
		/** Every event posted so far, oldest first. */
		deliveries: sender.deliveries,

		/** The customer pays on the Checkout page: the events are posted (as Pay does). */
		async pay(sessionId: string): Promise<CheckoutCompletion & { deliveries: EventDelivery[] }> {
			const completion = actions.completeCheckout(sessionId);
			return { ...completion, deliveries: await sender.send(completion.events) };
		},
	};
}

export type StripeStandIn = ReturnType<typeof createStripeStandIn>;
