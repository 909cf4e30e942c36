/**
 * The real signed SNS messages and certificates of `test/fixtures/sns/` (read by
 * vitest.config.ts into the `TEST_SNS_FIXTURES` binding, since workerd cannot read the disk), a
 * certificate fetcher that serves them and records its calls, and a way to sign messages with a
 * key made in the test, wrapped in a real self-signed X.509 certificate (built by
 * `simulator/x509.ts`, which the SES simulator signs its own SNS messages with).
 *
 * The string to sign is built here independently of `src/services/sns-message.ts`, from AWS's
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

/** A key made in the test and its self-signed certificate (the simulator's builder). */
export { createLocalSigner, type LocalSigner } from "../../simulator/x509.ts";
