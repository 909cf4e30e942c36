/**
 * `/hooks/stripe`: signature checks on the raw body, at-most-once handling, out-of-order
 * delivery, events about no account of ours, and isolation between accounts. Events come from
 * the fake Stripe (test/helpers/fake-stripe.ts), signed as Stripe signs them.
 */
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../../src/app.ts";
import { findBillingAccount } from "../../../src/db/queries/billing.ts";
import { stripeEvents } from "../../../src/db/schema.ts";
import type { Bindings } from "../../../src/env.ts";
import { createAccount, db } from "../../helpers/factories.ts";
import { type FakeStripe, installFakeStripe, type StripeEvent } from "../../helpers/fake-stripe.ts";

let stripe: FakeStripe;
let restore: () => void;
beforeEach(() => {
	({ stripe, restore } = installFakeStripe());
});
afterEach(() => restore());

const GROWTH = "price_growth_test";
const PRO = "price_pro_test";

async function deliver(request: Request) {
	const response = await exports.default.fetch(request);
	return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}
const send = async (event: StripeEvent) => deliver(await stripe.webhookRequest(event));

const billingOf = async (accountId: string) => {
	const row = await findBillingAccount(db(), accountId);
	if (!row) throw new Error(`no account ${accountId}`);
	const { plan, stripeCustomerId, stripeSubscriptionId, subscriptionStatus, currentPeriodEnd } =
		row;
	return { plan, stripeCustomerId, stripeSubscriptionId, subscriptionStatus, currentPeriodEnd };
};
const recorded = async (eventId: string) =>
	db().select().from(stripeEvents).where(eq(stripeEvents.id, eventId));

/**
 * An approved Free account whose Stripe customer exists (as after POST /billing/checkout), and a
 * subscription for it in Stripe that the account does not know about yet.
 */
async function customerWithSubscription(priceId = PRO, status = "active") {
	const customer = stripe.createCustomer();
	const account = await createAccount({
		plan: "free",
		subscriptionStatus: "none",
		stripeCustomerId: customer.id,
	});
	customer.metadata.account_id = account.id;
	const subscription = stripe.createSubscription(customer.id, priceId, {
		status,
		metadata: { account_id: account.id },
	});
	return { account, customer, subscription };
}

/** The same, already on the subscription's plan through its `created` event. */
async function subscribedAccount(priceId = PRO) {
	const setup = await customerWithSubscription(priceId);
	const created = stripe.event(
		"customer.subscription.created",
		stripe.renderSubscription(setup.subscription.id),
	);
	expect(await send(created)).toEqual({ status: 200, json: { received: true } });
	return setup;
}

const OK = { status: 200, json: { received: true } };

describe("POST /hooks/stripe: signatures", () => {
	it("applies a correctly signed event", async () => {
		const { account, customer, subscription } = await customerWithSubscription(GROWTH);
		const event = stripe.event(
			"customer.subscription.created",
			stripe.renderSubscription(subscription.id),
		);
		expect(await send(event)).toEqual(OK);
		expect(await billingOf(account.id)).toEqual({
			plan: "growth",
			stripeCustomerId: customer.id,
			stripeSubscriptionId: subscription.id,
			subscriptionStatus: "active",
			currentPeriodEnd: subscription.currentPeriodEnd * 1000,
		});
		expect(await recorded(event.id)).toEqual([
			{ id: event.id, type: "customer.subscription.created", receivedAt: expect.any(Number) },
		]);
	});

	it("answers 403 invalid_signature for a body changed after signing, and writes nothing", async () => {
		const { account, subscription } = await customerWithSubscription();
		const event = stripe.event(
			"customer.subscription.created",
			stripe.renderSubscription(subscription.id),
		);
		const signed = await stripe.webhookRequest(event);
		const tampered = new Request(signed, {
			body: (await signed.text()).replace('"livemode": false', '"livemode": true'),
		});
		const res = await deliver(tampered);
		expect(res.status).toBe(403);
		expect(res.json).toMatchObject({ statusCode: 403, name: "invalid_signature" });
		expect(res.json.message).toMatch(/^The Stripe-Signature header does not match the body: /);
		expect(await recorded(event.id)).toEqual([]);
		expect((await billingOf(account.id)).plan).toBe("free");
		expect(stripe.requests).toEqual([]);
	});

	it("answers 403 invalid_signature for an event signed with another secret", async () => {
		const { account, subscription } = await customerWithSubscription();
		const event = stripe.event(
			"customer.subscription.created",
			stripe.renderSubscription(subscription.id),
		);
		const res = await deliver(await stripe.webhookRequest(event, { secret: "whsec_someone_else" }));
		expect(res.status).toBe(403);
		expect(res.json.name).toBe("invalid_signature");
		expect(await recorded(event.id)).toEqual([]);
		expect((await billingOf(account.id)).plan).toBe("free");
	});

	it("answers 403 invalid_signature for a signature older than five minutes (a replayed capture)", async () => {
		const { account, subscription } = await customerWithSubscription();
		const event = stripe.event(
			"customer.subscription.created",
			stripe.renderSubscription(subscription.id),
		);
		const old = Math.floor(Date.now() / 1000) - 301;
		const res = await deliver(await stripe.webhookRequest(event, { timestamp: old }));
		expect(res.status).toBe(403);
		expect(res.json.name).toBe("invalid_signature");
		expect(res.json.message).toContain("Timestamp outside the tolerance zone");
		expect((await billingOf(account.id)).plan).toBe("free");
	});

	it("answers 403 invalid_signature without a Stripe-Signature header", async () => {
		const { subscription } = await customerWithSubscription();
		const event = stripe.event(
			"customer.subscription.created",
			stripe.renderSubscription(subscription.id),
		);
		const signed = await stripe.webhookRequest(event);
		const headers = new Headers(signed.headers);
		headers.delete("stripe-signature");
		const res = await deliver(new Request(signed, { headers }));
		expect(res).toEqual({
			status: 403,
			json: {
				statusCode: 403,
				name: "invalid_signature",
				message: "The Stripe-Signature header is missing.",
			},
		});
		expect(await recorded(event.id)).toEqual([]);
	});
});

describe("POST /hooks/stripe: each event at most once", () => {
	it("answers a redelivered event with duplicate: true and changes nothing", async () => {
		const { account, subscription } = await customerWithSubscription();
		const event = stripe.event(
			"customer.subscription.created",
			stripe.renderSubscription(subscription.id),
		);
		expect(await send(event)).toEqual(OK);
		const after = await billingOf(account.id);
		// Stripe's state moves on without an event; a replay must not pick it up.
		stripe.subscriptions.set(subscription.id, { ...subscription, status: "past_due" });
		const fetches = stripe.requests.length;

		expect(await send(event)).toEqual({ status: 200, json: { received: true, duplicate: true } });
		expect(await billingOf(account.id)).toEqual(after);
		expect(stripe.requests.length).toBe(fetches);
		expect(await recorded(event.id)).toHaveLength(1);
	});

	it("handles two concurrent deliveries of one event once", async () => {
		const { account, subscription } = await customerWithSubscription();
		const event = stripe.event(
			"customer.subscription.created",
			stripe.renderSubscription(subscription.id),
		);
		const results = await Promise.all([send(event), send(event)]);
		expect(results.map((r) => r.status)).toEqual([200, 200]);
		expect(results.filter((r) => r.json.duplicate === true).length).toBeLessThanOrEqual(1);
		expect(await recorded(event.id)).toHaveLength(1);
		expect((await billingOf(account.id)).plan).toBe("pro");
	});
});

describe("POST /hooks/stripe: ordering", () => {
	it("never lets an older event overwrite a newer state", async () => {
		const { account, subscription } = await customerWithSubscription(GROWTH, "incomplete");
		const created = stripe.event(
			"customer.subscription.created",
			stripe.renderSubscription(subscription.id),
			{ created: Math.floor(Date.now() / 1000) - 60 },
		);
		const updated = stripe.updateSubscription(subscription.id, { status: "active", priceId: PRO });

		expect(await send(updated)).toEqual(OK);
		const newer = {
			plan: "pro",
			stripeCustomerId: subscription.customer,
			stripeSubscriptionId: subscription.id,
			subscriptionStatus: "active",
			currentPeriodEnd: subscription.currentPeriodEnd * 1000,
		};
		expect(await billingOf(account.id)).toEqual(newer);

		// The older event (incomplete, Growth) arrives last.
		expect(created.data.object).toMatchObject({ status: "incomplete" });
		expect(await send(created)).toEqual(OK);
		expect(await billingOf(account.id)).toEqual(newer);
	});

	it("ignores a late event about an old, cancelled subscription once a new one is active", async () => {
		const { account, customer, subscription: first } = await subscribedAccount(GROWTH);
		const ended = stripe.cancelSubscription(first.id);
		const second = stripe.createSubscription(customer.id, PRO, {
			metadata: { account_id: account.id },
		});
		const secondCreated = stripe.event(
			"customer.subscription.created",
			stripe.renderSubscription(second.id),
		);
		expect(await send(secondCreated)).toEqual(OK);
		expect(await billingOf(account.id)).toMatchObject({
			plan: "pro",
			stripeSubscriptionId: second.id,
			subscriptionStatus: "active",
		});

		expect(await send(ended)).toEqual(OK);
		expect(await billingOf(account.id)).toMatchObject({
			plan: "pro",
			stripeSubscriptionId: second.id,
			subscriptionStatus: "active",
		});
	});
	it("keeps the first of two live subscriptions (two checkouts paid in parallel)", async () => {
		const { account, customer, subscription: first } = await subscribedAccount(PRO);
		const second = stripe.createSubscription(customer.id, GROWTH);
		const event = stripe.event(
			"customer.subscription.created",
			stripe.renderSubscription(second.id),
		);
		expect(await send(event)).toEqual(OK);
		expect(await billingOf(account.id)).toMatchObject({
			plan: "pro",
			stripeSubscriptionId: first.id,
			subscriptionStatus: "active",
		});
		expect(await recorded(event.id)).toHaveLength(1);
	});
});

describe("POST /hooks/stripe: what each event does", () => {
	it("checkout.session.completed links the customer and subscription named by client_reference_id", async () => {
		const customer = stripe.createCustomer();
		const account = await createAccount({ plan: "free", subscriptionStatus: "none" });
		const subscription = stripe.createSubscription(customer.id, GROWTH);
		const event = stripe.event("checkout.session.completed", {
			id: "cs_test_a1b2c3",
			object: "checkout.session",
			client_reference_id: account.id,
			customer: customer.id,
			mode: "subscription",
			status: "complete",
			subscription: subscription.id,
		});
		expect(await send(event)).toEqual(OK);
		expect(await billingOf(account.id)).toEqual({
			plan: "growth",
			stripeCustomerId: customer.id,
			stripeSubscriptionId: subscription.id,
			subscriptionStatus: "active",
			currentPeriodEnd: subscription.currentPeriodEnd * 1000,
		});
	});

	it("customer.subscription.updated follows a plan change in the portal", async () => {
		const { account, subscription } = await subscribedAccount(GROWTH);
		const later = subscription.currentPeriodEnd + 3600;
		expect(
			await send(
				stripe.updateSubscription(subscription.id, { priceId: PRO, currentPeriodEnd: later }),
			),
		).toEqual(OK);
		expect(await billingOf(account.id)).toMatchObject({
			plan: "pro",
			subscriptionStatus: "active",
			currentPeriodEnd: later * 1000,
		});
	});

	it("customer.subscription.deleted puts the account on Free, cancelled", async () => {
		const { account, subscription } = await subscribedAccount(PRO);
		expect(await send(stripe.cancelSubscription(subscription.id))).toEqual(OK);
		expect(await billingOf(account.id)).toMatchObject({
			plan: "free",
			stripeSubscriptionId: subscription.id,
			subscriptionStatus: "canceled",
		});
	});

	it("customer.subscription.deleted still ends it when Stripe no longer has the subscription", async () => {
		const { account, subscription } = await subscribedAccount(PRO);
		const ended = stripe.cancelSubscription(subscription.id);
		stripe.subscriptions.delete(subscription.id);
		expect(await send(ended)).toEqual(OK);
		expect(await billingOf(account.id)).toMatchObject({
			plan: "free",
			subscriptionStatus: "canceled",
		});
	});

	it("invoice.payment_failed marks it past_due as Stripe's subscription says, and invoice.paid restores it", async () => {
		const { account, subscription } = await subscribedAccount(PRO);
		stripe.subscriptions.set(subscription.id, { ...subscription, status: "past_due" });
		expect(await send(stripe.invoiceEvent("invoice.payment_failed", subscription.id))).toEqual(OK);
		expect(await billingOf(account.id)).toMatchObject({
			plan: "pro",
			subscriptionStatus: "past_due",
		});

		stripe.subscriptions.set(subscription.id, { ...subscription, status: "active" });
		expect(await send(stripe.invoiceEvent("invoice.paid", subscription.id))).toEqual(OK);
		expect(await billingOf(account.id)).toMatchObject({
			plan: "pro",
			subscriptionStatus: "active",
		});
	});

	it("invoice.payment_failed leaves it active when Stripe's subscription is still active", async () => {
		const { account, subscription } = await subscribedAccount(PRO);
		expect(await send(stripe.invoiceEvent("invoice.payment_failed", subscription.id))).toEqual(OK);
		expect(await billingOf(account.id)).toMatchObject({ subscriptionStatus: "active" });
	});

	it("maps a price that is neither plan's to Free", async () => {
		const { account, subscription } = await customerWithSubscription("price_legacy");
		const event = stripe.event(
			"customer.subscription.created",
			stripe.renderSubscription(subscription.id),
		);
		expect(await send(event)).toEqual(OK);
		expect(await billingOf(account.id)).toMatchObject({
			plan: "free",
			stripeSubscriptionId: subscription.id,
			subscriptionStatus: "active",
		});
	});

	it("acknowledges an event type billing does not use without recording or asking Stripe", async () => {
		const event = stripe.event("charge.succeeded", { id: "ch_3Abc", object: "charge" });
		expect(await send(event)).toEqual(OK);
		expect(await recorded(event.id)).toEqual([]);
		expect(stripe.requests).toEqual([]);
	});
});

describe("POST /hooks/stripe: no account, other accounts", () => {
	it("acknowledges and records an event for a customer no account has, changing nothing", async () => {
		const bystander = await subscribedAccount(PRO);
		const before = await billingOf(bystander.account.id);
		const stranger = stripe.createCustomer();
		const sub = stripe.createSubscription(stranger.id, GROWTH);
		const event = stripe.event("customer.subscription.created", stripe.renderSubscription(sub.id));
		expect(await send(event)).toEqual(OK);
		expect(await recorded(event.id)).toHaveLength(1);
		expect(await billingOf(bystander.account.id)).toEqual(before);
	});

	it("acknowledges a checkout naming no account of ours", async () => {
		const customer = stripe.createCustomer();
		const sub = stripe.createSubscription(customer.id, GROWTH);
		const event = stripe.event("checkout.session.completed", {
			id: "cs_test_unknown",
			object: "checkout.session",
			client_reference_id: "0192f1a4-7c3e-7d2a-9b1e-3f5a6c7d8e9f",
			customer: customer.id,
			mode: "subscription",
			subscription: sub.id,
		});
		expect(await send(event)).toEqual(OK);
		expect(await recorded(event.id)).toHaveLength(1);
	});

	it("changes only the account whose customer the subscription belongs to, whatever its metadata says", async () => {
		const a = await customerWithSubscription(PRO);
		const b = await subscribedAccount(GROWTH);
		const bBefore = await billingOf(b.account.id);
		// A's subscription claiming to be B's.
		stripe.subscriptions.set(a.subscription.id, {
			...a.subscription,
			metadata: { account_id: b.account.id },
		});
		const event = stripe.event(
			"customer.subscription.created",
			stripe.renderSubscription(a.subscription.id),
		);
		expect(await send(event)).toEqual(OK);
		expect(await billingOf(a.account.id)).toMatchObject({
			plan: "pro",
			stripeSubscriptionId: a.subscription.id,
		});
		expect(await billingOf(b.account.id)).toEqual(bBefore);
	});

	it("ignores a checkout that names an account with another customer", async () => {
		const a = await customerWithSubscription(PRO);
		const b = await subscribedAccount(GROWTH);
		const bBefore = await billingOf(b.account.id);
		const event = stripe.event("checkout.session.completed", {
			id: "cs_test_crossed",
			object: "checkout.session",
			client_reference_id: b.account.id,
			customer: a.customer.id,
			mode: "subscription",
			subscription: a.subscription.id,
		});
		expect(await send(event)).toEqual(OK);
		expect(await billingOf(b.account.id)).toEqual(bBefore);
		expect((await billingOf(a.account.id)).plan).toBe("free");
	});

	it("ignores a subscription event whose fetched subscription belongs to another customer", async () => {
		const a = await customerWithSubscription(PRO);
		const b = await subscribedAccount(GROWTH);
		const bBefore = await billingOf(b.account.id);
		// The event says B's customer, Stripe says the subscription is A's.
		const event = stripe.event("customer.subscription.updated", {
			...stripe.renderSubscription(a.subscription.id),
			customer: b.customer.id,
		});
		expect(await send(event)).toEqual(OK);
		expect(await billingOf(b.account.id)).toEqual(bBefore);
		expect((await billingOf(a.account.id)).plan).toBe("free");
	});
});

describe("POST /hooks/stripe: failures", () => {
	it("answers 502 billing_unavailable and records nothing when Stripe's API fails, so Stripe retries", async () => {
		const { account, subscription } = await customerWithSubscription(PRO);
		const event = stripe.event(
			"customer.subscription.created",
			stripe.renderSubscription(subscription.id),
		);
		stripe.fail(
			{ method: "GET", path: `/v1/subscriptions/${subscription.id}` },
			{ status: 500, type: "api_error", message: "An unknown error occurred" },
		);
		const res = await send(event);
		expect(res).toEqual({
			status: 502,
			json: {
				statusCode: 502,
				name: "billing_unavailable",
				message: `Stripe's API failed while handling ${event.id} (api_error: An unknown error occurred); nothing was recorded, so Stripe will retry.`,
			},
		});
		expect(await recorded(event.id)).toEqual([]);
		expect((await billingOf(account.id)).plan).toBe("free");

		stripe.clearFailures();
		expect(await send(event)).toEqual(OK);
		expect((await billingOf(account.id)).plan).toBe("pro");
	});

	const app = createApp();
	it.each([
		["STRIPE_SECRET_KEY", "no Stripe secret key is set"],
		["STRIPE_WEBHOOK_SECRET", "no Stripe webhook secret is set"],
	] as const)("answers 503 billing_not_configured without %s", async (name, detail) => {
		const { account, subscription } = await customerWithSubscription(PRO);
		const event = stripe.event(
			"customer.subscription.created",
			stripe.renderSubscription(subscription.id),
		);
		const response = await app.fetch(
			await stripe.webhookRequest(event),
			{ ...(env as unknown as Bindings), [name]: undefined },
			createExecutionContext(),
		);
		expect(response.status).toBe(503);
		expect(await response.json()).toEqual({
			statusCode: 503,
			name: "billing_not_configured",
			message: `Billing is not configured on this SendFleet deployment (${detail}), so plans cannot be bought or changed here.`,
		});
		expect(await recorded(event.id)).toEqual([]);
		expect((await billingOf(account.id)).plan).toBe("free");
	});
});
