/**
 * Identifiers and secrets.
 *
 * Ids are UUIDv7 (RFC 9562): the first 48 bits are the Unix time in milliseconds, so they sort
 * by creation time as plain strings. `idFloor(t)` is the smallest id created at or after `t`,
 * which turns "older than 90 days" and keyset pagination into primary-key range scans.
 */

const hex = (bytes: Uint8Array) =>
	Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

function formatUuid(h: string): string {
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function uuidv7(now = Date.now()): string {
	const bytes = crypto.getRandomValues(new Uint8Array(16));
	const time = now.toString(16).padStart(12, "0");
	const h = time + hex(bytes).slice(12);
	// Version 7 in the high nibble of byte 6, variant 0b10 in the top bits of byte 8.
	const version = `7${h.slice(13, 16)}`;
	const variant = ((Number.parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
	return formatUuid(h.slice(0, 12) + version + variant + h.slice(18));
}

/** The smallest UUIDv7 for a time: every id created at or after `time` sorts at or after it. */
export function idFloor(time: number): string {
	return formatUuid(`${time.toString(16).padStart(12, "0")}${"0".repeat(20)}`);
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An opaque random token with a prefix, e.g. `sf_…` API keys: 32 random bytes, base64url. */
export function randomToken(prefix: string, byteLength = 32): string {
	const bytes = crypto.getRandomValues(new Uint8Array(byteLength));
	const b64 = btoa(String.fromCharCode(...bytes))
		.replaceAll("+", "-")
		.replaceAll("/", "_")
		.replace(/=+$/, "");
	return `${prefix}${b64}`;
}

export async function sha256Hex(value: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
	return hex(new Uint8Array(digest));
}
