/**
 * The simulator's Stripe stand-in driven as a user drives it: the Worker starts a Checkout, the
 * test opens the page the Worker answered and presses its buttons (form posts, as a browser
 * sends them), and the account changes only through the signed events the stand-in posts to
 * `/hooks/stripe`. Also: the portal's plan switch, failed payment and cancellation, refusals of
 * forged signatures and cross-site posts, and the stand-in mounted in the simulator app.
 */
import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSesSimulator } from "../../simulator/app.ts";
import { LOCAL_STRIPE_SECRET_KEY } from "../../simulator/stripe/index.ts";
import { findBillingAccount } from "../../src/db/queries/billing.ts";
import { accounts } from "../../src/db/schema.ts";
import type { Bindings } from "../../src/env.ts";
import { signUp } from "../helpers/api.ts";
import { client, expectJson } from "../helpers/client.ts";
import { db } from "../helpers/factories.ts";
import { checkoutSessionIdOf, type FakeStripe, installFakeStripe } from "../helpers/fake-stripe.ts";

let stripe: FakeStripe;
let restore: () => void;
beforeEach(() => {
	({ stripe, restore } = installFakeStripe());
});
afterEach(() => restore());

const DASHBOARD = (env as unknown as Bindings).DASHBOARD_URL.replace(/\/+$/, "");

/** A signed-up owner whose account staff approved, as a browser holds it. */
async function approvedOwner() {
	const user = await signUp();
	expect(user.status).toBe(201);
	await db()
		.update(accounts)
		.set({ verificationStatus: "approved" })
		.where(eq(accounts.id, user.accountId));
	return { user, browser: client(user) };
}

async function billingOf(accountId: string) {
	const row = await findBillingAccount(db(), accountId);
	if (!row) throw new Error(`no account ${accountId}`);
	return { plan: row.plan, status: row.subscriptionStatus, subscription: row.stripeSubscriptionId };
}

const decodeHtml = (html: string) =>
	html
		.replaceAll("&quot;", '"')
		.replaceAll("&#39;", "'")
		.replaceAll("&lt;", "<")
		.replaceAll("&gt;", ">")
		.replaceAll("&amp;", "&");

/** Opens a page (fetch is routed to the stand-in) and answers its HTML. */
async function open(url: string): Promise<string> {
	const response = await fetch(url);
	expect(response.status).toBe(200);
	expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
	return response.text();
}

/**
 * Presses the button whose label starts with `label` on the page at `pageUrl`: posts its form's
 * hidden fields to its action as a browser would, and answers the response unfollowed.
 */
async function press(pageUrl: string, label: string, headers: Record<string, string> = {}) {
	const html = await open(pageUrl);
	const forms = html.matchAll(
		/<form class="inline" method="post" action="([^"]*)">(.*?)<button type="submit">([^<]*)<\/button><\/form>/g,
	);
	const form = [...forms].find((f) => decodeHtml(f[3] ?? "").startsWith(label));
	if (!form) throw new Error(`no "${label}" button on ${pageUrl}`);
	const fields = new URLSearchParams();
	for (const input of (form[2] ?? "").matchAll(/name="([^"]*)" value="([^"]*)"/g)) {
		fields.set(decodeHtml(input[1] ?? ""), decodeHtml(input[2] ?? ""));
	}
	return fetch(new URL(decodeHtml(form[1] ?? ""), pageUrl), {
		method: "POST",
		redirect: "manual",
		headers: {
			"content-type": "application/x-www-form-urlencoded",
			"sec-fetch-site": "same-origin",
			...headers,
		},
		body: fields.toString(),
	});
}

/** An approved owner who checked out Growth and paid on the Checkout page. */
async function paidGrowth() {
	const owner = await approvedOwner();
	const { url } = await expectJson(
		owner.browser.billing.checkout.$post({ json: { plan: "growth" } }),
		200,
	);
	const paid = await press(url, "Pay");
	expect(paid.status).toBe(303);
	return { ...owner, checkoutUrl: url };
}

describe("the Checkout page", () => {
	it("Pay subscribes the account through signed webhooks, then returns to the success URL", async () => {
		const { user, browser } = await approvedOwner();
		const { url } = await expectJson(
			browser.billing.checkout.$post({ json: { plan: "growth" } }),
			200,
		);
		expect(url).toMatch(/^https:\/\/stripe\.fake\.test\/stripe\/checkout\/cs_test_\w+$/);

		const response = await fetch(url);
		const html = await response.text();
		expect(html).toContain("Subscribe to Growth");
		expect(html).toContain("Pay $15.00/month");
		// The success URL's origin may receive Pay's redirect.
		expect(response.headers.get("content-security-policy")).toContain(
			`form-action 'self' ${new URL(DASHBOARD).origin}`,
		);
		expect(await billingOf(user.accountId)).toMatchObject({ plan: "free", status: "none" });

		const paid = await press(url, "Pay");
		const sessionId = checkoutSessionIdOf(url);
		expect(paid.status).toBe(303);
		expect(paid.headers.get("location")).toBe(
			`${DASHBOARD}/billing?checkout=success&session_id=${sessionId}`,
		);
		expect(stripe.deliveries().map((d) => [d.type, d.status])).toEqual([
			["customer.subscription.created", 200],
			["invoice.paid", 200],
			["customer.subscription.updated", 200],
			["checkout.session.completed", 200],
		]);
		const subscription = stripe.checkoutSessions.get(sessionId)?.subscription;
		expect(await billingOf(user.accountId)).toEqual({
			plan: "growth",
			status: "active",
			subscription,
		});
		expect(await expectJson(browser.account.$get(), 200)).toMatchObject({
			plan: "growth",
			subscription: { status: "active" },
			can_send: true,
		});
		// A paid session's page says so and offers nothing to press.
		const after = await open(url);
		expect(after).toContain("Paid.");
		expect(after).not.toContain("<button");
	});

	it("a declined card and Cancel change nothing; Cancel leads back to the cancel URL", async () => {
		const { user, browser } = await approvedOwner();
		const { url } = await expectJson(
			browser.billing.checkout.$post({ json: { plan: "pro" } }),
			200,
		);
		const declined = await press(url, "Pay with a declined card");
		expect(declined.status).toBe(200);
		expect(await declined.text()).toContain("Your card was declined.");
		expect(await open(url)).toContain(`href="${DASHBOARD}/billing?checkout=canceled"`);
		expect(stripe.deliveries()).toEqual([]);
		expect(stripe.subscriptions.size).toBe(0);
		expect(await billingOf(user.accountId)).toMatchObject({ plan: "free", status: "none" });
	});

	it("shows the Worker's refusals instead of redirecting when the webhook secret is wrong", async () => {
		restore();
		({ stripe, restore } = installFakeStripe({ webhookSecret: "whsec_not_the_workers" }));
		const { user, browser } = await approvedOwner();
		const { url } = await expectJson(
			browser.billing.checkout.$post({ json: { plan: "growth" } }),
			200,
		);
		const paid = await press(url, "Pay");
		expect(paid.status).toBe(200);
		expect(await paid.text()).toContain("did not take every event");
		expect(stripe.deliveries().map((d) => d.status)).toEqual([403, 403, 403, 403]);
		expect(await billingOf(user.accountId)).toMatchObject({ plan: "free", status: "none" });
	});

	it("refuses a form post from another site", async () => {
		const { browser } = await approvedOwner();
		const { url } = await expectJson(
			browser.billing.checkout.$post({ json: { plan: "growth" } }),
			200,
		);
		const forged = await press(url, "Pay", { "sec-fetch-site": "cross-site" });
		expect(forged.status).toBe(403);
		expect(stripe.subscriptions.size).toBe(0);
	});
});

describe("the customer portal", () => {
	it("switches plan, fails a payment, takes it again and cancels, each through the webhook", async () => {
		const { user, browser } = await paidGrowth();
		const { url } = await expectJson(browser.billing.portal.$post(), 200);
		expect(url).toMatch(/^https:\/\/stripe\.fake\.test\/stripe\/portal\/bps_\w+$/);
		const page = await open(url);
		expect(page).toContain(`href="${DASHBOARD}/billing"`);
		expect(page).toContain("Growth, $15.00/month");

		const back = await press(url, "Switch to Pro");
		expect(back.status).toBe(303);
		expect(new URL(back.headers.get("location") ?? "", url).href).toBe(url);
		expect(await billingOf(user.accountId)).toMatchObject({ plan: "pro", status: "active" });

		expect((await press(url, "Make the next payment fail")).status).toBe(303);
		expect(await billingOf(user.accountId)).toMatchObject({ plan: "pro", status: "past_due" });
		expect(await open(url)).toContain("past_due");

		expect((await press(url, "Pay the open invoice")).status).toBe(303);
		expect(await billingOf(user.accountId)).toMatchObject({ plan: "pro", status: "active" });

		expect((await press(url, "Cancel subscription")).status).toBe(303);
		expect(await billingOf(user.accountId)).toMatchObject({ plan: "free", status: "canceled" });
		expect(await open(url)).toContain("Canceled on");

		expect(
			stripe
				.deliveries()
				.slice(4)
				.map((d) => [d.type, d.status]),
		).toEqual([
			["customer.subscription.updated", 200],
			["invoice.payment_failed", 200],
			["customer.subscription.updated", 200],
			["invoice.paid", 200],
			["customer.subscription.updated", 200],
			["customer.subscription.deleted", 200],
		]);
	});

	it("acts only on its own customer's subscriptions", async () => {
		const a = await paidGrowth();
		const b = await paidGrowth();
		const { url } = await expectJson(a.browser.billing.portal.$post(), 200);
		const other = (await billingOf(b.user.accountId)).subscription;
		const response = await fetch(`${url}/subscriptions/${other}/cancel`, { method: "POST" });
		expect(response.status).toBe(404);
		expect(await billingOf(b.user.accountId)).toMatchObject({ plan: "growth", status: "active" });
	});
});

describe("the webhook", () => {
	it("is refused by the Worker when signed with another secret", async () => {
		const { user } = await paidGrowth();
		const sub = (await billingOf(user.accountId)).subscription ?? "";
		const ended = stripe.cancelSubscription(sub);
		const forged = await stripe.webhookRequest(ended, { secret: "whsec_forged" });
		const response = await exports.default.fetch(forged);
		expect(response.status).toBe(403);
		expect(((await response.json()) as { name: string }).name).toBe("invalid_signature");
		expect(await billingOf(user.accountId)).toMatchObject({ plan: "growth", status: "active" });
	});
});

describe("the stand-in in the simulator app", () => {
	it("answers the API at /v1 with the secret key, in Stripe's error format without it", async () => {
		const sim = createSesSimulator({ publicUrl: "http://127.0.0.1:8788" });
		const create = (key: string) =>
			sim.fetch(
				new Request("http://127.0.0.1:8788/v1/customers", {
					method: "POST",
					headers: {
						authorization: `Bearer ${key}`,
						"content-type": "application/x-www-form-urlencoded",
					},
					body: "name=Acme&metadata[account_id]=acc_1",
				}),
			);
		const created = await create(LOCAL_STRIPE_SECRET_KEY);
		expect(created.status).toBe(200);
		expect(await created.json()).toMatchObject({
			object: "customer",
			name: "Acme",
			metadata: { account_id: "acc_1" },
		});
		const refused = await create("sk_test_wrong");
		expect(refused.status).toBe(401);
		expect(await refused.json()).toEqual({
			error: { type: "invalid_request_error", message: "Invalid API Key provided: sk_test_****" },
		});
		expect(sim.stripe.customers.size).toBe(1);
		const missing = await sim.fetch(new Request("http://127.0.0.1:8788/stripe/checkout/cs_test_x"));
		expect(missing.status).toBe(404);
		// The simulator's other pages are untouched.
		expect((await sim.fetch(new Request("http://127.0.0.1:8788/"))).status).toBe(200);
	});
});
