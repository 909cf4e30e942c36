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

// RFC 9562 §6.2 method 1: a counter in the 12 `rand_a` bits keeps ids from one isolate strictly
// increasing, even for the 100 emails of one batch created in the same millisecond. It starts
// each millisecond at a random value below 0x800 (half the range left for that batch), so
// isolates that make ids in the same millisecond rarely share one: an email's place in the log
// is its id's time and counter (src/db/queries/email-seq.ts).
let lastTime = 0;
let sequence = 0;

export function uuidv7(now = Date.now()): string {
	if (now > lastTime) {
		lastTime = now;
		sequence = (crypto.getRandomValues(new Uint16Array(1))[0] ?? 0) & 0x7ff;
	} else if (++sequence > 0xfff) {
		lastTime += 1;
		sequence = 0;
	}
	const random = hex(crypto.getRandomValues(new Uint8Array(8)));
	const variant = ((Number.parseInt(random.slice(0, 2), 16) & 0x3f) | 0x80).toString(16);
	const h = `${lastTime.toString(16).padStart(12, "0")}7${sequence.toString(16).padStart(3, "0")}${variant}${random.slice(2)}`;
	return formatUuid(h);
}

/** The smallest UUIDv7 for a time: every id created at or after `time` sorts at or after it. */
export function idFloor(time: number): string {
	return formatUuid(`${time.toString(16).padStart(12, "0")}${"0".repeat(20)}`);
}

/** The time a UUIDv7 was made for (its first 48 bits, milliseconds). */
export function idTime(id: string): number {
	return Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16);
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

/**
 * A UUIDv7 for `time` whose other bits come from hashing `key`: the same key and time always
 * give the same id, so a record written twice (a retried decision) is one row.
 */
export async function derivedUuidv7(time: number, key: string): Promise<string> {
	const digest = await sha256Hex(key);
	const variant = ((Number.parseInt(digest.slice(3, 5), 16) & 0x3f) | 0x80).toString(16);
	return formatUuid(
		`${time.toString(16).padStart(12, "0")}7${digest.slice(0, 3)}${variant}${digest.slice(5, 19)}`,
	);
}
