/**
 * Standard Webhooks signing (https://www.standardwebhooks.com, the scheme Svix and Resend use):
 * the signed content is `${id}.${timestamp}.${body}`, the signature `v1,` + base64 of its
 * HMAC-SHA256 under the secret's bytes (base64 after the `whsec_` prefix). Several signatures
 * are space-separated: during a rotation's overlap both secrets sign, and a receiver accepts the
 * delivery if any one verifies. The same values go out under `svix-*` names, which Resend's
 * own deliveries carry, so code written for Resend verifies ours unchanged.
 */

export const SECRET_PREFIX = "whsec_";

/** A new `whsec_…` secret: 24 random bytes, as Svix issues them. */
export function newSigningSecret(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(24));
	return SECRET_PREFIX + btoa(String.fromCharCode(...bytes));
}

async function sign(secret: string, content: string): Promise<string> {
	const raw = Uint8Array.from(atob(secret.slice(SECRET_PREFIX.length)), (c) => c.charCodeAt(0));
	const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [
		"sign",
	]);
	const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(content));
	return `v1,${btoa(String.fromCharCode(...new Uint8Array(mac)))}`;
}

/** The headers of one delivery attempt, signed with every secret given (current first). */
export async function signedHeaders(
	secrets: string[],
	id: string,
	body: string,
	now: number,
): Promise<Record<string, string>> {
	const timestamp = String(Math.floor(now / 1000));
	const content = `${id}.${timestamp}.${body}`;
	const signature = (await Promise.all(secrets.map((s) => sign(s, content)))).join(" ");
	return {
		"content-type": "application/json",
		"user-agent": "SendFleet-Webhooks/1.0",
		"webhook-id": id,
		"webhook-timestamp": timestamp,
		"webhook-signature": signature,
		"svix-id": id,
		"svix-timestamp": timestamp,
		"svix-signature": signature,
	};
}
