/**
 * The real signed SNS messages and certificates of `shared/fixtures/sns/` (read by
 * vitest.config.ts into the `TEST_SNS_FIXTURES` binding, since workerd cannot read the disk), a
 * certificate fetcher that serves them and records its calls, and a way to sign messages with a
 * key made in the test, wrapped in a real self-signed X.509 certificate.
 *
 * The string to sign is built here independently of `src/services/sns-verify.ts`, from AWS's
 * documentation, so a mistake there cannot be mirrored here.
 */
import { env } from "cloudflare:workers";

export type SnsFixtureEntry = {
	message: string;
	cert: string;
	type: "Notification" | "SubscriptionConfirmation" | "UnsubscribeConfirmation";
	signatureVersion: "1" | "2";
	hasSubject: boolean;
	signingCertURL: string;
};

type SnsFixturesBinding = {
	manifest: { fixtures: SnsFixtureEntry[] };
	files: Record<string, string>;
};

function binding(): SnsFixturesBinding {
	return (env as unknown as { TEST_SNS_FIXTURES: SnsFixturesBinding }).TEST_SNS_FIXTURES;
}

function file(path: string): string {
	const text = binding().files[path];
	if (text === undefined) throw new Error(`no SNS fixture file ${path}`);
	return text;
}

export type SnsFixture = SnsFixtureEntry & {
	/** The message body, verbatim. */
	body: string;
	/** The body parsed, for tests that change one field. */
	fields: Record<string, unknown>;
	pem: string;
	topicArn: string;
};

/** Every validly signed message of the manifest, with its certificate. */
export function snsFixtures(): SnsFixture[] {
	return binding().manifest.fixtures.map((entry) => {
		const body = file(entry.message);
		const fields = JSON.parse(body) as Record<string, unknown>;
		const topicArn = fields.TopicArn;
		if (typeof topicArn !== "string") throw new Error(`${entry.message} has no TopicArn`);
		return { ...entry, body, fields, pem: file(entry.cert), topicArn };
	});
}

/** AWS's documentation examples: real shapes, placeholder signatures. */
export function snsDocExamples(): { name: string; body: string }[] {
	return Object.entries(binding().files)
		.filter(([path]) => path.startsWith("doc-examples-unsigned/") && path.endsWith(".json"))
		.map(([name, body]) => ({ name, body }));
}

/**
 * Serves the fixture certificate whose file name ends the URL (as SNS names them), like
 * `https://sns.<region>.amazonaws.com/<name>.pem` would; any other URL fails as a 404 would.
 */
export function fixtureCertificateFetcher() {
	const calls: string[] = [];
	const certs = new Map(
		Object.entries(binding().files)
			.filter(([path]) => path.startsWith("certs/"))
			.map(([path, pem]) => [path.slice("certs/".length), pem]),
	);
	const fetchCertificate = async (url: string): Promise<string> => {
		calls.push(url);
		const pem = certs.get(new URL(url).pathname.slice(1));
		if (pem === undefined) throw new Error(`404 for ${url}`);
		return pem;
	};
	return { fetchCertificate, calls };
}

// ---------------------------------------------------------------------------------------------
// Signing with a key made in the test

/** AWS's string to sign: `Key\nValue\n` for the listed keys, Subject only when present. */
export function awsStringToSign(fields: Record<string, string | undefined>): string {
	const keys =
		fields.Type === "Notification"
			? ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
			: ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"];
	return keys
		.filter((key) => fields[key] !== undefined)
		.map((key) => `${key}\n${fields[key]}\n`)
		.join("");
}

export type LocalSigner = {
	/** A self-signed X.509 v3 certificate for the key, as PEM. */
	pem: string;
	/** Base64 RSASSA-PKCS1-v1_5 signature of `data` with SHA-1 ("1") or SHA-256 ("2"). */
	sign: (data: string, version: "1" | "2") => Promise<string>;
};

export async function createLocalSigner(): Promise<LocalSigner> {
	const algorithm = {
		name: "RSASSA-PKCS1-v1_5",
		modulusLength: 2048,
		publicExponent: Uint8Array.of(1, 0, 1),
		hash: "SHA-256",
	};
	const pair = (await crypto.subtle.generateKey(algorithm, true, [
		"sign",
		"verify",
	])) as CryptoKeyPair;
	const pkcs8 = (await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer;
	const spki = new Uint8Array(
		(await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer,
	);
	const signBytes = async (data: Uint8Array, hash: "SHA-1" | "SHA-256") => {
		const key = await crypto.subtle.importKey(
			"pkcs8",
			pkcs8,
			{ name: algorithm.name, hash },
			false,
			["sign"],
		);
		return new Uint8Array(await crypto.subtle.sign(algorithm.name, key, data));
	};

	const name = seq(set(seq(oid(OID_COMMON_NAME), tlv(0x0c, utf8("SendFleet local SNS")))));
	const signatureAlgorithm = seq(oid(OID_SHA256_WITH_RSA), tlv(0x05));
	const tbs = seq(
		tlv(0xa0, tlv(0x02, Uint8Array.of(2))), // version v3
		tlv(0x02, Uint8Array.of(0x01, 0x23, 0x45, 0x67)), // serial number
		signatureAlgorithm,
		name, // issuer
		seq(tlv(0x17, utf8("250101000000Z")), tlv(0x17, utf8("350101000000Z"))), // validity
		name, // subject
		spki,
	);
	const signature = await signBytes(tbs, "SHA-256");
	const certificate = seq(tbs, signatureAlgorithm, tlv(0x03, Uint8Array.of(0), signature));
	const base64 = btoa(String.fromCharCode(...certificate));
	const lines = base64.match(/.{1,64}/g) ?? [];
	const pem = `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;

	return {
		pem,
		sign: async (data, version) => {
			const bytes = await signBytes(
				new TextEncoder().encode(data),
				version === "1" ? "SHA-1" : "SHA-256",
			);
			return btoa(String.fromCharCode(...bytes));
		},
	};
}

// A DER encoder just large enough for a certificate (X.690 §8.1: tag, length, content).
const OID_COMMON_NAME = [0x55, 0x04, 0x03]; // 2.5.4.3
const OID_SHA256_WITH_RSA = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]; // 1.2.840.113549.1.1.11

function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
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
const seq = (...parts: Uint8Array[]) => tlv(0x30, ...parts);
const set = (...parts: Uint8Array[]) => tlv(0x31, ...parts);
const oid = (bytes: number[]) => tlv(0x06, Uint8Array.from(bytes));
const utf8 = (text: string) => new TextEncoder().encode(text);
