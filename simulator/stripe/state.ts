// The Stripe stand-in's memory: customers, Checkout Sessions, portal sessions and
// subscriptions, as plain objects keyed by their Stripe ids. One state per stand-in, so tests
// that make their own never see each other's customers.

export interface StripeCustomer {
	id: string;
	name: string | null;
	metadata: Record<string, string>;
	created: number;
}

export interface StripeCheckoutSession {
	id: string;
	customer: string;
	clientReferenceId: string | null;
	priceId: string;
	quantity: number;
	mode: string;
	metadata: Record<string, string>;
	subscriptionMetadata: Record<string, string>;
	successUrl: string | null;
	cancelUrl: string | null;
	status: "open" | "complete";
	subscription: string | null;
	created: number;
}

export interface StripeSubscription {
	id: string;
	customer: string;
	status: string;
	priceId: string;
	itemId: string;
	metadata: Record<string, string>;
	currentPeriodStart: number;
	currentPeriodEnd: number;
	created: number;
	canceledAt: number | null;
}

export interface StripePortalSession {
	id: string;
	customer: string;
	returnUrl: string | null;
	url: string;
	created: number;
}

/** A recurring monthly price the account sells; `name` is what the pages show. */
export interface StripePrice {
	id: string;
	name: string;
	/** Cents per month. */
	unitAmount: number;
}

export interface StripeState {
	customers: Map<string, StripeCustomer>;
	checkoutSessions: Map<string, StripeCheckoutSession>;
	portalSessions: Map<string, StripePortalSession>;
	subscriptions: Map<string, StripeSubscription>;
}

export function createStripeState(): StripeState {
	return {
		customers: new Map(),
		checkoutSessions: new Map(),
		portalSessions: new Map(),
		subscriptions: new Map(),
	};
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A Stripe-looking id: its object's prefix and random letters and digits. */
export function stripeId(prefix: string, length = 24): string {
	const bytes = crypto.getRandomValues(new Uint8Array(length));
	return prefix + Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join("");
}

/** Stripe's times are whole seconds since the epoch. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A billing period; Stripe's months vary, a fixed 30 days is close enough here. */
export const MONTH_SECONDS = 30 * 24 * 3600;
