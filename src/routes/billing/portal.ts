import { createRoute } from "@hono/zod-openapi";
import { findBillingAccount } from "../../db/queries/billing.ts";
import { billingUnavailable } from "../../domain/billing.ts";
import { createRouter } from "../../env.ts";
import { ApiError, notFound } from "../../lib/errors.ts";
import { commonErrors, errorResponse } from "../common-schemas.ts";
import { refusalError } from "../refusal-errors.ts";
import { billingDepsFromEnv, dashboardUrl } from "./deps.ts";
import { RedirectUrl } from "./schemas.ts";

const route = createRoute({
	method: "post",
	path: "/portal",
	summary: "Open Stripe's customer portal: change plan, payment method, invoices, cancellation",
	responses: {
		200: {
			description: "The portal session's URL",
			content: { "application/json": { schema: RedirectUrl } },
		},
		...commonErrors,
		409: errorResponse("The account has never subscribed, so it has nothing to manage yet"),
		502: errorResponse("Stripe failed"),
		503: errorResponse("Billing is not configured on this deployment"),
	},
});

export const portal = createRouter().openapi(route, async (c) => {
	const deps = billingDepsFromEnv(c.env);
	const account = await findBillingAccount(deps.db, c.get("caller").accountId);
	if (!account) throw notFound("Account");
	if (!account.stripeCustomerId) {
		throw new ApiError(
			"conflict",
			"This account has no billing to manage yet. Subscribe first with POST /billing/checkout.",
		);
	}
	const session = await deps.stripe.createPortalSession({
		customerId: account.stripeCustomerId,
		returnUrl: dashboardUrl(c.env, "/billing"),
	});
	if (session.kind === "error")
		throw refusalError(billingUnavailable("opening the billing portal", session));
	return c.json({ url: session.value.url }, 200);
});
