/**
 * Stripe, through the official SDK with its Web platform pieces: `createFetchHttpClient` for the
 * API (Workers have no Node http) and `createSubtleCryptoProvider` for webhook signatures
 * (WebCrypto only has async HMAC, hence `constructEventAsync`). Only the calls billing makes;
 * every API answer comes back classified, `ok` or `error`, so callers choose what a failure
 * means instead of catching SDK exceptions.
 *
 * Billing is optional: without `STRIPE_SECRET_KEY` (local development) `stripeSettingsFromEnv`
 * answers null and the billing routes say so with 503 `billing_not_configured`.
 */
import Stripe from "stripe";
import type { Bindings } from "../env.ts";

export interface StripeSettings {
	secretKey: string;
	/** `whsec_…`; null when only the API side is configured (the webhook then answers 503). */
	webhookSecret: string | null;
	/** Base URL of the API; empty means Stripe's own (https://api.stripe.com). */
	apiUrl: string;
	/** The Stripe price of each paid plan; empty when that plan is not sold. */
	prices: { growth: string; pro: string };
}

export function stripeSettingsFromEnv(env: Bindings): StripeSettings | null {
	if (!env.STRIPE_SECRET_KEY) return null;
	return {
		secretKey: env.STRIPE_SECRET_KEY,
		webhookSecret: env.STRIPE_WEBHOOK_SECRET || null,
		apiUrl: env.STRIPE_API_URL,
		prices: { growth: env.STRIPE_PRICE_GROWTH, pro: env.STRIPE_PRICE_PRO },
	};
}

export type StripeResult<T> =
	| { kind: "ok"; value: T }
	| {
			kind: "error";
			/** HTTP status from Stripe; null when Stripe could not be reached. */
			status: number | null;
			/** Stripe's error type (`api_error`, `card_error`, `invalid_request_error`, …). */
			type: string;
			code: string | null;
			message: string;
	  };

export type VerifiedEvent = { ok: true; event: Stripe.Event } | { ok: false; reason: string };

export interface StripeClient {
	/**
	 * Creates the account's Stripe customer. The idempotency key is derived from the account id,
	 * so two concurrent checkouts of one account get the same customer back from Stripe (for as
	 * long as Stripe keeps keys, 24 hours; after that the stored customer id is what prevents a
	 * second one).
	 */
	createCustomer(input: { accountId: string; name: string }): Promise<StripeResult<{ id: string }>>;
	createCheckoutSession(input: {
		customerId: string;
		accountId: string;
		priceId: string;
		successUrl: string;
		cancelUrl: string;
	}): Promise<StripeResult<{ id: string; url: string }>>;
	createPortalSession(input: {
		customerId: string;
		returnUrl: string;
	}): Promise<StripeResult<{ url: string }>>;
	retrieveSubscription(id: string): Promise<StripeResult<Stripe.Subscription>>;
	/** Checks `Stripe-Signature` against the exact raw body, then parses it. */
	verifyEvent(rawBody: string, signatureHeader: string): Promise<VerifiedEvent>;
}

/** Idempotency key for an account's one customer. */
export const customerIdempotencyKey = (accountId: string) => `sendfleet-customer-${accountId}`;

// WebCrypto HMAC, the only kind Workers have.
const cryptoProvider = Stripe.createSubtleCryptoProvider();

// One SDK client per key and URL, kept for the isolate's life. The fetch client calls the
// global `fetch` at request time (not the one present at construction), so tests can route it.
let cached: { key: string; sdk: Stripe } | undefined;
function sdkFor(settings: StripeSettings): Stripe {
	const key = `${settings.secretKey}|${settings.apiUrl}`;
	if (cached?.key !== key) {
		cached = {
			key,
			sdk: new Stripe(settings.secretKey, {
				httpClient: Stripe.createFetchHttpClient((input, init) => fetch(input, init)),
				...apiLocation(settings.apiUrl),
				// One retry (with the SDK's own idempotency key) for network errors, 409 and 5xx;
				// the caller is waiting, so no more than that.
				maxNetworkRetries: 1,
				timeout: 15_000,
				telemetry: false,
			}),
		};
	}
	return cached.sdk;
}

function apiLocation(apiUrl: string): {
	host?: string;
	port?: number;
	protocol?: "http" | "https";
} {
	if (!apiUrl) return {};
	const url = new URL(apiUrl);
	const protocol = url.protocol === "http:" ? "http" : "https";
	return {
		host: url.hostname,
		protocol,
		port: url.port ? Number(url.port) : protocol === "http" ? 80 : 443,
	};
}

async function call<T>(request: () => Promise<T>): Promise<StripeResult<T>> {
	try {
		return { kind: "ok", value: await request() };
	} catch (err) {
		if (err instanceof Stripe.errors.StripeError) {
			return {
				kind: "error",
				status: err.statusCode ?? null,
				type: err.rawType ?? err.type,
				code: err.code ?? null,
				message: err.message,
			};
		}
		return {
			kind: "error",
			status: null,
			type: "unknown_error",
			code: null,
			message: err instanceof Error ? err.message : String(err),
		};
	}
}

export function createStripeClient(settings: StripeSettings): StripeClient {
	const sdk = sdkFor(settings);
	return {
		createCustomer: ({ accountId, name }) =>
			call(async () => {
				const customer = await sdk.customers.create(
					{ name, metadata: { account_id: accountId } },
					{ idempotencyKey: customerIdempotencyKey(accountId) },
				);
				return { id: customer.id };
			}),

		createCheckoutSession: (input) =>
			call(async () => {
				const session = await sdk.checkout.sessions.create({
					mode: "subscription",
					customer: input.customerId,
					client_reference_id: input.accountId,
					line_items: [{ price: input.priceId, quantity: 1 }],
					subscription_data: { metadata: { account_id: input.accountId } },
					metadata: { account_id: input.accountId },
					success_url: input.successUrl,
					cancel_url: input.cancelUrl,
				});
				// Hosted Checkout always has a URL; only embedded sessions lack one.
				if (!session.url) throw new Error(`Checkout Session ${session.id} has no URL.`);
				return { id: session.id, url: session.url };
			}),

		createPortalSession: ({ customerId, returnUrl }) =>
			call(async () => {
				const session = await sdk.billingPortal.sessions.create({
					customer: customerId,
					return_url: returnUrl,
				});
				return { url: session.url };
			}),

		retrieveSubscription: (id) => call(() => sdk.subscriptions.retrieve(id)),

		async verifyEvent(rawBody, signatureHeader) {
			if (!settings.webhookSecret) return { ok: false, reason: "no webhook secret configured" };
			try {
				const event = await sdk.webhooks.constructEventAsync(
					rawBody,
					signatureHeader,
					settings.webhookSecret,
					undefined,
					cryptoProvider,
				);
				return { ok: true, event };
			} catch (err) {
				return { ok: false, reason: err instanceof Error ? err.message : String(err) };
			}
		},
	};
}
