/**
 * JSON whose Uint8Array values are written as base64 strings, built as bytes: an SES request
 * carrying a 30 MB attachment becomes one 40 MB body, without a base64 string and a JSON string
 * of it held in memory on the way (src/lib/base64.ts says why that matters in a Worker).
 * Without any Uint8Array inside, it is plain `JSON.stringify`.
 */
import { base64Length, encodeBase64Into } from "./base64.ts";

export function jsonWithBytes(value: unknown): string | Uint8Array {
	const blobs: Uint8Array[] = [];
	// A marker no JSON text of ours can contain by chance: random, fresh per call.
	const marker = `__bytes_${crypto.randomUUID()}_`;
	const text = JSON.stringify(value, (_key, v: unknown) => {
		if (!(v instanceof Uint8Array)) return v;
		blobs.push(v);
		return `${marker}${blobs.length - 1}`;
	});
	if (blobs.length === 0) return text;

	const encoder = new TextEncoder();
	const pieces = text.split(new RegExp(`${marker}(\\d+)`));
	// Even pieces are JSON text; odd ones are the index of a blob, already inside quotes.
	const parts = pieces.map((piece, i) =>
		i % 2 === 0 ? encoder.encode(piece) : (blobs[Number(piece)] as Uint8Array),
	);
	const size = parts.reduce(
		(n, part, i) => n + (i % 2 === 0 ? part.length : base64Length(part.length)),
		0,
	);
	const out = new Uint8Array(size);
	let offset = 0;
	parts.forEach((part, i) => {
		if (i % 2 === 0) {
			out.set(part, offset);
			offset += part.length;
		} else offset = encodeBase64Into(part, out, offset);
	});
	return out;
}
