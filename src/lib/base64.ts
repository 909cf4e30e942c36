/**
 * Base64 for attachments, written for size: a 40 MB message passes through a Worker with a
 * 128 MB memory limit, so bytes are decoded straight into one Uint8Array and encoded straight
 * into a caller's buffer, with no intermediate binary string (`atob`/`btoa`) or copy.
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ENCODE = new TextEncoder().encode(ALPHABET);
const DECODE = new Int16Array(256).fill(-1);
ALPHABET.split("").forEach((ch, i) => {
	DECODE[ch.charCodeAt(0)] = i;
});
const PAD = 61; // "="

/** The length of `bytes` bytes in base64, padding included. */
export const base64Length = (bytes: number) => Math.ceil(bytes / 3) * 4;

/**
 * Standard base64 (RFC 4648 §4) to bytes, or null if it is not. Line breaks are skipped, as
 * MIME-wrapped base64 has them; padding is optional.
 */
export function decodeBase64(text: string): Uint8Array | null {
	let length = text.length;
	let breaks = 0;
	for (let i = 0; i < length; i++) {
		const c = text.charCodeAt(i);
		if (c === 10 || c === 13) breaks++;
	}
	while (length > 0 && text.charCodeAt(length - 1) === PAD) length--;
	const symbols = length - breaks;
	if (text.length - length > 2 || symbols % 4 === 1) return null;
	const out = new Uint8Array(Math.floor((symbols * 3) / 4));
	let buffer = 0;
	let bits = 0;
	let o = 0;
	for (let i = 0; i < length; i++) {
		const c = text.charCodeAt(i);
		if (c === 10 || c === 13) continue;
		const value = c < 256 ? (DECODE[c] ?? -1) : -1;
		if (value < 0) return null;
		buffer = (buffer << 6) | value;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (buffer >> bits) & 0xff;
		}
	}
	return out;
}

/** Writes `bytes` as base64 (padded) into `out` at `offset`; answers the offset after it. */
export function encodeBase64Into(bytes: Uint8Array, out: Uint8Array, offset: number): number {
	let o = offset;
	const whole = bytes.length - (bytes.length % 3);
	const at = (i: number) => bytes[i] ?? 0;
	const symbol = (v: number) => ENCODE[v & 63] ?? PAD;
	for (let i = 0; i < whole; i += 3) {
		const n = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
		out[o++] = symbol(n >> 18);
		out[o++] = symbol(n >> 12);
		out[o++] = symbol(n >> 6);
		out[o++] = symbol(n);
	}
	const rest = bytes.length - whole;
	if (rest > 0) {
		const n = (at(whole) << 16) | (rest === 2 ? at(whole + 1) << 8 : 0);
		out[o++] = symbol(n >> 18);
		out[o++] = symbol(n >> 12);
		out[o++] = rest === 2 ? symbol(n >> 6) : PAD;
		out[o++] = PAD;
	}
	return o;
}

/** `bytes` as a base64 string (for small payloads; large ones use `encodeBase64Into`). */
export function encodeBase64(bytes: Uint8Array): string {
	const out = new Uint8Array(base64Length(bytes.length));
	encodeBase64Into(bytes, out, 0);
	return new TextDecoder().decode(out);
}
