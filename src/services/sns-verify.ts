/**
 * Decides whether a body posted to the public `POST /hooks/sns` is a genuine Amazon SNS message
 * for one of our topics, following AWS's "Verifying the signatures of Amazon SNS messages":
 *
 *   1. parse the JSON and require the fields its `Type` needs (else `malformed`);
 *   2. `SignatureVersion` "1" is RSASSA-PKCS1-v1_5 with SHA-1, "2" the same with SHA-256
 *      (else `unsupported_signature_version`);
 *   3. the `TopicArn` must be one we configured (`unknown_topic`), checked before any network;
 *   4. the `SigningCertURL` must be `https://sns.<region>.amazonaws.com[.cn]/….pem`
 *      (`untrusted_certificate_url`), checked before it is fetched;
 *   5. fetch the certificate (`certificate_unavailable`), take its public key, and verify the
 *      signature over the documented string-to-sign with WebCrypto (`bad_signature`).
 *
 * Every expected outcome is a tagged result, never an exception.
 *
 * Trust decisions, and why:
 * - The certificate is trusted because it was fetched over HTTPS from an AWS SNS host, which is
 *   exactly what AWS's own validators rely on (aws-php-sns-message-validator and the AWS SDKs
 *   check the URL's scheme, host and `.pem` suffix; none of them builds a chain). We do not check
 *   the chain either: the Workers TLS stack already authenticated the host that served it.
 * - Certificate validity dates are NOT enforced. AWS's validators do not check them, SNS keeps
 *   signing with a certificate until it rotates the URL, and a message is only as old as its
 *   delivery retries. (Every real signed fixture in `fixtures/sns/` uses an expired certificate.)
 * - `Timestamp` is not checked for freshness either: SNS retries deliveries for hours and the
 *   fixtures are years old. Replays are harmless because handling a message is idempotent.
 * - Extra certificate URL prefixes (`trustedLocalCertUrlPrefixes`) exist only for the local SES
 *   simulator and are empty in production.
 *
 * The body is read as an SNS message, and the string to sign built, in ./sns-message.ts; the
 * certificate is fetched, and its key read, in ./sns-certificates.ts.
 */
import {
	fetchCertificateOverHttps,
	loadPublicKey,
	type SnsCertificateFetcher,
} from "./sns-certificates.ts";
import { parseSnsMessage, type SnsMessage, stringToSign } from "./sns-message.ts";

export type SnsRejection =
	| "malformed"
	| "unsupported_signature_version"
	| "unknown_topic"
	| "untrusted_certificate_url"
	| "certificate_unavailable"
	| "bad_signature";

export type SnsVerification =
	| { ok: true; message: SnsMessage }
	| { ok: false; reason: SnsRejection; detail: string };

export interface SnsVerifierOptions {
	/** Only messages from these topics are accepted. */
	topicArns: readonly string[];
	/** Returns the PEM text at a (checked) certificate URL; default: HTTPS fetch, cached. */
	fetchCertificate?: SnsCertificateFetcher;
	/** Extra certificate URL prefixes to trust, for the local SES simulator only; empty in production. */
	trustedLocalCertUrlPrefixes?: readonly string[];
}

export type SnsVerifier = (body: string) => Promise<SnsVerification>;

export function createSnsVerifier(options: SnsVerifierOptions): SnsVerifier {
	const topics = new Set(options.topicArns);
	const fetchCertificate = options.fetchCertificate ?? fetchCertificateOverHttps;
	const localPrefixes = options.trustedLocalCertUrlPrefixes ?? [];

	return async (body) => {
		const parsed = parseSnsMessage(body);
		if (!parsed.ok) return parsed;
		const { message } = parsed;

		if (!topics.has(message.TopicArn))
			return reject("unknown_topic", `topic ${message.TopicArn} is not one of ours`);

		const certUrl = message.SigningCertURL;
		if (!isAwsSnsCertUrl(certUrl) && !isTrustedLocalUrl(certUrl, localPrefixes))
			return reject("untrusted_certificate_url", `SigningCertURL ${certUrl} is not an AWS SNS URL`);

		const signature = decodeBase64(message.Signature);
		if (!signature) return reject("bad_signature", "Signature is not base64");

		const spki = await loadPublicKey(new URL(certUrl).href, fetchCertificate);
		if (!spki.ok) return reject("certificate_unavailable", spki.detail);

		const hash = message.SignatureVersion === "1" ? "SHA-1" : "SHA-256";
		const valid = await verifyWithSpki(spki.key, hash, signature, stringToSign(message));
		if (!valid.ok) return valid;
		if (!valid.verified) return reject("bad_signature", "the signature does not match the message");
		return { ok: true, message };
	};
}

/** `https://sns.<region>.amazonaws.com[.cn]/<file>.pem` on the default port, nothing else. */
export function isAwsSnsCertUrl(url: string): boolean {
	const parsed = parseAwsSnsUrl(url);
	if (!parsed) return false;
	return parsed.pathname.endsWith(".pem") && parsed.search === "" && parsed.hash === "";
}

/** For `SubscribeURL`: `https` on an `sns.<region>.amazonaws.com[.cn]` host, default port. */
export function isAwsSnsUrl(url: string): boolean {
	return parseAwsSnsUrl(url) !== undefined;
}

// Regions are `<2 letters>(-<word>)+-<digits>`: us-east-1, cn-north-1, us-gov-west-1. The URL
// parser lowercases the host, decodes percent-escapes and keeps a trailing dot, so an anchored
// match on `hostname` is exact.
const AWS_SNS_HOST = /^sns\.[a-z]{2}(?:-[a-z]+)+-\d+\.amazonaws\.com(?:\.cn)?$/;

function parseAwsSnsUrl(url: string): URL | undefined {
	const parsed = URL.parse(url);
	if (!parsed) return undefined;
	if (parsed.protocol !== "https:") return undefined;
	if (parsed.username !== "" || parsed.password !== "") return undefined;
	// `port` is "" for the scheme's default (an explicit :443 is normalized away).
	if (parsed.port !== "") return undefined;
	if (!AWS_SNS_HOST.test(parsed.hostname)) return undefined;
	return parsed;
}

/**
 * A configured local prefix is matched as an exact string prefix; the origin must match too, so
 * that a prefix written without a trailing slash (`http://localhost`) cannot be extended into
 * another host (`http://localhost.evil.test/…`), and credentials (`http://localhost:8025@evil.test/`)
 * are refused outright.
 */
/** A URL under one of the local prefixes, on the prefix's own origin (no userinfo tricks). */
export function isTrustedLocalUrl(url: string, prefixes: readonly string[]): boolean {
	const parsed = URL.parse(url);
	if (!parsed) return false;
	if (parsed.username !== "" || parsed.password !== "") return false;
	return prefixes.some(
		(prefix) => url.startsWith(prefix) && URL.parse(prefix)?.origin === parsed.origin,
	);
}

// ---------------------------------------------------------------------------------------------
// Signatures

type VerifyResult =
	| { ok: true; verified: boolean }
	| { ok: false; reason: SnsRejection; detail: string };

/**
 * RSASSA-PKCS1-v1_5 over the UTF-8 string to sign. A key WebCrypto will not import as RSA (an EC
 * certificate, a corrupt one) makes the certificate unusable, not the signature wrong.
 */
async function verifyWithSpki(
	spki: Uint8Array,
	hash: "SHA-1" | "SHA-256",
	signature: Uint8Array,
	signed: string,
): Promise<VerifyResult> {
	let key: CryptoKey;
	try {
		key = await crypto.subtle.importKey("spki", spki, { name: "RSASSA-PKCS1-v1_5", hash }, false, [
			"verify",
		]);
	} catch (cause) {
		return reject("certificate_unavailable", `the certificate's key is not RSA: ${String(cause)}`);
	}
	try {
		const data = new TextEncoder().encode(signed);
		return {
			ok: true,
			verified: await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, signature, data),
		};
	} catch {
		// A signature the key cannot even check (workerd answers `false` for a wrong length today;
		// a throw here would be the same verdict).
		return { ok: true, verified: false };
	}
}

function decodeBase64(text: string): Uint8Array | undefined {
	if (text === "" || !/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0)
		return undefined;
	return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function reject(
	reason: SnsRejection,
	detail: string,
): { ok: false; reason: SnsRejection; detail: string } {
	return { ok: false, reason, detail };
}
