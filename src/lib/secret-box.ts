/**
 * Secrets at rest (webhook signing secrets, BYOC access keys): AES-256-GCM with a random 96-bit
 * IV per value, stored as base64 of IV ‖ ciphertext ‖ tag. The key ring is a Worker secret
 * (`WEBHOOK_SECRET_KEY`, `BYOC_SECRET_KEY`): one or more base64 32-byte keys, comma-separated.
 * The first key encrypts; every key is tried to decrypt, so the key can be rotated without
 * downtime: put the new key first (`new,old`), let values be re-encrypted (a webhook's next
 * rotation, a BYOC connection's next save), then drop the old key.
 */

const IV_BYTES = 12;

function fromBase64(value: string): Uint8Array {
	return Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
}

function toBase64(bytes: Uint8Array): string {
	let text = "";
	for (const b of bytes) text += String.fromCharCode(b);
	return btoa(text);
}

export interface SecretBox {
	seal(plaintext: string): Promise<string>;
	open(sealed: string): Promise<string>;
}

/**
 * A box over the comma-separated key ring; throws at once if a key is not 32 bytes of base64.
 * `name` is the secret's, for the error message.
 */
export async function createSecretBox(
	keyRing: string,
	name = "WEBHOOK_SECRET_KEY",
): Promise<SecretBox> {
	const raw = keyRing
		.split(",")
		.map((k) => k.trim())
		.filter(Boolean);
	if (raw.length === 0) throw new Error(`${name} is not set.`);
	const keys = await Promise.all(
		raw.map((k) => {
			const bytes = fromBase64(k);
			if (bytes.length !== 32) throw new Error(`${name} keys must be 32 bytes, base64.`);
			return crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]);
		}),
	);
	const [current] = keys;
	if (!current) throw new Error(`${name} is not set.`);
	return {
		async seal(plaintext) {
			const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
			const sealed = await crypto.subtle.encrypt(
				{ name: "AES-GCM", iv },
				current,
				new TextEncoder().encode(plaintext),
			);
			const out = new Uint8Array(IV_BYTES + sealed.byteLength);
			out.set(iv);
			out.set(new Uint8Array(sealed), IV_BYTES);
			return toBase64(out);
		},
		async open(sealed) {
			const bytes = fromBase64(sealed);
			const iv = bytes.slice(0, IV_BYTES);
			const data = bytes.slice(IV_BYTES);
			for (const key of keys) {
				try {
					const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv }, key, data);
					return new TextDecoder().decode(plain);
				} catch {
					// Sealed with another key of the ring: try the next.
				}
			}
			throw new Error(`No key of ${name} opens this secret.`);
		},
	};
}
