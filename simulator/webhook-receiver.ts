// The webhook receiver: stands in for a customer's endpoint so the Worker's webhook deliveries can
// be watched locally. Each named receiver has the endpoint's signing secret and an optional fail
// switch; every delivery is checked the way a customer's code would check it (Standard Webhooks,
// https://www.standardwebhooks.com/, the scheme Resend's Svix-signed webhooks use) and recorded in
// the simulator's store with the answer given. WebCrypto only: this runs in Node and in workerd.
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
	Verification,
	WebhookDelivery,
} from "./store.ts";

/** Standard Webhooks' default tolerance between `webhook-timestamp` and the receiver's clock. */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/** Stored bodies are cut here (the signature is still checked over the whole body). */
export const MAX_STORED_BODY_CHARS = 64 * 1024;

const RECEIVER_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const SECRET_PREFIX = "whsec_";
const MAX_DELAY_MS = 60_000;

/** The fail switch: the next `remaining` deliveries (every one when null) get `status`. */
export interface ReceiverFailure {
	status: number;
	delayMs: number;
	remaining: number | null;
}

export interface ReceiverView {
	name: string;
	/** Where the Worker should post, on the simulator's public URL. */
	url: string;
	secretConfigured: boolean;
	failure: ReceiverFailure | null;
}

/**
 * A partial update. `secret`: `whsec_<base64 key>`, or null to forget it. `status`, `delayMs`,
 * `times`: any of them sets the fail switch (status default 503, delay 0, times: until cleared);
 * `status: null` clears it.
 */
export interface ReceiverConfigInput {
	secret?: string | null;
	status?: number | null;
	delayMs?: number;
	times?: number | null;
}

/** A configuration the receiver refuses; the routes answer it with a 400. */
export class ReceiverConfigError extends Error {
	constructor(message: string) {
		super(message);
		this.name = "ReceiverConfigError";
	}
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

/** One sentence for each verification outcome, for the page and the 401 answer. */
export function describeVerification(verification: Verification): string {
	switch (verification) {
		case "verified":
			return "a v1 signature matches the receiver's secret.";
		case "no_secret":
			return "this receiver has no signing secret (POST /webhooks/receivers/:name {secret}).";
		case "missing_headers":
			return "webhook-id, webhook-timestamp or webhook-signature is missing.";
		case "invalid_timestamp":
			return "webhook-timestamp is not a number of seconds.";
		case "timestamp_too_old":
			return `webhook-timestamp is more than ${TIMESTAMP_TOLERANCE_SECONDS / 60} minutes old.`;
		case "timestamp_too_new":
			return `webhook-timestamp is more than ${TIMESTAMP_TOLERANCE_SECONDS / 60} minutes ahead.`;
		case "no_matching_signature":
			return "no v1 signature matches the receiver's secret for this id, timestamp and body.";
	}
}

/**
 * Standard Webhooks verification: `webhook-signature` is a space-separated list of
 * `<version>,<base64>`; any `v1` entry equal to HMAC-SHA256(key, "<id>.<timestamp>.<body>")
 * verifies (several appear while a secret is rotated). The body is the exact bytes received.
 */
export async function verifyDelivery(input: {
	key: Uint8Array<ArrayBuffer> | null;
	id: string | null;
	timestamp: string | null;
	signature: string | null;
	body: Uint8Array<ArrayBuffer>;
	now: Date;
}): Promise<Verification> {
	if (input.key === null) return "no_secret";
	const { id, timestamp, signature } = input;
	if (id === null || timestamp === null || signature === null) return "missing_headers";
	if (!/^\d{1,15}$/.test(timestamp)) return "invalid_timestamp";
	const nowSeconds = Math.floor(input.now.getTime() / 1000);
	const seconds = Number(timestamp);
	if (nowSeconds - seconds > TIMESTAMP_TOLERANCE_SECONDS) return "timestamp_too_old";
	if (seconds - nowSeconds > TIMESTAMP_TOLERANCE_SECONDS) return "timestamp_too_new";

	const prefix = new TextEncoder().encode(`${id}.${timestamp}.`);
	const signed = new Uint8Array(prefix.byteLength + input.body.byteLength);
	signed.set(prefix, 0);
	signed.set(input.body, prefix.byteLength);
	const key = await crypto.subtle.importKey(
		"raw",
		input.key,
		{ name: "HMAC", hash: "SHA-256" },
		false,
		["verify"],
	);
	for (const entry of signature.split(" ")) {
		const comma = entry.indexOf(",");
		if (comma === -1 || entry.slice(0, comma) !== "v1") continue;
		const bytes = decodeBase64(entry.slice(comma + 1));
		if (bytes === null || bytes.byteLength !== 32) continue;
		// verify() compares in constant time.
		if (await crypto.subtle.verify("HMAC", key, bytes, signed)) return "verified";
	}
	return "no_matching_signature";
}

/** The key of a `whsec_<base64>` secret; throws ReceiverConfigError otherwise. */
export function parseSecret(secret: string): Uint8Array<ArrayBuffer> {
	if (!secret.startsWith(SECRET_PREFIX)) {
		throw new ReceiverConfigError(`secret must start with "${SECRET_PREFIX}".`);
	}
	const key = decodeBase64(secret.slice(SECRET_PREFIX.length));
	if (key === null || key.byteLength === 0) {
		throw new ReceiverConfigError(`secret must be "${SECRET_PREFIX}" followed by base64.`);
	}
	return key;
}

function parseSecretInput(secret: unknown): Uint8Array<ArrayBuffer> | null {
	if (secret === null) return null;
	if (typeof secret !== "string") throw new ReceiverConfigError("secret must be a string or null.");
	return parseSecret(secret);
}

function parseFailure(
	input: ReceiverConfigInput,
	current: ReceiverFailure | null,
): ReceiverFailure | null {
	const { status, delayMs, times } = input;
	if (status === null) {
		if (delayMs !== undefined || times !== undefined) {
			throw new ReceiverConfigError("status null clears the fail switch: send it alone.");
		}
		return null;
	}
	if (status === undefined && delayMs === undefined && times === undefined) return current;
	if (status !== undefined && !(Number.isInteger(status) && status >= 200 && status <= 599)) {
		throw new ReceiverConfigError("status must be an HTTP status from 200 to 599.");
	}
	if (
		delayMs !== undefined &&
		!(Number.isInteger(delayMs) && delayMs >= 0 && delayMs <= MAX_DELAY_MS)
	) {
		throw new ReceiverConfigError(`delayMs must be a whole number from 0 to ${MAX_DELAY_MS}.`);
	}
	if (times !== undefined && times !== null && !(Number.isInteger(times) && times >= 1)) {
		throw new ReceiverConfigError(
			"times must be a positive whole number, or null for every delivery.",
		);
	}
	return { status: status ?? 503, delayMs: delayMs ?? 0, remaining: times ?? null };
}

function checkName(name: string): void {
	if (!RECEIVER_NAME.test(name)) {
		throw new ReceiverConfigError("A receiver name is 1 to 64 letters, digits, '-' or '_'.");
	}
}

/** Standard base64 (Standard Webhooks' encoding); null when `text` is not. */
function decodeBase64(text: string): Uint8Array<ArrayBuffer> | null {
	if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) return null;
	try {
		return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
	} catch {
		return null;
	}
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
