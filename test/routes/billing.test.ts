/**
 * `/billing/checkout` and `/billing/portal` against the fake Stripe API, and the whole journey:
 * checkout → Stripe's webhooks → the plan allows sending → cancellation stops it.
 */
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { findBillingAccount } from "../../src/db/queries/billing.ts";
import { accounts } from "../../src/db/schema.ts";
import type { Bindings } from "../../src/env.ts";
import { api, BASE_URL, signUp } from "../helpers/api.ts";
import { client, expectJson } from "../helpers/client.ts";
import { runCommonRouteTests } from "../helpers/common-route-tests.ts";
import { createAccount, createApiKey, createDomain, db } from "../helpers/factories.ts";
import { checkoutSessionIdOf, type FakeStripe, installFakeStripe } from "../helpers/fake-stripe.ts";
import { readOpenApi } from "../helpers/openapi.ts";

let stripe: FakeStripe;
let restore: () => void;
beforeEach(() => {
	({ stripe, restore } = installFakeStripe());
});
afterEach(() => restore());

const bindings = env as unknown as Bindings;
const DASHBOARD = bindings.DASHBOARD_URL.replace(/\/+$/, "");

/** An approved account on the Free plan, with a verified domain and a full-access key. */
async function newCustomer(overrides: Parameters<typeof createAccount>[0] = {}) {
	const account = await createAccount({
		plan: "free",
		subscriptionStatus: "none",
		...overrides,
	});
	const domain = await createDomain(account.id);
	const key = await createApiKey(account.id);
	return { account, key: key.token, from: `Acme <hello@${domain.name}>` };
}

const checkout = (key: string, plan: "growth" | "pro") =>
	client(key).billing.checkout.$post({ json: { plan } });
const portal = (key: string) => client(key).billing.portal.$post();
const send = (key: string, from: string) =>
	client(key).emails.$post({
		json: { from, to: "a@example.org", subject: "Hi", text: "Hi" },
		header: {},
	});
const billingOf = async (accountId: string) => {
	const row = await findBillingAccount(db(), accountId);
	if (!row) throw new Error(`no account ${accountId}`);
	const { plan, stripeCustomerId, stripeSubscriptionId, subscriptionStatus, currentPeriodEnd } =
		row;
	return { plan, stripeCustomerId, stripeSubscriptionId, subscriptionStatus, currentPeriodEnd };
};
async function deliver(request: Request) {
	const response = await exports.default.fetch(request);
	return { status: response.status, json: await response.json() };
}
const sessionIdOf = checkoutSessionIdOf;
const customerRequests = () => stripe.requests.filter((r) => r.path === "/v1/customers");

const UNTOUCHED = {
	plan: "free",
	stripeCustomerId: null,
	stripeSubscriptionId: null,
	subscriptionStatus: "none",
	currentPeriodEnd: null,
};

describe("the billing journey", () => {
	it("checkout → webhooks put the account on Growth and let it send; cancellation stops it", async () => {
		const { account, key, from } = await newCustomer();

		const before = await expectJson(send(key, from), 403);
		expect(before.name).toBe("plan_required");

		const started = await expectJson(checkout(key, "growth"), 200);
		expect(Object.keys(started)).toEqual(["url"]);
		expect(started.url).toMatch(/^https:\/\/stripe\.fake\.test\/stripe\/checkout\/cs_test_\w+$/);

		// What Stripe was asked for, as Stripe received it.
		const [customer] = [...stripe.customers.values()];
		expect(customer).toMatchObject({ name: account.name, metadata: { account_id: account.id } });
		expect(customerRequests().map((r) => r.idempotencyKey)).toEqual([
			`sendfleet-customer-${account.id}`,
		]);
		const session = stripe.checkoutSessions.get(sessionIdOf(started.url));
		expect(session).toMatchObject({
			mode: "subscription",
			customer: customer?.id,
			clientReferenceId: account.id,
			priceId: "price_growth_test",
			quantity: 1,
			subscriptionMetadata: { account_id: account.id },
			successUrl: `${DASHBOARD}/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
			cancelUrl: `${DASHBOARD}/billing?checkout=canceled`,
		});
		expect(await billingOf(account.id)).toEqual({ ...UNTOUCHED, stripeCustomerId: customer?.id });

		// The customer pays; Stripe sends its two events.
		const paid = stripe.completeCheckout(sessionIdOf(started.url));
		expect(await deliver(await stripe.webhookRequest(paid.checkoutCompleted))).toEqual({
			status: 200,
			json: { received: true },
		});
		expect(await deliver(await stripe.webhookRequest(paid.subscriptionCreated))).toEqual({
			status: 200,
			json: { received: true },
		});
		expect(await billingOf(account.id)).toEqual({
			plan: "growth",
			stripeCustomerId: customer?.id,
			stripeSubscriptionId: paid.subscription.id,
			subscriptionStatus: "active",
			currentPeriodEnd: paid.subscription.currentPeriodEnd * 1000,
		});

		const after = await expectJson(send(key, from), 200);
		expect(after.id).toMatch(/^[0-9a-f-]{36}$/);

		// The subscription ends.
		const ended = stripe.cancelSubscription(paid.subscription.id);
		expect(await deliver(await stripe.webhookRequest(ended))).toEqual({
			status: 200,
			json: { received: true },
		});
		expect(await billingOf(account.id)).toMatchObject({
			plan: "free",
			stripeSubscriptionId: paid.subscription.id,
			subscriptionStatus: "canceled",
		});
		const refused = await expectJson(send(key, from), 403);
		expect(refused.name).toBe("plan_required");

		// With no subscription to manage any more, the account may check out again.
		await expectJson(checkout(key, "pro"), 200);
		expect(stripe.customers.size).toBe(1);
	});
});

describe("POST /billing/checkout", () => {
	it.each(["none", "pending", "rejected"] as const)(
		"answers 403 verification_required for a %s account, without asking Stripe",
		async (verificationStatus) => {
			const { account, key } = await newCustomer({ verificationStatus });
			const res = await expectJson(checkout(key, "growth"), 403);
			expect(res).toEqual({
				statusCode: 403,
				name: "verification_required",
				message:
					"Subscribing to Growth or Pro needs a manually approved account. Submit a verification request from the dashboard (POST /account/verification-request); reviews take 1–2 business days.",
			});
			expect(stripe.requests).toEqual([]);
			expect(await billingOf(account.id)).toEqual(UNTOUCHED);
		},
	);

	it.each([
		["active", "Pro", "active"],
		["past_due", "Pro", "past due"],
	] as const)(
		"answers 409 conflict for a %s subscription, pointing to the portal",
		async (subscriptionStatus, planName, said) => {
			const { key } = await newCustomer({
				plan: "pro",
				subscriptionStatus,
				// One Stripe customer belongs to one account (a unique index), so each case has its own.
				stripeCustomerId: `cus_existing_${subscriptionStatus}`,
				stripeSubscriptionId: `sub_existing_${subscriptionStatus}`,
			});
			const res = await expectJson(checkout(key, "growth"), 409);
			expect(res).toEqual({
				statusCode: 409,
				name: "conflict",
				message: `This account already has a ${planName} subscription (${said}). Change or cancel it in the billing portal (POST /billing/portal).`,
			});
			expect(stripe.requests).toEqual([]);
		},
	);

	it("creates the Stripe customer once and reuses it on the next checkout", async () => {
		const { account, key } = await newCustomer();
		const first = await expectJson(checkout(key, "growth"), 200);
		const second = await expectJson(checkout(key, "pro"), 200);
		expect(customerRequests()).toHaveLength(1);
		const [customer] = [...stripe.customers.values()];
		const sessions = [first, second].map((r) => stripe.checkoutSessions.get(sessionIdOf(r.url)));
		expect(sessions.map((s) => [s?.customer, s?.priceId])).toEqual([
			[customer?.id, "price_growth_test"],
			[customer?.id, "price_pro_test"],
		]);
		expect((await billingOf(account.id)).stripeCustomerId).toBe(customer?.id);
	});

	it("settles two concurrent first checkouts on one customer", async () => {
		const { account, key } = await newCustomer();
		const results = await Promise.all([
			expectJson(checkout(key, "growth"), 200),
			expectJson(checkout(key, "growth"), 200),
		]);
		expect(stripe.customers.size).toBe(1);
		const [customer] = [...stripe.customers.values()];
		expect((await billingOf(account.id)).stripeCustomerId).toBe(customer?.id);
		expect(results.map((r) => stripe.checkoutSessions.get(sessionIdOf(r.url))?.customer)).toEqual([
			customer?.id,
			customer?.id,
		]);
	});

	it("answers 502 billing_unavailable and stores nothing when Stripe fails creating the customer", async () => {
		const { account, key } = await newCustomer();
		stripe.fail(
			{ method: "POST", path: "/v1/customers" },
			{ status: 500, type: "api_error", message: "An unknown error occurred" },
		);
		const res = await expectJson(checkout(key, "growth"), 502);
		expect(res).toEqual({
			statusCode: 502,
			name: "billing_unavailable",
			message:
				"Stripe answered 500 while creating the customer (api_error: An unknown error occurred); nothing was changed. Try again shortly.",
		});
		expect(await billingOf(account.id)).toEqual(UNTOUCHED);
		expect(stripe.checkoutSessions.size).toBe(0);
	});

	it.each([
		[500, "api_error", undefined, "An unknown error occurred"],
		[402, "card_error", "card_declined", "Your card was declined."],
	] as const)(
		"answers 502 billing_unavailable when the Checkout Session fails with %s; only the customer link is kept, and reused",
		async (status, type, code, message) => {
			const { account, key } = await newCustomer();
			stripe.fail(
				{ method: "POST", path: "/v1/checkout/sessions" },
				{ status, type, message, ...(code ? { code } : {}) },
			);
			const res = await expectJson(checkout(key, "growth"), 502);
			expect(res).toEqual({
				statusCode: 502,
				name: "billing_unavailable",
				message: `Stripe answered ${status} while creating the Checkout Session (${type}: ${message}); nothing was changed. Try again shortly.`,
			});
			expect(stripe.checkoutSessions.size).toBe(0);
			const [customer] = [...stripe.customers.values()];
			expect(await billingOf(account.id)).toEqual({
				...UNTOUCHED,
				stripeCustomerId: customer?.id,
			});

			stripe.clearFailures();
			const retried = await expectJson(checkout(key, "growth"), 200);
			expect(stripe.customers.size).toBe(1);
			expect(stripe.checkoutSessions.get(sessionIdOf(retried.url))?.customer).toBe(customer?.id);
		},
	);

	it("answers 422 naming `plan` for a plan that is not sold", async () => {
		const { key } = await newCustomer();
		// Plans the request type forbids, so sent untyped on purpose.
		for (const plan of ["free", "enterprise"]) {
			const res = await api("POST", "/billing/checkout", { key, body: { plan } });
			expect(res.status).toBe(422);
			expect(res.json).toEqual({
				statusCode: 422,
				name: "validation_error",
				message: "`plan`: must be `growth` or `pro`",
			});
		}
		expect(stripe.requests).toEqual([]);
	});

	it("answers 401 restricted_api_key for a sending-access key, without asking Stripe", async () => {
		const { account } = await newCustomer();
		const sending = await createApiKey(account.id, { permission: "sending_access" });
		for (const res of [checkout(sending.token, "growth"), portal(sending.token)]) {
			expect((await expectJson(res, 401)).name).toBe("restricted_api_key");
		}
		expect(stripe.requests).toEqual([]);
	});

	it("lets a dashboard session (a full-access caller) check out", async () => {
		const user = await signUp();
		expect(user.status).toBe(201);
		await db()
			.update(accounts)
			.set({ verificationStatus: "approved" })
			.where(eq(accounts.id, user.accountId));
		const res = await expectJson(
			client(user).billing.checkout.$post({ json: { plan: "pro" } }),
			200,
		);
		const session = stripe.checkoutSessions.get(sessionIdOf(res.url));
		expect(session).toMatchObject({ clientReferenceId: user.accountId, priceId: "price_pro_test" });
	});

	it("answers 401 without a key", async () => {
		const res = await expectJson(
			client().billing.checkout.$post({ json: { plan: "growth" } }),
			401,
		);
		expect(res.name).toBe("missing_api_key");
	});
});

describe("POST /billing/portal", () => {
	it("opens the portal for the account's customer, returning to the dashboard's billing page", async () => {
		const { account, key } = await newCustomer();
		await expectJson(checkout(key, "growth"), 200);
		const res = await expectJson(portal(key), 200);
		const [opened] = [...stripe.portalSessions.values()];
		expect(res).toEqual({ url: opened?.url });
		expect(opened?.url).toMatch(/^https:\/\/stripe\.fake\.test\/stripe\/portal\/bps_\w+$/);
		expect(opened).toMatchObject({
			customer: (await billingOf(account.id)).stripeCustomerId,
			returnUrl: `${DASHBOARD}/billing`,
		});
	});

	it("answers 409 conflict when the account has never checked out", async () => {
		const { key } = await newCustomer();
		const res = await expectJson(portal(key), 409);
		expect(res).toEqual({
			statusCode: 409,
			name: "conflict",
			message:
				"This account has no billing to manage yet. Subscribe first with POST /billing/checkout.",
		});
		expect(stripe.requests).toEqual([]);
	});

	it("answers 502 billing_unavailable when Stripe refuses", async () => {
		const { key } = await newCustomer();
		await expectJson(checkout(key, "growth"), 200);
		stripe.fail(
			{ path: "/v1/billing_portal/sessions" },
			{
				status: 400,
				type: "invalid_request_error",
				message:
					"You can't create a portal session in test mode until you save your customer portal settings in test mode.",
			},
		);
		const res = await expectJson(portal(key), 502);
		expect(res.name).toBe("billing_unavailable");
		expect(res.message).toBe(
			"Stripe answered 400 while opening the billing portal (invalid_request_error: You can't create a portal session in test mode until you save your customer portal settings in test mode.); nothing was changed. Try again shortly.",
		);
		expect(stripe.portalSessions.size).toBe(0);
	});
});

describe("the OpenAPI document", () => {
	it("documents the billing routes and the Stripe webhook from their schemas", async () => {
		const doc = await readOpenApi();
		const statuses = (path: string) => Object.keys(doc.paths[path]?.post?.responses ?? {});
		expect(statuses("/billing/checkout")).toEqual(
			expect.arrayContaining(["200", "401", "403", "409", "422", "502", "503"]),
		);
		expect(statuses("/billing/portal")).toEqual(
			expect.arrayContaining(["200", "409", "502", "503"]),
		);
		expect(statuses("/hooks/stripe")).toEqual(expect.arrayContaining(["200", "403", "502", "503"]));
		expect(Object.keys(doc.components.schemas)).toEqual(
			expect.arrayContaining(["CheckoutRequest", "BillingRedirect", "StripeHookResult"]),
		);
	});
});

describe("billing without Stripe configured", () => {
	const app = createApp();
	const call = (path: string, key: string, overrides: Partial<Bindings>) =>
		app.fetch(
			new Request(`${BASE_URL}${path}`, {
				method: "POST",
				headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
				body: JSON.stringify({ plan: "growth" }),
			}),
			{ ...bindings, ...overrides },
			createExecutionContext(),
		);

	it.each(["/billing/checkout", "/billing/portal"])(
		"%s answers 503 billing_not_configured without STRIPE_SECRET_KEY",
		async (path) => {
			const { account, key } = await newCustomer();
			const res = await call(path, key, { STRIPE_SECRET_KEY: undefined });
			expect(res.status).toBe(503);
			expect(await res.json()).toEqual({
				statusCode: 503,
				name: "billing_not_configured",
				message:
					"Billing is not configured on this SendFleet deployment (no Stripe secret key is set), so plans cannot be bought or changed here.",
			});
			expect(stripe.requests).toEqual([]);
			expect(await billingOf(account.id)).toEqual(UNTOUCHED);
		},
	);

	it("answers 503 billing_not_configured for a plan without a price", async () => {
		const { account, key } = await newCustomer();
		const res = await call("/billing/checkout", key, { STRIPE_PRICE_GROWTH: "" });
		expect(res.status).toBe(503);
		expect(await res.json()).toEqual({
			statusCode: 503,
			name: "billing_not_configured",
			message:
				"Billing is not configured on this SendFleet deployment (the Growth plan has no Stripe price), so plans cannot be bought or changed here.",
		});
		expect(stripe.requests).toEqual([]);
		expect(await billingOf(account.id)).toEqual(UNTOUCHED);
	});
});

runCommonRouteTests("/billing", [
	{
		method: "POST",
		path: "/billing/checkout",
		access: "full_access",
		body: () => ({ plan: "growth" }),
	},
	{ method: "POST", path: "/billing/portal", access: "full_access" },
]);
