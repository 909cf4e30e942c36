// A signing identity made with WebCrypto: an RSA key pair wrapped in a real, self-signed X.509 v3
// certificate (PEM), the shape SNS serves at a message's `SigningCertURL`. The simulator signs
// its SNS messages with one; the Worker's tests use one to sign messages of their own.
//
// The certificate is encoded here with a DER writer just large enough for it (X.690 §8.1: tag,
// length, content), so no X.509 library is needed in workerd or Node.

export interface SigningIdentity {
	/** A self-signed X.509 v3 certificate for the key, as PEM. */
	pem: string;
	/** Base64 RSASSA-PKCS1-v1_5 signature of UTF-8 `data` with SHA-1 ("1") or SHA-256 ("2"). */
	sign: (data: string, version: "1" | "2") => Promise<string>;
}

export interface SigningIdentityOptions {
	/** The certificate's subject and issuer CN; default "SendFleet local SNS". */
	commonName?: string;
	/** Default 2025-01-01. */
	notBefore?: Date;
	/** Default 2035-01-01. */
	notAfter?: Date;
}

const RSA = "RSASSA-PKCS1-v1_5";

/** Generates an RSA 2048 key pair and a self-signed certificate for it. */
export async function createSigningIdentity(
	options: SigningIdentityOptions = {},
): Promise<SigningIdentity> {
	const pair = (await crypto.subtle.generateKey(
		{ name: RSA, modulusLength: 2048, publicExponent: Uint8Array.of(1, 0, 1), hash: "SHA-256" },
		true,
		["sign", "verify"],
	)) as CryptoKeyPair;
	const pkcs8 = (await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer;
	const spki = new Uint8Array(
		(await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer,
	);
	// A key is bound to one hash in WebCrypto: import the private key once per hash, on demand.
	const keys = new Map<"SHA-1" | "SHA-256", Promise<CryptoKey>>();
	const signBytes = async (data: Uint8Array<ArrayBuffer>, hash: "SHA-1" | "SHA-256") => {
		let key = keys.get(hash);
		if (key === undefined) {
			key = crypto.subtle.importKey("pkcs8", pkcs8, { name: RSA, hash }, false, ["sign"]);
			keys.set(hash, key);
		}
		return new Uint8Array(await crypto.subtle.sign(RSA, await key, data));
	};

	const name = seq(
		set(seq(oid(OID_COMMON_NAME), tlv(0x0c, utf8(options.commonName ?? "SendFleet local SNS")))),
	);
	const signatureAlgorithm = seq(oid(OID_SHA256_WITH_RSA), tlv(0x05));
	const tbs = seq(
		tlv(0xa0, tlv(0x02, Uint8Array.of(2))), // version v3
		tlv(0x02, serialNumber()),
		signatureAlgorithm,
		name, // issuer
		seq(
			time(options.notBefore ?? new Date("2025-01-01T00:00:00Z")),
			time(options.notAfter ?? new Date("2035-01-01T00:00:00Z")),
		),
		name, // subject
		spki,
	);
	const signature = await signBytes(tbs, "SHA-256");
	const certificate = seq(tbs, signatureAlgorithm, tlv(0x03, Uint8Array.of(0), signature));
	const lines = toBase64(certificate).match(/.{1,64}/g) ?? [];
	const pem = `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;

	return {
		pem,
		sign: async (data, version) =>
			toBase64(
				await signBytes(
					Uint8Array.from(new TextEncoder().encode(data)),
					version === "1" ? "SHA-1" : "SHA-256",
				),
			),
	};
}

/** The test helpers' name for a signing identity. */
export type LocalSigner = SigningIdentity;

/** A signing identity with the default names and dates (for the Worker's tests). */
export function createLocalSigner(): Promise<LocalSigner> {
	return createSigningIdentity();
}

function toBase64(bytes: Uint8Array): string {
	let binary = "";
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary);
}

/** A positive 8-byte INTEGER (RFC 5280 §4.1.2.2: unique per issuer, at most 20 bytes). */
function serialNumber(): Uint8Array {
	const bytes = crypto.getRandomValues(new Uint8Array(8));
	bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
	return bytes;
}

/** UTCTime before 2050, GeneralizedTime from 2050 on (RFC 5280 §4.1.2.5). */
function time(date: Date): Uint8Array {
	const digits = date.toISOString().replace(/[-:T]|\.\d{3}/g, ""); // yyyymmddhhmmssZ
	return date.getUTCFullYear() < 2050 ? tlv(0x17, utf8(digits.slice(2))) : tlv(0x18, utf8(digits));
}

const OID_COMMON_NAME = [0x55, 0x04, 0x03]; // 2.5.4.3
const OID_SHA256_WITH_RSA = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]; // 1.2.840.113549.1.1.11

function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
	const length = parts.reduce((sum, part) => sum + part.length, 0);
	const lengthBytes: number[] = [];
	for (let n = length; n > 0; n = Math.floor(n / 256)) lengthBytes.unshift(n % 256);
	const header = length < 0x80 ? [tag, length] : [tag, 0x80 | lengthBytes.length, ...lengthBytes];
	const out = new Uint8Array(header.length + length);
	out.set(header);
	let offset = header.length;
	for (const part of parts) {
		out.set(part, offset);
		offset += part.length;
	}
	return out;
}
const seq = (...parts: Uint8Array[]): Uint8Array<ArrayBuffer> => tlv(0x30, ...parts);
const set = (...parts: Uint8Array[]) => tlv(0x31, ...parts);
const oid = (bytes: number[]) => tlv(0x06, Uint8Array.from(bytes));
const utf8 = (text: string) => new TextEncoder().encode(text);
