/**
 * The whole customer journey of issue 5 in one go, through the API as the dashboard would use
 * it: sign up → verification request → staff approval (emailed, seen in the SES simulator) →
 * checkout → Stripe's webhooks → sending allowed → subscription deleted → sending refused.
 */
import { exports } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import type { SesSimulator } from "../simulator/app.ts";
import { signUp, staffBrowser } from "./helpers/api.ts";
import { client, expectJson } from "./helpers/client.ts";
import { createDomain, createPlatformAccount } from "./helpers/factories.ts";
import { checkoutSessionIdOf, type FakeStripe, installFakeStripe } from "./helpers/fake-stripe.ts";
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
	const browser = client(owner);
	const domain = await createDomain(owner.accountId);
	const send = () =>
		browser.emails.$post({
			json: { from: `hi@${domain.name}`, to: "a@example.org", subject: "Hi", text: "Hi" },
			header: {},
		});
	const checkout = () => browser.billing.checkout.$post({ json: { plan: "growth" } });

	expect((await expectJson(send(), 403)).name).toBe("verification_required");
	expect((await expectJson(checkout(), 403)).name).toBe("verification_required");

	const request = await expectJson(
		browser.account["verification-request"].$post({
			json: {
				use_case: "Order confirmations and receipts for our shop's customers.",
				company_name: "Acme",
				website: "https://acme.example",
				expected_monthly_volume: 3000,
			},
		}),
		201,
	);
	// Approval is registered in a loop, so `hc` has no type for it (test/helpers/client.ts).
	const staff = await staffBrowser();
	await staff("POST", `/staff/verification-requests/${request.id}/approve`, { body: {} });
	let approvalMail = sim.store
		.listMessages({ to: owner.email })
		.find((m) => m.subject !== "Confirm your SendFleet email address");
	for (let i = 0; i < 100 && !approvalMail; i++) {
		await new Promise((r) => setTimeout(r, 100));
		approvalMail = sim.store
			.listMessages({ to: owner.email })
			.find((m) => m.subject !== "Confirm your SendFleet email address");
	}
	expect(approvalMail?.subject).toBe("Your SendFleet account is approved");
	expect((await expectJson(send(), 403)).name).toBe("plan_required");

	const { url } = await expectJson(checkout(), 200);
	const sessionId = checkoutSessionIdOf(url);
	const paid = stripe.completeCheckout(sessionId);
	expect(await webhook(paid.checkoutCompleted)).toBe(200);
	expect(await webhook(paid.subscriptionCreated)).toBe(200);
	expect(await expectJson(browser.account.$get(), 200)).toMatchObject({
		plan: "growth",
		subscription: { status: "active" },
		usage: { monthly_quota: 25_000 },
		can_send: true,
	});
	await expectJson(send(), 200);

	expect(await webhook(stripe.cancelSubscription(paid.subscription.id))).toBe(200);
	expect((await expectJson(send(), 403)).name).toBe("plan_required");
});
