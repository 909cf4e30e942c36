import { z } from "@hono/zod-openapi";
import { PAID_PLANS } from "../../domain/billing.ts";

export const CheckoutBody = z
	.strictObject({
		plan: z.enum(PAID_PLANS, { error: "must be `growth` or `pro`" }).openapi({ example: "growth" }),
	})
	.openapi("CheckoutRequest");

export const RedirectUrl = z
	.object({
		url: z.url().openapi({ description: "Send the customer's browser here (a Stripe page)" }),
	})
	.openapi("BillingRedirect");
