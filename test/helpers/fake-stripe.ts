/**
 * A fake Stripe API for tests, speaking Stripe's wire format so the real SDK's request encoding,
 * idempotency keys and error mapping run: form-encoded request bodies with bracket notation
 * (`line_items[0][price]=…`), JSON objects with `object` and prefixed ids, errors as
 * `{error: {type, message, code, param}}` with Stripe's HTTP statuses, `Idempotency-Key`
 * replays (and 400 `idempotency_error` for a key reused with other parameters), and a bearer
 * secret key. Only the endpoints billing uses.
 *
 * Tests and the Worker share one isolate, so `installFakeStripe()` reroutes `globalThis.fetch`
 * for the STRIPE_API_URL origin to this Hono app (as test/helpers/simulator.ts does for SES).
 *
 * What Stripe does on its own pages (the customer pays, changes plan, cancels) are methods that
 * change the state and return the events Stripe would send, as snapshots taken then: a test can
 * deliver them late or out of order. `webhookRequest` signs an event with the SDK's own
 * `generateTestHeaderStringAsync`, as Stripe signs deliveries.
 */
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import Stripe from "stripe";
import { BASE_URL } from "./api.ts";

type FormValue = string | FormObject;
interface FormObject {
	[key: string]: FormValue;
}

/** Parses Stripe's form encoding: `a[b][0][c]=v` → `{a: {b: {"0": {c: "v"}}}}`. */
export function parseStripeForm(body: string): FormObject {
	const root: FormObject = {};
	for (const [key, value] of new URLSearchParams(body)) {
		const [head = "", ...rest] = key.split("[");
		const path = [head, ...rest.map((part) => part.replace(/\]$/, ""))];
		let node = root;
		path.forEach((part, i) => {
			if (i === path.length - 1) {
				node[part] = value;
				return;
			}
			const next = node[part];
			if (typeof next === "object") node = next;
			else {
				const created: FormObject = {};
				node[part] = created;
				node = created;
			}
		});
	}
	return root;
}

function field(form: FormObject, ...path: string[]): string | undefined {
	let node: FormValue | undefined = form;
	for (const part of path) node = typeof node === "object" ? node[part] : undefined;
	return typeof node === "string" ? node : undefined;
}

function stringRecord(form: FormObject, ...path: string[]): Record<string, string> {
	let node: FormValue | undefined = form;
	for (const part of path) node = typeof node === "object" ? node[part] : undefined;
	const out: Record<string, string> = {};
	if (typeof node === "object") {
		for (const [k, v] of Object.entries(node)) if (typeof v === "string") out[k] = v;
	}
	return out;
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
function stripeId(prefix: string, length = 24): string {
	const bytes = crypto.getRandomValues(new Uint8Array(length));
	return prefix + Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join("");
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const MONTH_SECONDS = 30 * 24 * 3600;

export interface StripeErrorBody {
	status: number;
	type: "api_error" | "card_error" | "idempotency_error" | "invalid_request_error" | string;
	message: string;
	code?: string;
	param?: string;
}

export interface FakeCustomer {
	id: string;
	name: string | null;
	metadata: Record<string, string>;
	created: number;
}

export interface FakeCheckoutSession {
	id: string;
	customer: string;
	clientReferenceId: string | null;
	priceId: string;
	quantity: number;
	mode: string;
	metadata: Record<string, string>;
	subscriptionMetadata: Record<string, string>;
	successUrl: string | null;
	cancelUrl: string | null;
	status: "open" | "complete";
	subscription: string | null;
	created: number;
}

export interface FakeSubscription {
	id: string;
	customer: string;
	status: string;
	priceId: string;
	itemId: string;
	metadata: Record<string, string>;
	currentPeriodStart: number;
	currentPeriodEnd: number;
	created: number;
	canceledAt: number | null;
}

export interface FakePortalSession {
	id: string;
	customer: string;
	returnUrl: string | null;
	url: string;
}

export interface RecordedRequest {
	method: string;
	path: string;
	form: FormObject;
	idempotencyKey: string | null;
}

export interface StripeEvent {
	id: string;
	object: "event";
	api_version: string;
	created: number;
	data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
	livemode: false;
	pending_webhooks: number;
	request: { id: string | null; idempotency_key: string | null };
	type: string;
}

interface Failure {
	method: string | null;
	path: string | RegExp;
	error: StripeErrorBody;
	remaining: number;
}

export interface FakeStripeOptions {
	secretKey?: string;
	webhookSecret?: string;
	/** Prices that exist in this Stripe account. */
	prices?: string[];
}

function setting(name: string, fallback: string): string {
	const value = (env as unknown as Record<string, unknown>)[name];
	return typeof value === "string" && value !== "" ? value : fallback;
}

export function createFakeStripe(options: FakeStripeOptions = {}) {
	const secretKey = options.secretKey ?? setting("STRIPE_SECRET_KEY", "sk_test_sendfleet");
	const webhookSecret =
		options.webhookSecret ?? setting("STRIPE_WEBHOOK_SECRET", "whsec_test_sendfleet");
	const prices = new Set(
		options.prices ?? [
			setting("STRIPE_PRICE_GROWTH", "price_growth_test"),
			setting("STRIPE_PRICE_PRO", "price_pro_test"),
		],
	);

	const customers = new Map<string, FakeCustomer>();
	const checkoutSessions = new Map<string, FakeCheckoutSession>();
	const portalSessions = new Map<string, FakePortalSession>();
	const subscriptions = new Map<string, FakeSubscription>();
	const requests: RecordedRequest[] = [];
	const failures: Failure[] = [];
	const idempotent = new Map<string, { fingerprint: string; status: number; body: string }>();
	const inFlight = new Set<string>();

	const errorResponse = (e: StripeErrorBody) =>
		new Response(
			JSON.stringify({
				error: {
					type: e.type,
					message: e.message,
					...(e.code ? { code: e.code } : {}),
					...(e.param ? { param: e.param } : {}),
				},
			}),
			{
				status: e.status,
				headers: {
					"content-type": "application/json",
					"request-id": stripeId("req_", 14),
					// Stripe asks clients not to retry its 500s (its idempotency layer would replay them).
					...(e.status >= 500 ? { "stripe-should-retry": "false" } : {}),
				},
			},
		);
	const json = (body: unknown, status = 200) =>
		new Response(JSON.stringify(body), {
			status,
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

	function renderCustomer(c: FakeCustomer) {
		return {
			id: c.id,
			object: "customer",
			created: c.created,
			email: null,
			livemode: false,
			metadata: c.metadata,
			name: c.name,
		};
	}

	function renderCheckoutSession(s: FakeCheckoutSession) {
		return {
			id: s.id,
			object: "checkout.session",
			cancel_url: s.cancelUrl,
			client_reference_id: s.clientReferenceId,
			created: s.created,
			customer: s.customer,
			livemode: false,
			metadata: s.metadata,
			mode: s.mode,
			payment_status: s.status === "complete" ? "paid" : "unpaid",
			status: s.status,
			subscription: s.subscription,
			success_url: s.successUrl,
			ui_mode: "hosted",
			url: s.status === "open" ? `https://checkout.stripe.com/c/pay/${s.id}` : null,
		};
	}

	function renderSubscription(s: FakeSubscription) {
		return {
			id: s.id,
			object: "subscription",
			cancel_at_period_end: false,
			canceled_at: s.canceledAt,
			created: s.created,
			customer: s.customer,
			ended_at: s.canceledAt,
			items: {
				object: "list",
				data: [
					{
						id: s.itemId,
						object: "subscription_item",
						created: s.created,
						current_period_end: s.currentPeriodEnd,
						current_period_start: s.currentPeriodStart,
						metadata: {},
						price: {
							id: s.priceId,
							object: "price",
							active: true,
							currency: "usd",
							livemode: false,
							recurring: { interval: "month", interval_count: 1 },
							type: "recurring",
						},
						quantity: 1,
						subscription: s.id,
					},
				],
				has_more: false,
				total_count: 1,
				url: `/v1/subscription_items?subscription=${s.id}`,
			},
			livemode: false,
			metadata: s.metadata,
			start_date: s.created,
			status: s.status,
		};
	}

	const app = new Hono();

	app.use("*", async (c, next) => {
		const form = c.req.method === "POST" ? parseStripeForm(await c.req.raw.clone().text()) : {};
		const idempotencyKey = c.req.header("idempotency-key") ?? null;
		requests.push({ method: c.req.method, path: c.req.path, form, idempotencyKey });

		if (c.req.header("authorization") !== `Bearer ${secretKey}`) {
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

		const fingerprint = `${c.req.method} ${c.req.path} ${await c.req.raw.clone().text()}`;
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

	app.post("/v1/customers", async (c) => {
		const form = parseStripeForm(await c.req.text());
		const customer: FakeCustomer = {
			id: stripeId("cus_", 14),
			name: field(form, "name") ?? null,
			metadata: stringRecord(form, "metadata"),
			created: nowSeconds(),
		};
		customers.set(customer.id, customer);
		return json(renderCustomer(customer));
	});

	app.get("/v1/customers/:id", (c) => {
		const customer = customers.get(c.req.param("id"));
		return customer ? json(renderCustomer(customer)) : missing("customer", c.req.param("id"));
	});

	app.post("/v1/checkout/sessions", async (c) => {
		const form = parseStripeForm(await c.req.text());
		const mode = field(form, "mode");
		if (!mode) return invalid("Missing required param: mode.", "mode");
		const customer = field(form, "customer");
		if (customer && !customers.has(customer)) return missing("customer", customer, "customer");
		const priceId = field(form, "line_items", "0", "price");
		if (!priceId) return invalid("Missing required param: line_items.", "line_items");
		if (!prices.has(priceId)) return missing("price", priceId, "line_items[0][price]");
		const session: FakeCheckoutSession = {
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
		checkoutSessions.set(session.id, session);
		return json(renderCheckoutSession(session));
	});

	app.post("/v1/billing_portal/sessions", async (c) => {
		const form = parseStripeForm(await c.req.text());
		const customer = field(form, "customer");
		if (!customer) return invalid("Missing required param: customer.", "customer");
		if (!customers.has(customer)) return missing("customer", customer, "customer");
		const id = stripeId("bps_", 24);
		const session: FakePortalSession = {
			id,
			customer,
			returnUrl: field(form, "return_url") ?? null,
			url: `https://billing.stripe.com/p/session/test_${id.slice(4)}`,
		};
		portalSessions.set(id, session);
		return json({
			id,
			object: "billing_portal.session",
			created: nowSeconds(),
			customer,
			livemode: false,
			return_url: session.returnUrl,
			url: session.url,
		});
	});

	app.get("/v1/subscriptions/:id", (c) => {
		const sub = subscriptions.get(c.req.param("id"));
		return sub ? json(renderSubscription(sub)) : missing("subscription", c.req.param("id"), "id");
	});

	app.all("*", (c) =>
		errorResponse({
			status: 404,
			type: "invalid_request_error",
			message: `Unrecognized request URL (${c.req.method}: ${c.req.path}).`,
		}),
	);

	function event(
		type: string,
		object: Record<string, unknown>,
		opts: { created?: number; previous?: Record<string, unknown> } = {},
	): StripeEvent {
		return {
			id: stripeId("evt_", 24),
			object: "event",
			api_version: Stripe.API_VERSION,
			created: opts.created ?? nowSeconds(),
			data: {
				// A snapshot: later changes to the fake's state do not reach an event already made.
				object: structuredClone(object),
				...(opts.previous ? { previous_attributes: opts.previous } : {}),
			},
			livemode: false,
			pending_webhooks: 1,
			request: { id: null, idempotency_key: null },
			type,
		};
	}

	function subscription(id: string): FakeSubscription {
		const sub = subscriptions.get(id);
		if (!sub) throw new Error(`fake Stripe: no subscription ${id}`);
		return sub;
	}

	function createSubscription(
		customer: string,
		priceId: string,
		opts: { status?: string; metadata?: Record<string, string> } = {},
	): FakeSubscription {
		const now = nowSeconds();
		const sub: FakeSubscription = {
			id: stripeId("sub_", 24),
			customer,
			status: opts.status ?? "active",
			priceId,
			itemId: stripeId("si_", 14),
			metadata: opts.metadata ?? {},
			currentPeriodStart: now,
			currentPeriodEnd: now + MONTH_SECONDS,
			created: now,
			canceledAt: null,
		};
		subscriptions.set(sub.id, sub);
		return sub;
	}

	return {
		/** The fake's HTTP interface, as the SDK reaches it. */
		fetch: (request: Request) => app.fetch(request),
		customers,
		checkoutSessions,
		portalSessions,
		subscriptions,
		/** Every request received, in order. */
		requests,
		webhookSecret,

		/** Answers matching requests with this error, `times` times (default: until `clearFailures`). */
		fail(
			match: { method?: string; path: string | RegExp },
			error: StripeErrorBody,
			times = Infinity,
		) {
			failures.push({ method: match.method ?? null, path: match.path, error, remaining: times });
		},
		clearFailures() {
			failures.length = 0;
		},

		/** A Stripe customer made outside checkout (e.g. by staff in Stripe's dashboard). */
		createCustomer(metadata: Record<string, string> = {}): FakeCustomer {
			const customer: FakeCustomer = {
				id: stripeId("cus_", 14),
				name: null,
				metadata,
				created: nowSeconds(),
			};
			customers.set(customer.id, customer);
			return customer;
		},

		createSubscription,
		renderSubscription: (id: string) => renderSubscription(subscription(id)),

		/**
		 * The customer pays on the Checkout page: the subscription is created and Stripe sends
		 * `checkout.session.completed` and `customer.subscription.created`.
		 */
		completeCheckout(sessionId: string, opts: { status?: string } = {}) {
			const session = checkoutSessions.get(sessionId);
			if (!session) throw new Error(`fake Stripe: no Checkout Session ${sessionId}`);
			const sub = createSubscription(session.customer, session.priceId, {
				status: opts.status ?? "active",
				metadata: session.subscriptionMetadata,
			});
			session.status = "complete";
			session.subscription = sub.id;
			return {
				subscription: sub,
				checkoutCompleted: event("checkout.session.completed", renderCheckoutSession(session)),
				subscriptionCreated: event("customer.subscription.created", renderSubscription(sub)),
			};
		},

		/** A change made in the portal or by Stripe itself: `customer.subscription.updated`. */
		updateSubscription(
			id: string,
			patch: { status?: string; priceId?: string; currentPeriodEnd?: number },
		): StripeEvent {
			const sub = subscription(id);
			const previous: Record<string, unknown> = {};
			if (patch.status !== undefined) {
				previous.status = sub.status;
				sub.status = patch.status;
			}
			if (patch.priceId !== undefined) sub.priceId = patch.priceId;
			if (patch.currentPeriodEnd !== undefined) sub.currentPeriodEnd = patch.currentPeriodEnd;
			return event("customer.subscription.updated", renderSubscription(sub), { previous });
		},

		/** The subscription ends: `customer.subscription.deleted`. */
		cancelSubscription(id: string): StripeEvent {
			const sub = subscription(id);
			sub.status = "canceled";
			sub.canceledAt = nowSeconds();
			return event("customer.subscription.deleted", renderSubscription(sub));
		},

		/** An invoice of the subscription, as `invoice.paid` or `invoice.payment_failed` carry it. */
		invoiceEvent(type: "invoice.paid" | "invoice.payment_failed", subscriptionId: string) {
			const sub = subscription(subscriptionId);
			const paid = type === "invoice.paid";
			return event(type, {
				id: stripeId("in_", 24),
				object: "invoice",
				amount_due: 1500,
				amount_paid: paid ? 1500 : 0,
				attempt_count: 1,
				billing_reason: "subscription_cycle",
				currency: "usd",
				customer: sub.customer,
				livemode: false,
				parent: {
					type: "subscription_details",
					quote_details: null,
					subscription_details: { metadata: sub.metadata, subscription: sub.id },
				},
				status: paid ? "paid" : "open",
			});
		},

		event,

		/**
		 * The delivery of an event (or any raw body) to the Worker's `/hooks/stripe`, signed as
		 * Stripe signs it. `secret` and `timestamp` (seconds) forge or age the signature.
		 */
		async webhookRequest(
			payload: StripeEvent | string,
			opts: { secret?: string; timestamp?: number } = {},
		): Promise<Request> {
			const body = typeof payload === "string" ? payload : JSON.stringify(payload, null, 2);
			const header = await Stripe.webhooks.generateTestHeaderStringAsync({
				payload: body,
				secret: opts.secret ?? webhookSecret,
				...(opts.timestamp === undefined ? {} : { timestamp: opts.timestamp }),
				cryptoProvider: Stripe.createSubtleCryptoProvider(),
			});
			return new Request(`${BASE_URL}/hooks/stripe`, {
				method: "POST",
				headers: {
					"content-type": "application/json; charset=utf-8",
					"stripe-signature": header,
					"user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
				},
				body,
			});
		},
	};
}

export type FakeStripe = ReturnType<typeof createFakeStripe>;

/**
 * Routes the Worker's calls to STRIPE_API_URL's origin into a new fake; everything else goes to
 * the fetch in place before. Call `restore()` (e.g. in afterEach).
 */
export function installFakeStripe(options: FakeStripeOptions = {}): {
	stripe: FakeStripe;
	restore(): void;
} {
	const stripe = createFakeStripe(options);
	const origin = new URL(setting("STRIPE_API_URL", "https://stripe.fake.test")).origin;
	const global = globalThis as unknown as { fetch: typeof fetch };
	const original = global.fetch;
	global.fetch = (input, init) => {
		const url = input instanceof Request ? input.url : String(input);
		if (URL.parse(url)?.origin === origin) {
			return Promise.resolve(stripe.fetch(new Request(input, init)));
		}
		return original(input, init);
	};
	return {
		stripe,
		restore() {
			global.fetch = original;
		},
	};
}
