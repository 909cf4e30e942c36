// The Stripe API the Worker calls (src/services/stripe.ts), in Stripe's wire format:
//   POST /v1/customers                 GET /v1/customers/:id
//   POST /v1/checkout/sessions         GET /v1/checkout/sessions/:id
//   POST /v1/billing_portal/sessions   GET /v1/subscriptions/:id
// Bodies are form-encoded with bracket notation, answers JSON objects; errors are
// `{error: {type, message, code, param}}` with Stripe's statuses. Every call needs
// `Authorization: Bearer <secret key>`. A POST with `Idempotency-Key` is answered once and
// replayed after (400 `idempotency_error` for the key reused with other parameters, 409 while the
// first is still running), errors included, as Stripe does. Tests can make calls fail (`fail`).

import { Hono } from "hono";
import { bodyText, type FormObject, field, parseStripeForm, stringRecord } from "./form.ts";
import { renderCheckoutSession, renderCustomer, renderPortalSession } from "./render.ts";
import {
	nowSeconds,
	type StripeCheckoutSession,
	type StripeCustomer,
	type StripePortalSession,
	type StripePrice,
	type StripeState,
	stripeId,
} from "./state.ts";

export interface StripeErrorBody {
	status: number;
	type: "api_error" | "card_error" | "idempotency_error" | "invalid_request_error" | string;
	message: string;
	code?: string;
	param?: string;
}

export interface RecordedRequest {
	method: string;
	path: string;
	form: FormObject;
	idempotencyKey: string | null;
}

/** An injected failure: matching calls get `error`, `remaining` more times. */
export interface ApiFailure {
	method: string | null;
	path: string | RegExp;
	error: StripeErrorBody;
	remaining: number;
}

// A long `npm start` session must not grow memory without bound; the oldest go first.
const MAX_RECORDED = 10_000;

export function errorResponse(e: StripeErrorBody): Response {
	const error = {
		type: e.type,
		message: e.message,
		...(e.code ? { code: e.code } : {}),
		...(e.param ? { param: e.param } : {}),
	};
	return new Response(JSON.stringify({ error }), {
		status: e.status,
		headers: {
			"content-type": "application/json",
			"request-id": stripeId("req_", 14),
			// Stripe asks clients not to retry its 500s (its idempotency layer would replay them).
			...(e.status >= 500 ? { "stripe-should-retry": "false" } : {}),
		},
	});
}

const json = (body: unknown) =>
	new Response(JSON.stringify(body), {
		headers: { "content-type": "application/json", "request-id": stripeId("req_", 14) },
	});

const missing = (kind: string, id: string, param?: string) =>
	errorResponse({
		status: 404,
		type: "invalid_request_error",
		code: "resource_missing",
		message: `No such ${kind}: '${id}'`,
		...(param ? { param } : {}),
	});

const invalid = (message: string, param: string) =>
	errorResponse({
		status: 400,
		type: "invalid_request_error",
		code: "parameter_missing",
		message,
		param,
	});

export function createStripeApi(deps: {
	state: StripeState;
	secretKey: string;
	prices: Map<string, StripePrice>;
	requests: RecordedRequest[];
	failures: ApiFailure[];
	checkoutUrl: (sessionId: string) => string;
	portalUrl: (sessionId: string) => string;
	renderSubscription: (id: string) => Record<string, unknown>;
}): Hono {
	const { state, requests, failures } = deps;
	const idempotent = new Map<string, { fingerprint: string; status: number; body: string }>();
	const inFlight = new Set<string>();
	const api = new Hono();

	api.use("/v1/*", async (c, next) => {
		const raw = c.req.method === "POST" ? await bodyText(c.req.raw.clone()) : "";
		const idempotencyKey = c.req.header("idempotency-key") ?? null;
		requests.push({
			method: c.req.method,
			path: c.req.path,
			form: parseStripeForm(raw),
			idempotencyKey,
		});
		if (requests.length > MAX_RECORDED) requests.splice(0, requests.length - MAX_RECORDED);

		if (c.req.header("authorization") !== `Bearer ${deps.secretKey}`) {
			return errorResponse({
				status: 401,
				type: "invalid_request_error",
				message: "Invalid API Key provided: sk_test_****",
			});
		}
		const failure = failures.find(
			(f) =>
				f.remaining > 0 &&
				(f.method === null || f.method === c.req.method) &&
				(typeof f.path === "string" ? f.path === c.req.path : f.path.test(c.req.path)),
		);
		if (failure) {
			failure.remaining -= 1;
			return errorResponse(failure.error);
		}
		if (c.req.method !== "POST" || !idempotencyKey) return next();

		const fingerprint = `${c.req.method} ${c.req.path} ${raw}`;
		const saved = idempotent.get(idempotencyKey);
		if (saved) {
			if (saved.fingerprint !== fingerprint) {
				return errorResponse({
					status: 400,
					type: "idempotency_error",
					message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
				});
			}
			return new Response(saved.body, {
				status: saved.status,
				headers: { "content-type": "application/json", "idempotent-replayed": "true" },
			});
		}
		if (inFlight.has(idempotencyKey)) {
			return errorResponse({
				status: 409,
				type: "idempotency_error",
				code: "idempotency_key_in_use",
				message:
					"There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through). Please try again later.",
			});
		}
		inFlight.add(idempotencyKey);
		try {
			await next();
			// Stripe saves every result once the endpoint has started executing, errors included.
			idempotent.set(idempotencyKey, {
				fingerprint,
				status: c.res.status,
				body: await c.res.clone().text(),
			});
		} finally {
			inFlight.delete(idempotencyKey);
		}
	});

	api.post("/v1/customers", async (c) => {
		const form = parseStripeForm(await bodyText(c.req.raw));
		const customer: StripeCustomer = {
			id: stripeId("cus_", 14),
			name: field(form, "name") ?? null,
			metadata: stringRecord(form, "metadata"),
			created: nowSeconds(),
		};
		state.customers.set(customer.id, customer);
		return json(renderCustomer(customer));
	});

	api.get("/v1/customers/:id", (c) => {
		const customer = state.customers.get(c.req.param("id"));
		return customer ? json(renderCustomer(customer)) : missing("customer", c.req.param("id"));
	});

	api.post("/v1/checkout/sessions", async (c) => {
		const form = parseStripeForm(await bodyText(c.req.raw));
		const mode = field(form, "mode");
		if (!mode) return invalid("Missing required param: mode.", "mode");
		const customer = field(form, "customer");
		if (customer && !state.customers.has(customer))
			return missing("customer", customer, "customer");
		const priceId = field(form, "line_items", "0", "price");
		if (!priceId) return invalid("Missing required param: line_items.", "line_items");
		if (!deps.prices.has(priceId)) return missing("price", priceId, "line_items[0][price]");
		const session: StripeCheckoutSession = {
			id: stripeId("cs_test_", 58),
			customer: customer ?? stripeId("cus_", 14),
			clientReferenceId: field(form, "client_reference_id") ?? null,
			priceId,
			quantity: Number(field(form, "line_items", "0", "quantity") ?? "1"),
			mode,
			metadata: stringRecord(form, "metadata"),
			subscriptionMetadata: stringRecord(form, "subscription_data", "metadata"),
			successUrl: field(form, "success_url") ?? null,
			cancelUrl: field(form, "cancel_url") ?? null,
			status: "open",
			subscription: null,
			created: nowSeconds(),
		};
		state.checkoutSessions.set(session.id, session);
		return json(renderCheckoutSession(session, deps.checkoutUrl(session.id)));
	});

	api.get("/v1/checkout/sessions/:id", (c) => {
		const session = state.checkoutSessions.get(c.req.param("id"));
		if (!session) return missing("checkout.session", c.req.param("id"));
		return json(renderCheckoutSession(session, deps.checkoutUrl(session.id)));
	});

	api.post("/v1/billing_portal/sessions", async (c) => {
		const form = parseStripeForm(await bodyText(c.req.raw));
		const customer = field(form, "customer");
		if (!customer) return invalid("Missing required param: customer.", "customer");
		if (!state.customers.has(customer)) return missing("customer", customer, "customer");
		const id = stripeId("bps_", 24);
		const session: StripePortalSession = {
			id,
			customer,
			returnUrl: field(form, "return_url") ?? null,
			url: deps.portalUrl(id),
			created: nowSeconds(),
		};
		state.portalSessions.set(id, session);
		return json(renderPortalSession(session));
	});

	api.get("/v1/subscriptions/:id", (c) => {
		const id = c.req.param("id");
		return state.subscriptions.has(id)
			? json(deps.renderSubscription(id))
			: missing("subscription", id, "id");
	});

	api.all("/v1/*", (c) =>
		errorResponse({
			status: 404,
			type: "invalid_request_error",
			message: `Unrecognized request URL (${c.req.method}: ${c.req.path}).`,
		}),
	);

	return api;
}
