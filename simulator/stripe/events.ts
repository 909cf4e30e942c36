// Stripe's events and their delivery: each event is a snapshot of its object taken when it
// happened, posted to the Worker's `/hooks/stripe` with `Stripe-Signature: t=…,v1=…`
// (HMAC-SHA256 of "<t>.<body>" with the endpoint's `whsec_…` secret), made by the SDK's own
// `generateTestHeaderStringAsync` so the header is byte for byte what Stripe would send.
// Deliveries are recorded with the Worker's answer; a refused one is not retried (Stripe would
// for three days), the pages show it instead.

import Stripe from "stripe";
import { nowSeconds, stripeId } from "./state.ts";

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

export interface EventDelivery {
	eventId: string;
	type: string;
	/** The customer the event's object belongs to, so a portal lists only its own. */
	customer: string | null;
	/** ISO 8601. */
	at: string;
	/** The Worker's HTTP status; null when it could not be reached. */
	status: number | null;
	/** The start of its answer, or why it could not be reached. */
	answer: string;
}

export function makeEvent(
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
			// A snapshot: later changes to the state do not reach an event already made.
			object: structuredClone(object),
			...(opts.previous ? { previous_attributes: structuredClone(opts.previous) } : {}),
		},
		livemode: false,
		pending_webhooks: 1,
		request: { id: null, idempotency_key: null },
		type,
	};
}

// Most recent deliveries kept for the pages; a long `npm start` session must not grow forever.
const MAX_DELIVERIES = 1_000;

export function createEventSender(options: {
	webhookSecret: string;
	/** Where events are posted, e.g. `http://127.0.0.1:8787/hooks/stripe`. */
	endpoint: string | null;
	/** Posts instead of `fetch` (tests hand in the Worker's own fetch handler). */
	deliver?: (request: Request) => Promise<Response>;
}) {
	const deliveries: EventDelivery[] = [];
	const cryptoProvider = Stripe.createSubtleCryptoProvider();

	/** An event (or any raw body) as Stripe posts it; `secret` and `timestamp` forge or age it. */
	async function webhookRequest(
		payload: StripeEvent | string,
		opts: { secret?: string; timestamp?: number; endpoint?: string } = {},
	): Promise<Request> {
		// Stripe pretty-prints its webhook bodies; the signature covers these exact bytes.
		const body = typeof payload === "string" ? payload : JSON.stringify(payload, null, 2);
		const header = await Stripe.webhooks.generateTestHeaderStringAsync({
			payload: body,
			secret: opts.secret ?? options.webhookSecret,
			...(opts.timestamp === undefined ? {} : { timestamp: opts.timestamp }),
			cryptoProvider,
		});
		const url = opts.endpoint ?? options.endpoint ?? "https://sendfleet.test/hooks/stripe";
		return new Request(url, {
			method: "POST",
			headers: {
				"content-type": "application/json; charset=utf-8",
				"stripe-signature": header,
				"user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
			},
			body,
		});
	}

	/** Posts the events one after another, in order, and records each answer. */
	async function send(events: StripeEvent[]): Promise<EventDelivery[]> {
		const sent: EventDelivery[] = [];
		for (const event of events) {
			const delivery = await post(event);
			deliveries.push(delivery);
			if (deliveries.length > MAX_DELIVERIES)
				deliveries.splice(0, deliveries.length - MAX_DELIVERIES);
			sent.push(delivery);
		}
		return sent;
	}

	async function post(event: StripeEvent): Promise<EventDelivery> {
		const customer = event.data.object.customer;
		const base = {
			eventId: event.id,
			type: event.type,
			customer: typeof customer === "string" ? customer : null,
			at: new Date().toISOString(),
		};
		if (options.endpoint === null && options.deliver === undefined) {
			return { ...base, status: null, answer: "not posted: the stand-in has no webhook endpoint" };
		}
		try {
			const request = await webhookRequest(event);
			const response = await (options.deliver ? options.deliver(request) : fetch(request));
			return { ...base, status: response.status, answer: (await response.text()).slice(0, 500) };
		} catch (error) {
			return {
				...base,
				status: null,
				answer: error instanceof Error ? error.message : String(error),
			};
		}
	}

	return {
		webhookRequest,
		send,
		/** Oldest first. */
		deliveries: (): EventDelivery[] => deliveries.map((d) => ({ ...d })),
		endpoint: options.endpoint,
	};
}

export type EventSender = ReturnType<typeof createEventSender>;
