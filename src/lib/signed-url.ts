/**
 * Short-lived links that need no API key: an HMAC-SHA-256 over the path and its expiry. The key
 * is derived (HKDF) from a secret the deployment already has, with a purpose label, so it is
 * never the secret itself and no new secret is needed; rotating that secret ends every link,
 * which live an hour at most anyway.
 */
const encoder = new TextEncoder();

async function keyFor(secret: string, purpose: string): Promise<CryptoKey> {
	const base = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, [
		"deriveKey",
	]);
	return crypto.subtle.deriveKey(
		{ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info: encoder.encode(purpose) },
		base,
		{ name: "HMAC", hash: "SHA-256", length: 256 },
		false,
		["sign", "verify"],
	);
}

const hex = (bytes: ArrayBuffer) =>
	Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

/** `?expires=<unix seconds>&signature=<hex>` for `path`, valid until `expiresAt` (ms). */
export async function signPath(
	secret: string,
	purpose: string,
	path: string,
	expiresAt: number,
): Promise<string> {
	const expires = Math.floor(expiresAt / 1000);
	const signature = await crypto.subtle.sign(
		"HMAC",
		await keyFor(secret, purpose),
		encoder.encode(`${path}:${expires}`),
	);
	return `${path}?expires=${expires}&signature=${hex(signature)}`;
}

/** Whether `signature` signs `path` until `expires` (unix seconds) and that time is still ahead. */
export async function verifyPath(
	secret: string,
	purpose: string,
	path: string,
	expires: string | undefined,
	signature: string | undefined,
	now = Date.now(),
): Promise<boolean> {
	if (!expires || !/^\d{1,12}$/.test(expires) || !signature || !/^[0-9a-f]{64}$/.test(signature)) {
		return false;
	}
	if (Number(expires) * 1000 < now) return false;
	const bytes = new Uint8Array(32);
	for (let i = 0; i < 32; i++) bytes[i] = Number.parseInt(signature.slice(i * 2, i * 2 + 2), 16);
	// `verify` compares in constant time.
	return crypto.subtle.verify(
		"HMAC",
		await keyFor(secret, purpose),
		bytes,
		encoder.encode(`${path}:${expires}`),
	);
}
