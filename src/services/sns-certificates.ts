/**
 * The certificates SNS signs with: fetched once per isolate and URL (the URL already checked by
 * ./sns-verify.ts), and their public keys read out.
 *
 * The public key is read from the certificate with a minimal DER walk (`spkiFromCertificate`)
 * rather than an X.509 library: we need one field, WebCrypto parses and validates the key
 * itself, and `@peculiar/x509` needs a `reflect-metadata` polyfill in workerd (its tsyringe
 * dependency: PeculiarVentures/x509#116). The walk only descends the fixed prefix of
 * `TBSCertificate` (RFC 5280 §4.1) and bounds-checks every length.
 */
import { decodeBase64 } from "../lib/base64.ts";

/** Fetches a certificate's PEM text; the default is fetchCertificateOverHttps. */
export type SnsCertificateFetcher = (url: string) => Promise<string>;

/** A certificate's public key, or why it could not be had (`certificate_unavailable`). */
type KeyResult = { ok: true; key: Uint8Array } | { ok: false; detail: string };

/**
 * Public keys (DER SubjectPublicKeyInfo) by certificate URL, one cache per fetcher: the default
 * fetcher's lives for the isolate, and a fetcher injected by a test gets its own, so tests never
 * see each other's keys. SNS uses a handful of certificates per region, so a small bound is plenty;
 * the oldest entry is evicted first (Map keeps insertion order).
 */
const keyCaches = new WeakMap<SnsCertificateFetcher, Map<string, Uint8Array>>();
const KEY_CACHE_LIMIT = 32;

export async function loadPublicKey(
	url: string,
	fetchCertificate: SnsCertificateFetcher,
): Promise<KeyResult> {
	let cache = keyCaches.get(fetchCertificate);
	if (!cache) {
		cache = new Map();
		keyCaches.set(fetchCertificate, cache);
	}
	const cached = cache.get(url);
	if (cached) return { ok: true, key: cached };

	let pem: string;
	try {
		pem = await fetchCertificate(url);
	} catch (cause) {
		return { ok: false, detail: `could not fetch ${url}: ${String(cause)}` };
	}
	const der = derFromPem(pem);
	const key = der && spkiFromCertificate(der);
	if (!key) return { ok: false, detail: `${url} is not a PEM X.509 certificate` };

	if (cache.size >= KEY_CACHE_LIMIT) {
		const oldest = cache.keys().next();
		if (!oldest.done) cache.delete(oldest.value);
	}
	cache.set(url, key);
	return { ok: true, key };
}

const CERTIFICATE_FETCH_TIMEOUT_MS = 5_000;
const CERTIFICATE_MAX_BYTES = 64 * 1024;

/**
 * The default fetcher. Redirects are refused (the URL we checked is the one we trust), and the
 * edge cache keeps the certificate for a day so a new isolate rarely goes to AWS.
 */
export async function fetchCertificateOverHttps(url: string): Promise<string> {
	const response = await fetch(url, {
		redirect: "manual",
		signal: AbortSignal.timeout(CERTIFICATE_FETCH_TIMEOUT_MS),
		cf: { cacheTtl: 86_400, cacheEverything: true },
	});
	if (response.status !== 200) {
		await response.body?.cancel();
		throw new Error(`HTTP ${response.status}`);
	}
	const length = Number(response.headers.get("content-length") ?? "0");
	if (length > CERTIFICATE_MAX_BYTES) {
		await response.body?.cancel();
		throw new Error(`certificate of ${length} bytes is too large`);
	}
	// PEM is ASCII. Decoded from bytes: the runtime's `text()` logs a warning for a body whose type
	// is not text, such as `application/x-pem-file` (the simulator's, and a common one for PEM).
	const text = new TextDecoder().decode(await response.arrayBuffer());
	if (text.length > CERTIFICATE_MAX_BYTES) throw new Error("certificate is too large");
	return text;
}

/** The first `CERTIFICATE` block of a PEM file (a chain file starts with the leaf). */
function derFromPem(pem: string): Uint8Array | undefined {
	const match = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
	if (!match?.[1]) return undefined;
	return decodeBase64(match[1].replace(/\s+/g, "")) ?? undefined;
}

type Tlv = { tag: number; headerStart: number; contentStart: number; end: number };

/**
 * One DER element at `offset`, not extending past `limit`. DER only: single-byte tags, definite
 * lengths of at most 4 length bytes (a certificate is far smaller than 4 GiB).
 */
function readTlv(bytes: Uint8Array, offset: number, limit: number): Tlv | undefined {
	const tag = bytes[offset];
	const first = bytes[offset + 1];
	if (tag === undefined || first === undefined || (tag & 0x1f) === 0x1f) return undefined;
	let length = first;
	let contentStart = offset + 2;
	if (first & 0x80) {
		const count = first & 0x7f;
		if (count === 0 || count > 4) return undefined;
		length = 0;
		for (let i = 0; i < count; i++) {
			const byte = bytes[contentStart + i];
			if (byte === undefined) return undefined;
			length = length * 256 + byte;
		}
		contentStart += count;
	}
	const end = contentStart + length;
	if (end > limit) return undefined;
	return { tag, headerStart: offset, contentStart, end };
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const VERSION = 0xa0; // [0] EXPLICIT Version, absent in v1 certificates

/**
 * The SubjectPublicKeyInfo of an X.509 certificate (RFC 5280 §4.1):
 *   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
 *   TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber INTEGER, signature
 *     AlgorithmIdentifier, issuer Name, validity Validity, subject Name,
 *     subjectPublicKeyInfo SEQUENCE, … }
 * Only the tags are checked on the way; WebCrypto's `importKey("spki")` validates the key.
 */
export function spkiFromCertificate(der: Uint8Array): Uint8Array | undefined {
	const certificate = readTlv(der, 0, der.length);
	if (certificate?.tag !== SEQUENCE || certificate.end !== der.length) return undefined;
	const tbs = readTlv(der, certificate.contentStart, certificate.end);
	if (tbs?.tag !== SEQUENCE) return undefined;

	let element = readTlv(der, tbs.contentStart, tbs.end);
	if (element?.tag === VERSION) element = readTlv(der, element.end, tbs.end);
	const expected = [INTEGER, SEQUENCE, SEQUENCE, SEQUENCE, SEQUENCE]; // serial … subject
	for (const tag of expected) {
		if (element?.tag !== tag) return undefined;
		element = readTlv(der, element.end, tbs.end);
	}
	if (element?.tag !== SEQUENCE) return undefined;
	return der.slice(element.headerStart, element.end);
}
