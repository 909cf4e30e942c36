// The webhook receiver: stands in for a customer's endpoint so the Worker's webhook deliveries can
// be watched locally. Each named receiver has the endpoint's signing secret and an optional fail
// switch (webhook-receiver-config.ts); every delivery is checked the way a customer's code would
// check it (webhook-verification.ts) and recorded in the simulator's store with the answer given.
//
// The answer: while the fail switch has uses left it decides (after its delay), whatever the
// signature, as a receiver that is down would; otherwise 200 when the signature verifies and 401
// when it does not. A real receiver that cannot verify a delivery refuses it, and a refusal makes a
// wrong secret visible in the Worker's attempts (and retried) instead of silently "succeeding".

import type {
	DeliveryFilter,
	NameValue,
	SimulatorStore,
	SvixHeaders,
	WebhookDelivery,
} from "./store.ts";
import {
	checkName,
	parseFailure,
	parseSecretInput,
	type ReceiverConfigInput,
	type ReceiverFailure,
} from "./webhook-receiver-config.ts";
import { describeVerification, verifyDelivery } from "./webhook-verification.ts";

/** Stored bodies are cut here (the signature is still checked over the whole body). */
export const MAX_STORED_BODY_CHARS = 64 * 1024;

export interface ReceiverView {
	name: string;
	/** Where the Worker should post, on the simulator's public URL. */
	url: string;
	secretConfigured: boolean;
	failure: ReceiverFailure | null;
}

export interface SimulatorWebhooks {
	/** Creates the receiver if needed; throws ReceiverConfigError for invalid input. */
	configure(name: string, input: ReceiverConfigInput): ReceiverView;
	receiver(name: string): ReceiverView | undefined;
	receivers(): ReceiverView[];
	/** Forgets a receiver's secret and fail switch (its deliveries stay listed). */
	remove(name: string): boolean;
	/** Newest first. */
	deliveries(filter?: DeliveryFilter): WebhookDelivery[];
	delivery(id: string): WebhookDelivery | undefined;
	/** Removes every recorded delivery; answers how many there were. */
	clearDeliveries(): number;
}

export interface WebhookReceiver extends SimulatorWebhooks {
	/** Verifies, records and answers one delivery posted to `/webhooks/receive/:name`. */
	receive(name: string, request: Request): Promise<Response>;
}

interface ReceiverState {
	/** The decoded key, ready for WebCrypto. */
	key: Uint8Array<ArrayBuffer> | null;
	failure: ReceiverFailure | null;
}

export function createWebhookReceiver(deps: {
	store: SimulatorStore;
	now: () => Date;
	publicUrl: string;
}): WebhookReceiver {
	const { store, now } = deps;
	const receivers = new Map<string, ReceiverState>();
	const origin = deps.publicUrl.replace(/\/+$/, "");

	const view = (name: string, state: ReceiverState): ReceiverView => ({
		name,
		url: `${origin}/webhooks/receive/${name}`,
		secretConfigured: state.key !== null,
		failure: state.failure === null ? null : { ...state.failure },
	});

	return {
		configure(name, input) {
			checkName(name);
			const current = receivers.get(name) ?? { key: null, failure: null };
			const next: ReceiverState = {
				key: input.secret === undefined ? current.key : parseSecretInput(input.secret),
				failure: parseFailure(input, current.failure),
			};
			receivers.set(name, next);
			return view(name, next);
		},
		receiver(name) {
			const state = receivers.get(name);
			return state === undefined ? undefined : view(name, state);
		},
		receivers() {
			return [...receivers.entries()]
				.sort(([a], [b]) => a.localeCompare(b))
				.map(([name, state]) => view(name, state));
		},
		remove(name) {
			return receivers.delete(name);
		},
		deliveries(filter) {
			return store.listWebhookDeliveries(filter);
		},
		delivery(id) {
			return store.getWebhookDelivery(id);
		},
		clearDeliveries() {
			return store.clearWebhookDeliveries();
		},

		async receive(name, request) {
			const body = new Uint8Array(await request.arrayBuffer());
			const headers = request.headers;
			const webhookId = headers.get("webhook-id");
			const webhookTimestamp = headers.get("webhook-timestamp");
			const webhookSignature = headers.get("webhook-signature");
			const state = receivers.get(name);
			const verification = await verifyDelivery({
				key: state?.key ?? null,
				id: webhookId,
				timestamp: webhookTimestamp,
				signature: webhookSignature,
				body,
				now: now(),
			});

			// The switch is consumed before any await, so concurrent deliveries each take one use.
			const failure = state?.failure ?? null;
			if (state !== undefined && failure !== null && failure.remaining !== null) {
				failure.remaining -= 1;
				if (failure.remaining <= 0) state.failure = null;
			}
			const verified = verification === "verified";
			const status = failure?.status ?? (verified ? 200 : 401);
			const delayMs = failure?.delayMs ?? 0;

			const text = new TextDecoder().decode(body);
			const earlier =
				webhookId === null ? 0 : store.listWebhookDeliveries({ receiver: name, webhookId }).length;
			store.addWebhookDelivery({
				receiver: name,
				receivedAt: now().toISOString(),
				webhookId,
				webhookTimestamp,
				webhookSignature,
				type: payloadType(text),
				attempt: earlier + 1,
				verified,
				verification,
				svixHeaders: compareSvixHeaders(headers),
				status,
				delayMs,
				headers: headerList(headers),
				body: text.slice(0, MAX_STORED_BODY_CHARS),
				bodyBytes: body.byteLength,
				bodyTruncated: text.length > MAX_STORED_BODY_CHARS,
			});

			if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
			const message =
				failure !== null
					? `The simulator's receiver "${name}" was told to answer ${status}.`
					: verified
						? "Received and verified."
						: `Not verified: ${describeVerification(verification)}`;
			return Response.json(
				status >= 200 && status < 300 ? { ok: true, message } : { error: message },
				{
					status,
				},
			);
		},
	};
}

/** Sorted by name; forEach because scripts/ type-check without DOM.Iterable. */
function headerList(headers: Headers): NameValue[] {
	const list: NameValue[] = [];
	headers.forEach((value, name) => {
		list.push({ name, value });
	});
	return list.sort((a, b) => a.name.localeCompare(b.name));
}

function payloadType(body: string): string | null {
	try {
		const parsed: unknown = JSON.parse(body);
		if (typeof parsed === "object" && parsed !== null && "type" in parsed) {
			return typeof parsed.type === "string" ? parsed.type : null;
		}
	} catch {
		// not JSON: listed without a type
	}
	return null;
}

function compareSvixHeaders(headers: Headers): SvixHeaders {
	const names = ["id", "timestamp", "signature"];
	if (names.every((n) => headers.get(`svix-${n}`) === null)) return "missing";
	return names.every((n) => headers.get(`svix-${n}`) === headers.get(`webhook-${n}`))
		? "same"
		: "different";
}
