// How the webhook receiver checks a delivery, the way a customer's code would: Standard Webhooks
// (https://www.standardwebhooks.com/, the scheme Resend's Svix-signed webhooks use), and one
// sentence per outcome for the page and the 401 answer. WebCrypto only: this runs in Node and in
// workerd.

import type { Verification } from "./store.ts";

/** Standard Webhooks' default tolerance between `webhook-timestamp` and the receiver's clock. */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

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

/** Standard base64 (Standard Webhooks' encoding); null when `text` is not. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> | null {
	if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) return null;
	try {
		return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
	} catch {
		return null;
	}
}
