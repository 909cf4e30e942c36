import { createRoute } from "@hono/zod-openapi";
import { findBillingAccount } from "../../db/queries/billing.ts";
import { checkoutRefusal, startCheckout } from "../../domain/billing.ts";
import { unverifiedOwnerRefusal } from "../../domain/email-verification.ts";
import { createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { commonErrors, errorResponse } from "../common-schemas.ts";
import { refusalError } from "../refusal-errors.ts";
import { billingDepsFromEnv, dashboardUrl } from "./deps.ts";
import { CheckoutBody, RedirectUrl } from "./schemas.ts";

const route = createRoute({
	method: "post",
	path: "/checkout",
	summary:
		"Start a Stripe Checkout for the Growth or Pro plan; answers the page to send the customer to",
	description:
		"The plan takes effect when Stripe confirms the subscription (webhook), not when this answers. An account that already has a subscription changes it in the billing portal instead (409).",
	request: {
		body: { required: true, content: { "application/json": { schema: CheckoutBody } } },
	},
	responses: {
		200: {
			description: "The Checkout Session's URL",
			content: { "application/json": { schema: RedirectUrl } },
		},
		...commonErrors,
		403: errorResponse(
			"Invalid API key, the owner's email is not verified (email_not_verified), or the account is not approved yet (verification_required)",
		),
		409: errorResponse("The account already has a subscription; use the billing portal"),
		502: errorResponse("Stripe failed; no Checkout Session was created"),
		503: errorResponse("Billing is not configured on this deployment"),
	},
});

export const checkout = createRouter().openapi(route, async (c) => {
	const { plan } = c.req.valid("json");
	const deps = billingDepsFromEnv(c.env);
	const account = await findBillingAccount(deps.db, c.get("caller").accountId);
	if (!account) throw notFound("Account");
	const unverified = await unverifiedOwnerRefusal(deps.db, account.id, "subscribing");
	if (unverified) throw refusalError(unverified);
	const refusal = checkoutRefusal(account);
	if (refusal) throw refusalError(refusal);
	const result = await startCheckout(deps, account, plan, {
		// Stripe fills in {CHECKOUT_SESSION_ID} itself.
		successUrl: dashboardUrl(c.env, "/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}"),
		cancelUrl: dashboardUrl(c.env, "/billing?checkout=canceled"),
	});
	if (result.kind === "rejected") throw refusalError(result.reason);
	return c.json({ url: result.url }, 200);
});
