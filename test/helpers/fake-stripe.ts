/**
 * Billing's tests talk to the simulator's Stripe stand-in (simulator/stripe/), the same one
 * `npm start` serves: Stripe's wire format, so the real SDK's request encoding, idempotency keys
 * and error mapping run against it.
 *
 * Tests and the Worker share one isolate, so `installFakeStripe()` reroutes `globalThis.fetch`
 * for the STRIPE_API_URL origin to a new stand-in (as test/helpers/simulator.ts does for SES);
 * its Checkout and portal pages are on that origin too (`/stripe/...`), and their buttons post
 * the events to the Worker's own fetch handler.
 *
 * What Stripe does on its own pages (the customer pays, changes plan, cancels) is also there as
 * methods that change the state and return the events Stripe would send, unsent, as snapshots
 * taken then: a test can deliver them late or out of order. `webhookRequest` signs an event as
 * Stripe signs deliveries.
 */
import { env, exports } from "cloudflare:workers";
import {
	createStripeStandIn,
	type StripeCheckoutSession,
	type StripeCustomer,
	type StripePortalSession,
	type StripeStandIn,
	type StripeSubscription,
} from "../../simulator/stripe/index.ts";
import { BASE_URL } from "./api.ts";

export {
	parseStripeForm,
	type RecordedRequest,
	type StripeErrorBody,
	type StripeEvent,
} from "../../simulator/stripe/index.ts";
export type FakeCustomer = StripeCustomer;
export type FakeCheckoutSession = StripeCheckoutSession;
export type FakeSubscription = StripeSubscription;
export type FakePortalSession = StripePortalSession;
export type FakeStripe = StripeStandIn;

export interface FakeStripeOptions {
	secretKey?: string;
	webhookSecret?: string;
	/** Prices that exist in this Stripe account. */
	prices?: string[];
}

function setting(name: string, fallback: string): string {
	const value = (env as unknown as Record<string, unknown>)[name];
	return typeof value === "string" && value !== "" ? value : fallback;
}

const apiOrigin = () => new URL(setting("STRIPE_API_URL", "https://stripe.fake.test")).origin;

export function createFakeStripe(options: FakeStripeOptions = {}): FakeStripe {
	const growth = setting("STRIPE_PRICE_GROWTH", "price_growth_test");
	const pro = setting("STRIPE_PRICE_PRO", "price_pro_test");
	const names: Record<string, { name: string; unitAmount: number }> = {
		[growth]: { name: "Growth", unitAmount: 1500 },
		[pro]: { name: "Pro", unitAmount: 5900 },
	};
	return createStripeStandIn({
		secretKey: options.secretKey ?? setting("STRIPE_SECRET_KEY", "sk_test_sendfleet"),
		webhookSecret:
			options.webhookSecret ?? setting("STRIPE_WEBHOOK_SECRET", "whsec_test_sendfleet"),
		prices: (options.prices ?? [growth, pro]).map((id) => ({
			id,
			...(names[id] ?? { name: id, unitAmount: 0 }),
		})),
		publicUrl: apiOrigin(),
		webhookEndpoint: `${BASE_URL}/hooks/stripe`,
		deliver: (request) => exports.default.fetch(request),
	});
}

/** The Checkout Session id in a Checkout page URL the Worker answered. */
export const checkoutSessionIdOf = (url: string) => new URL(url).pathname.split("/").at(-1) ?? "";

/**
 * Routes the Worker's calls to STRIPE_API_URL's origin into a new stand-in; everything else goes
 * to the fetch in place before. Call `restore()` (e.g. in afterEach).
 */
export function installFakeStripe(options: FakeStripeOptions = {}): {
	stripe: FakeStripe;
	restore(): void;
} {
	const stripe = createFakeStripe(options);
	const origin = apiOrigin();
	const global = globalThis as unknown as { fetch: typeof fetch };
	const original = global.fetch;
	global.fetch = (input, init) => {
		const url = input instanceof Request ? input.url : String(input);
		if (URL.parse(url)?.origin === origin) return stripe.fetch(new Request(input, init));
		return original(input, init);
	};
	return {
		stripe,
		restore() {
			global.fetch = original;
		},
	};
}
