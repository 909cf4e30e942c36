/** What the billing routes and the Stripe webhook need, or 503 when Stripe is not configured. */
import { createDb } from "../../db/client.ts";
import type { BillingDeps } from "../../domain/billing.ts";
import type { Bindings } from "../../env.ts";
import { createStripeClient, stripeSettingsFromEnv } from "../../services/stripe.ts";
import { refusalError } from "../refusal-errors.ts";

export function billingDepsFromEnv(env: Bindings): BillingDeps {
	const settings = stripeSettingsFromEnv(env);
	if (!settings) {
		throw refusalError({ code: "billing_not_configured", detail: "no Stripe secret key is set" });
	}
	return { db: createDb(env.DB), stripe: createStripeClient(settings), prices: settings.prices };
}

/**
 * A page of the dashboard, for Stripe to send the customer back to. Without a configured
 * DASHBOARD_URL billing refuses (503) before calling Stripe, rather than guessing an address.
 */
export function dashboardUrl(env: Bindings, path: string): string {
	const base = URL.parse(env.DASHBOARD_URL);
	if (!base || (base.protocol !== "https:" && base.protocol !== "http:")) {
		throw refusalError({ code: "billing_not_configured", detail: "DASHBOARD_URL is not set" });
	}
	return `${env.DASHBOARD_URL.replace(/\/+$/, "")}${path}`;
}
