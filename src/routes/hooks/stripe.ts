/**
 * `POST /hooks/stripe`: Stripe's webhook. The endpoint is public, so nothing is believed before
 * the `Stripe-Signature` header has been checked against the exact raw body (HMAC-SHA256 with
 * the endpoint's secret, timestamp within Stripe's default 5-minute tolerance); a forged or
 * tampered event gets 403 `invalid_signature` and changes nothing.
 *
 * Answers: 200 once an event is handled, a redelivery (`duplicate: true`), about no account of
 * ours (logged), or of a type billing ignores; 502 when Stripe's API could not be asked about it
 * and 5xx when our storage fails, so that Stripe retries (it does for up to three days). What
 * each event does: src/domain/stripe-events.ts.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { handleStripeEvent } from "../../domain/stripe-events.ts";
import { createRouter } from "../../env.ts";
import { ApiError } from "../../lib/errors.ts";
import { billingDepsFromEnv } from "../billing/deps.ts";
import { errorResponse } from "../common-schemas.ts";
import { refusalError } from "../refusal-errors.ts";

/** Stripe's events are far smaller; anything bigger is not from Stripe. */
const MAX_BODY_BYTES = 1024 * 1024;

const HookResult = z
	.object({ received: z.literal(true), duplicate: z.literal(true).optional() })
	.openapi("StripeHookResult");

const route = createRoute({
	method: "post",
	path: "/stripe",
	summary: "Stripe webhook endpoint for subscription and invoice events (signature-verified)",
	description:
		"Read raw: the signature covers the exact bytes. Each event takes effect at most once.",
	responses: {
		200: { description: "Handled", content: { "application/json": { schema: HookResult } } },
		403: errorResponse("Missing, forged or expired signature"),
		413: errorResponse("Not a Stripe event"),
		502: errorResponse("Stripe's API failed while handling it; Stripe retries"),
		503: errorResponse("Billing is not configured on this deployment"),
	},
});

export const stripeHook = createRouter().openapi(route, async (c) => {
	const deps = billingDepsFromEnv(c.env);
	if (!c.env.STRIPE_WEBHOOK_SECRET) {
		throw refusalError({
			code: "billing_not_configured",
			detail: "no Stripe webhook secret is set",
		});
	}
	const body = await c.req.text();
	if (new TextEncoder().encode(body).length > MAX_BODY_BYTES) {
		throw new ApiError("payload_too_large", "Stripe events are far smaller than 1 MiB.");
	}
	const signature = c.req.header("stripe-signature");
	if (!signature) {
		throw new ApiError("invalid_signature", "The Stripe-Signature header is missing.");
	}
	const verified = await deps.stripe.verifyEvent(body, signature);
	if (!verified.ok) {
		console.warn("stripe: rejected webhook:", verified.reason);
		throw new ApiError(
			"invalid_signature",
			`The Stripe-Signature header does not match the body: ${verified.reason}`,
		);
	}
	const event = verified.event;
	const outcome = await handleStripeEvent(deps, event, Date.now());
	switch (outcome.kind) {
		case "duplicate":
			return c.json({ received: true as const, duplicate: true as const }, 200);
		case "stripe_unavailable":
			console.error("stripe: could not handle", event.id, event.type, outcome.error);
			throw new ApiError(
				"billing_unavailable",
				`Stripe's API failed while handling ${event.id} (${outcome.error.type}: ${outcome.error.message}); nothing was recorded, so Stripe will retry.`,
			);
		case "unmatched":
			console.warn(
				"stripe: acknowledged",
				event.id,
				event.type,
				"without an account:",
				outcome.reason,
			);
			break;
		case "unchanged":
			console.log("stripe: acknowledged", event.id, event.type, "without change:", outcome.reason);
			break;
		case "applied":
		case "ignored":
			break;
	}
	return c.json({ received: true as const }, 200);
});
