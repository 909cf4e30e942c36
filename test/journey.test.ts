/**
 * The whole customer journey of issue 5 in one go, through the API as the dashboard would use
 * it: sign up → verification request → staff approval (emailed, seen in the SES simulator) →
 * checkout → Stripe's webhooks → sending allowed → subscription deleted → sending refused.
 */
import { exports } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import type { SesSimulator } from "../simulator/app.ts";
import { asBrowser, signUp, staffBrowser } from "./helpers/api.ts";
import { createDomain, createPlatformAccount } from "./helpers/factories.ts";
import { type FakeStripe, installFakeStripe } from "./helpers/fake-stripe.ts";
import { installSimulator } from "./helpers/simulator.ts";

let sim: SesSimulator;
let stripe: FakeStripe;
const restores: (() => void)[] = [];
beforeEach(() => {
	const simulator = installSimulator();
	const fake = installFakeStripe();
	sim = simulator.sim;
	stripe = fake.stripe;
	restores.push(fake.restore, simulator.restore);
});
afterEach(() => {
	for (const restore of restores.splice(0)) restore();
});
beforeAll(createPlatformAccount);

const webhook = async (event: Parameters<FakeStripe["webhookRequest"]>[0]) =>
	(await exports.default.fetch(await stripe.webhookRequest(event))).status;

it("sign-up → approval → checkout → webhook → send allowed → subscription deleted → send refused", async () => {
	const owner = await signUp();
	const browser = asBrowser(owner);
	const domain = await createDomain(owner.accountId);
	const send = () =>
		browser("POST", "/emails", {
			body: { from: `hi@${domain.name}`, to: "a@example.org", subject: "Hi", text: "Hi" },
		});

	expect((await send()).json.name).toBe("verification_required");
	expect((await browser("POST", "/billing/checkout", { body: { plan: "growth" } })).json.name).toBe(
		"verification_required",
	);

	const request = await browser("POST", "/account/verification-request", {
		body: {
			use_case: "Order confirmations and receipts for our shop's customers.",
			company_name: "Acme",
			website: "https://acme.example",
			expected_monthly_volume: 3000,
		},
	});
	const staff = await staffBrowser();
	await staff("POST", `/staff/verification-requests/${request.json.id}/approve`, { body: {} });
	let approvalMail = sim.store.listMessages({ to: owner.email })[0];
	for (let i = 0; i < 100 && !approvalMail; i++) {
		await new Promise((r) => setTimeout(r, 100));
		approvalMail = sim.store.listMessages({ to: owner.email })[0];
	}
	expect(approvalMail?.subject).toBe("Your SendFleet account is approved");
	expect((await send()).json.name).toBe("plan_required");

	const checkout = await browser("POST", "/billing/checkout", { body: { plan: "growth" } });
	expect(checkout.status).toBe(200);
	const sessionId = String(checkout.json.url).replace("https://checkout.stripe.com/c/pay/", "");
	const paid = stripe.completeCheckout(sessionId);
	expect(await webhook(paid.checkoutCompleted)).toBe(200);
	expect(await webhook(paid.subscriptionCreated)).toBe(200);
	expect((await browser("GET", "/account")).json).toMatchObject({
		plan: "growth",
		subscription: { status: "active" },
		usage: { monthly_quota: 25_000 },
		can_send: true,
	});
	const sent = await send();
	expect(sent.status).toBe(200);

	expect(await webhook(stripe.cancelSubscription(paid.subscription.id))).toBe(200);
	const refused = await send();
	expect(refused.status).toBe(403);
	expect(refused.json.name).toBe("plan_required");
});
