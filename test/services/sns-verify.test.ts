import { afterEach, describe, expect, it } from "vitest";
import {
	createSnsVerifier,
	isAwsSnsCertUrl,
	isAwsSnsUrl,
	type SnsVerification,
} from "../../src/services/sns-verify.ts";
import {
	awsStringToSign,
	createLocalSigner,
	fixtureCertificateFetcher,
	type SnsFixture,
	snsDocExamples,
	snsFixtures,
} from "../helpers/sns-fixtures.ts";

const fixtures = snsFixtures();

function verifierFor(fixture: SnsFixture, topicArns = [fixture.topicArn]) {
	const fetcher = fixtureCertificateFetcher();
	return {
		verify: createSnsVerifier({ topicArns, fetchCertificate: fetcher.fetchCertificate }),
		calls: fetcher.calls,
	};
}

function withFields(fixture: SnsFixture, changes: Record<string, unknown>): string {
	return JSON.stringify({ ...fixture.fields, ...changes });
}

function fixtureNamed(part: string): SnsFixture {
	const fixture = fixtures.find((f) => f.message.includes(part));
	if (!fixture) throw new Error(`no fixture ${part}`);
	return fixture;
}

/** What a verified message must be: the signed and documented fields, URL keys normalized. */
function expectedMessage(fields: Record<string, unknown>) {
	const keys = [
		"Type",
		"MessageId",
		"TopicArn",
		"Subject",
		"Message",
		"Timestamp",
		"SignatureVersion",
		"Signature",
		"SigningCertURL",
		"UnsubscribeURL",
		"SubscribeURL",
		"Token",
	];
	const normalized: Record<string, unknown> = { ...fields };
	for (const key of ["SigningCertURL", "UnsubscribeURL", "SubscribeURL"]) {
		const lambdaKey = key.replace(/URL$/, "Url");
		if (normalized[lambdaKey] !== undefined) normalized[key] = normalized[lambdaKey];
	}
	return Object.fromEntries(
		keys.filter((k) => normalized[k] != null).map((k) => [k, normalized[k]]),
	);
}

describe("createSnsVerifier with real signed SNS messages", () => {
	it("has the ten fixtures the manifest lists, covering each case the brief names", () => {
		expect(fixtures).toHaveLength(10);
		expect(fixtures.filter((f) => f.signatureVersion === "1")).toHaveLength(6);
		expect(fixtures.filter((f) => f.signatureVersion === "2")).toHaveLength(4);
		expect(fixtures.filter((f) => f.type === "SubscriptionConfirmation")).toHaveLength(2);
		expect(fixtures.filter((f) => f.hasSubject)).toHaveLength(5);
		expect("SigningCertUrl" in fixtureNamed("lambdakeys").fields).toBe(true);
	});

	for (const fixture of fixtures) {
		it(`accepts ${fixture.message} (SignatureVersion ${fixture.signatureVersion})`, async () => {
			const { verify, calls } = verifierFor(fixture);
			const result = await verify(fixture.body);
			expect(result).toEqual({ ok: true, message: expectedMessage(fixture.fields) });
			expect(calls).toEqual([fixture.signingCertURL]);
		});
	}

	it("normalizes the Lambda-style SigningCertUrl and UnsubscribeUrl keys", async () => {
		const fixture = fixtureNamed("lambdakeys");
		const result = await verifierFor(fixture).verify(fixture.body);
		expect(result.ok && result.message).toEqual({
			Type: "Notification",
			MessageId: "5b324425-3d5e-4fdf-a3f6-f46b8f93df79",
			TopicArn: "arn:aws:sns:eu-west-1:382739154790:for_justeat_aws_specs",
			Subject: "sdfghdsfg",
			Message: "dfgdsfg",
			Timestamp: "2012-04-30T11:07:54.008Z",
			SignatureVersion: "1",
			Signature: fixture.fields.Signature,
			SigningCertURL:
				"https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
			UnsubscribeURL:
				"https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:eu-west-1:382739154790:for_justeat_aws_specs:674f4ab3-2d1d-4df9-b411-b8a336f0ef7d",
		});
	});

	it("leaves the unsigned MessageAttributes out of the string to sign and of the result", async () => {
		const fixture = fixtureNamed("msgattrs");
		const verify = verifierFor(fixture).verify;
		const result = await verify(fixture.body);
		expect(result.ok && "MessageAttributes" in result.message).toBe(false);
		const changed = await verify(withFields(fixture, { MessageAttributes: { x: 1 } }));
		expect(changed.ok).toBe(true);
	});

	it('treats "Subject": null as no Subject, and removing a signed Subject breaks the signature', async () => {
		const without = fixtureNamed("php2022-notification-sigv2.json");
		const withNull = await verifierFor(without).verify(withFields(without, { Subject: null }));
		expect(withNull).toEqual({ ok: true, message: expectedMessage(without.fields) });
		expect(withNull.ok && "Subject" in withNull.message).toBe(false);

		const withSubject = fixtureNamed("php2022-notification-sigv2-subject");
		expect(
			await verifierFor(withSubject).verify(withFields(withSubject, { Subject: null })),
		).toEqual({
			ok: false,
			reason: "bad_signature",
			detail: "the signature does not match the message",
		});
		expect(
			await verifierFor(without).verify(withFields(without, { Subject: "Hello world" })),
		).toMatchObject({ ok: false, reason: "bad_signature" });
	});
});

describe("tampering", () => {
	const signedFields = (fixture: SnsFixture) =>
		fixture.type === "Notification"
			? [
					"Message",
					"MessageId",
					...(fixture.hasSubject ? ["Subject"] : []),
					"Timestamp",
					"TopicArn",
				]
			: ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn"];

	/** Every one-character change: flip the low bit of each character, append one, drop the last. */
	function variants(value: string): string[] {
		const out: string[] = [];
		for (let i = 0; i < value.length; i++)
			out.push(
				value.slice(0, i) + String.fromCharCode(value.charCodeAt(i) ^ 1) + value.slice(i + 1),
			);
		out.push(`${value}x`, value.slice(0, -1));
		return out;
	}

	for (const fixture of fixtures) {
		it(`rejects every one-character change to each signed field of ${fixture.message}`, async () => {
			const fetcher = fixtureCertificateFetcher();
			const unexpected: [string, string, SnsVerification][] = [];
			let attempts = 0;
			let expectedAttempts = 0;
			for (const field of signedFields(fixture)) {
				const original = fixture.fields[field];
				if (typeof original !== "string") throw new Error(`${field} is not a string`);
				expectedAttempts += original.length + 2;
				for (const value of variants(original)) {
					attempts++;
					// A changed TopicArn must still be a configured topic, or it would stop earlier.
					const topicArns = [field === "TopicArn" ? value : fixture.topicArn];
					const verify = createSnsVerifier({
						topicArns,
						fetchCertificate: fetcher.fetchCertificate,
					});
					const result = await verify(withFields(fixture, { [field]: value }));
					if (!(result.ok === false && result.reason === "bad_signature"))
						unexpected.push([field, value, result]);
				}
			}
			expect(unexpected).toEqual([]);
			expect(attempts).toBe(expectedAttempts);
			expect(attempts).toBeGreaterThan(100);
			// One certificate URL, fetched once: the key is cached for the fetcher.
			expect(fetcher.calls).toEqual([fixture.signingCertURL]);
		});
	}

	it("rejects a changed Type: swapped confirmation kinds fail the signature, unknown kinds are malformed", async () => {
		const confirmation = fixtureNamed("subscriptionconfirmation-sigv2-a");
		const { verify } = verifierFor(confirmation);
		expect(
			await verify(withFields(confirmation, { Type: "UnsubscribeConfirmation" })),
		).toMatchObject({ ok: false, reason: "bad_signature" });
		const notification = fixtureNamed("php2022-notification-sigv1.json");
		expect(
			await verifierFor(notification).verify(withFields(notification, { Type: "Notificatiom" })),
		).toEqual({
			ok: false,
			reason: "malformed",
			detail: 'Type "Notificatiom" is not an SNS message type',
		});
	});

	for (const fixture of fixtures) {
		it(`rejects a changed or truncated Signature on ${fixture.message}`, async () => {
			const { verify } = verifierFor(fixture);
			const signature = String(fixture.fields.Signature);
			const flipped = (signature[10] === "A" ? "B" : "A") as string;
			const changed = signature.slice(0, 10) + flipped + signature.slice(11);
			expect(await verify(withFields(fixture, { Signature: changed }))).toEqual({
				ok: false,
				reason: "bad_signature",
				detail: "the signature does not match the message",
			});
			expect(await verify(withFields(fixture, { Signature: signature.slice(4) }))).toEqual({
				ok: false,
				reason: "bad_signature",
				detail: "the signature does not match the message",
			});
			expect(await verify(withFields(fixture, { Signature: `${signature.slice(1)}!` }))).toEqual({
				ok: false,
				reason: "bad_signature",
				detail: "Signature is not base64",
			});
		});
	}

	it("rejects a message whose SignatureVersion was switched between 1 and 2", async () => {
		for (const fixture of [
			fixtureNamed("php2022-notification-sigv1.json"),
			fixtureNamed("php2022-notification-sigv2.json"),
		]) {
			const other = fixture.signatureVersion === "1" ? "2" : "1";
			expect(
				await verifierFor(fixture).verify(withFields(fixture, { SignatureVersion: other })),
			).toMatchObject({ ok: false, reason: "bad_signature" });
		}
	});

	it("rejects a genuine message checked against another genuine SNS certificate", async () => {
		const fixture = fixtureNamed("php2022-notification-sigv1.json");
		const elsewhere = fixtureNamed("php2017-notification-sigv1.json").signingCertURL;
		expect(
			await verifierFor(fixture).verify(withFields(fixture, { SigningCertURL: elsewhere })),
		).toMatchObject({ ok: false, reason: "bad_signature" });
	});
});

describe("certificate URL", () => {
	const forged = [
		"http://sns.us-east-1.amazonaws.com/x.pem",
		"https://sns.us-east-1.amazonaws.com.evil.test/x.pem",
		"https://evil.test/sns.us-east-1.amazonaws.com/x.pem",
		"https://evil.test/?sns.us-east-1.amazonaws.com.pem",
		"https://sns.us-east-1.amazonaws.com/x.txt",
		"https://user@sns.us-east-1.amazonaws.com/x.pem",
		"https://user:pw@sns.us-east-1.amazonaws.com/x.pem",
		"https://sns.us-east-1.amazonaws.com:8443/x.pem",
		"https://snsXus-east-1.amazonaws.com/x.pem",
		"https://sns.us-east-1.amazonaws.com./x.pem",
		"https://sns.us-east-1.amazonaws.com/x.pem?x=1",
		"https://sns.us-east-1.amazonaws.com/x.pem#x",
		"https://sns.amazonaws.com/x.pem",
		"https://xsns.us-east-1.amazonaws.com/x.pem",
		"https://sns.us-east-1.amazonaws.com.cn.evil.test/x.pem",
		"https://sns.us-east-1.amazonaws.com%2eevil.test/x.pem",
		"https://sns.evil.amazonaws.com/x.pem",
		"//sns.us-east-1.amazonaws.com/x.pem",
		"sns.us-east-1.amazonaws.com/x.pem",
		"",
	];

	for (const url of forged) {
		it(`refuses ${JSON.stringify(url)} without fetching it`, async () => {
			expect(isAwsSnsCertUrl(url)).toBe(false);
			const fixture = fixtureNamed("php2022-notification-sigv1.json");
			const { verify, calls } = verifierFor(fixture);
			expect(await verify(withFields(fixture, { SigningCertURL: url }))).toEqual({
				ok: false,
				reason: "untrusted_certificate_url",
				detail: `SigningCertURL ${url} is not an AWS SNS URL`,
			});
			expect(calls).toEqual([]);
		});
	}

	it("accepts SNS certificate URLs of every partition", () => {
		for (const url of [
			"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
			"https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem",
			"https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-abc.pem",
			"https://sns.ap-southeast-2.amazonaws.com/x.pem",
			"https://sns.us-east-1.amazonaws.com:443/x.pem",
			...fixtures.map((f) => f.signingCertURL),
		])
			expect([url, isAwsSnsCertUrl(url)]).toEqual([url, true]);
	});

	it("isAwsSnsUrl accepts the fixtures' SubscribeURLs and refuses other hosts and schemes", () => {
		const subscribeUrls = fixtures
			.map((f) => f.fields.SubscribeURL)
			.filter((u) => typeof u === "string");
		expect(subscribeUrls).toHaveLength(2);
		for (const url of subscribeUrls) expect(isAwsSnsUrl(url)).toBe(true);
		for (const url of [
			"http://sns.eu-central-1.amazonaws.com/?Action=ConfirmSubscription",
			"https://sns.eu-central-1.amazonaws.com.evil.test/?Action=ConfirmSubscription",
			"https://evil.test/?sns.eu-central-1.amazonaws.com",
			"https://a@sns.eu-central-1.amazonaws.com/",
			"https://sns.eu-central-1.amazonaws.com:8443/",
			"not a url",
		])
			expect([url, isAwsSnsUrl(url)]).toEqual([url, false]);
	});
});

describe("topic, shape and version checks", () => {
	it("rejects an unknown topic without fetching the certificate", async () => {
		for (const fixture of fixtures) {
			const { verify, calls } = verifierFor(fixture, [
				"arn:aws:sns:us-east-1:000000000000:sendfleet",
			]);
			expect(await verify(fixture.body)).toEqual({
				ok: false,
				reason: "unknown_topic",
				detail: `topic ${fixture.topicArn} is not one of ours`,
			});
			expect(calls).toEqual([]);
		}
	});

	it("checks the topic before the certificate URL", async () => {
		const fixture = fixtureNamed("php2022-notification-sigv1.json");
		const { verify, calls } = verifierFor(fixture, []);
		const result = await verify(withFields(fixture, { SigningCertURL: "https://evil.test/x.pem" }));
		expect(result).toMatchObject({ ok: false, reason: "unknown_topic" });
		expect(calls).toEqual([]);
	});

	it("rejects SignatureVersion 3 and other unknown versions without fetching", async () => {
		const fixture = fixtureNamed("php2022-notification-sigv2.json");
		const { verify, calls } = verifierFor(fixture);
		for (const version of ["3", "0", "", "2.0"])
			expect(await verify(withFields(fixture, { SignatureVersion: version }))).toEqual({
				ok: false,
				reason: "unsupported_signature_version",
				detail: `SignatureVersion ${JSON.stringify(version)} is not "1" or "2"`,
			});
		expect(calls).toEqual([]);
	});

	const notification = () => fixtureNamed("php2022-notification-sigv1.json");
	const confirmation = () => fixtureNamed("subscriptionconfirmation-sigv2-a");
	const malformed: [string, () => string, string][] = [
		["a body that is not JSON", () => "Type=Notification", "the body is not JSON"],
		["an empty body", () => "", "the body is not JSON"],
		["a JSON array", () => "[]", "the body is not a JSON object"],
		["JSON null", () => "null", "the body is not a JSON object"],
		["a JSON string", () => '"Notification"', "the body is not a JSON object"],
		["a missing Type", () => withFields(notification(), { Type: undefined }), "Type is missing"],
		["a numeric Type", () => withFields(notification(), { Type: 1 }), "Type is not a string"],
		[
			"a missing MessageId",
			() => withFields(notification(), { MessageId: undefined }),
			"MessageId is missing",
		],
		[
			"a missing TopicArn",
			() => withFields(notification(), { TopicArn: undefined }),
			"TopicArn is missing",
		],
		[
			"an object Message",
			() => withFields(notification(), { Message: { a: 1 } }),
			"Message is not a string",
		],
		[
			"a null Message",
			() => withFields(notification(), { Message: null }),
			"Message is not a string",
		],
		[
			"a missing Timestamp",
			() => withFields(notification(), { Timestamp: undefined }),
			"Timestamp is missing",
		],
		[
			"a missing Signature",
			() => withFields(notification(), { Signature: undefined }),
			"Signature is missing",
		],
		[
			"a numeric SignatureVersion",
			() => withFields(notification(), { SignatureVersion: 1 }),
			"SignatureVersion is not a string",
		],
		[
			"a missing SigningCertURL",
			() => withFields(notification(), { SigningCertURL: undefined }),
			"SigningCertURL is missing",
		],
		[
			"a numeric SigningCertURL",
			() => withFields(notification(), { SigningCertURL: 1 }),
			"SigningCertURL is not a string",
		],
		[
			"disagreeing SigningCertURL and SigningCertUrl",
			() =>
				withFields(notification(), { SigningCertUrl: "https://sns.us-east-1.amazonaws.com/x.pem" }),
			"SigningCertURL and SigningCertUrl disagree",
		],
		[
			"a numeric Subject",
			() => withFields(notification(), { Subject: 7 }),
			"Subject is not a string",
		],
		[
			"a confirmation without Token",
			() => withFields(confirmation(), { Token: undefined }),
			"Token is missing",
		],
		[
			"a confirmation without SubscribeURL",
			() => withFields(confirmation(), { SubscribeURL: undefined }),
			"SubscribeURL is missing",
		],
		[
			"two problems at once",
			() => withFields(notification(), { MessageId: undefined, Timestamp: 5 }),
			"MessageId is missing; Timestamp is not a string",
		],
	];
	for (const [name, body, detail] of malformed) {
		it(`answers malformed for ${name}`, async () => {
			const { verify, calls } = verifierFor(notification());
			expect(await verify(body())).toEqual({ ok: false, reason: "malformed", detail });
			expect(calls).toEqual([]);
		});
	}

	it("accepts the Lambda-style SubscribeUrl on a confirmation", async () => {
		const fixture = confirmation();
		const body = withFields(fixture, {
			SubscribeURL: undefined,
			SubscribeUrl: fixture.fields.SubscribeURL,
		});
		expect(await verifierFor(fixture).verify(body)).toEqual({
			ok: true,
			message: expectedMessage(fixture.fields),
		});
	});
});

describe("certificates", () => {
	const fixture = fixtureNamed("php2022-notification-sigv2-subject");

	it("answers certificate_unavailable when the fetch fails, and retries on the next message", async () => {
		let calls = 0;
		const fetchCertificate = async (): Promise<string> => {
			calls++;
			throw new Error("HTTP 503");
		};
		const verify = createSnsVerifier({ topicArns: [fixture.topicArn], fetchCertificate });
		const expected = {
			ok: false,
			reason: "certificate_unavailable",
			detail: `could not fetch ${fixture.signingCertURL}: Error: HTTP 503`,
		};
		expect(await verify(fixture.body)).toEqual(expected);
		expect(await verify(fixture.body)).toEqual(expected);
		expect(calls).toBe(2);
	});

	it("answers certificate_unavailable for a body that is not a PEM certificate", async () => {
		const truncatedPem = fixture.pem.replace(/[A-Za-z0-9+/=]{8}\n-----END/, "\n-----END");
		for (const pem of ["<html>not found</html>", "", truncatedPem]) {
			const verify = createSnsVerifier({
				topicArns: [fixture.topicArn],
				fetchCertificate: async () => pem,
			});
			expect(await verify(fixture.body)).toEqual({
				ok: false,
				reason: "certificate_unavailable",
				detail: `${fixture.signingCertURL} is not a PEM X.509 certificate`,
			});
		}
	});

	it("fetches each certificate once per fetcher and reuses its key", async () => {
		const fetcher = fixtureCertificateFetcher();
		const options = {
			topicArns: fixtures.map((f) => f.topicArn),
			fetchCertificate: fetcher.fetchCertificate,
		};
		for (const f of fixtures) expect((await createSnsVerifier(options)(f.body)).ok).toBe(true);
		for (const f of fixtures) expect((await createSnsVerifier(options)(f.body)).ok).toBe(true);
		expect(fetcher.calls).toEqual([...new Set(fixtures.map((f) => f.signingCertURL))]);
		expect(fetcher.calls).toHaveLength(5);
	});
});

describe("the default certificate fetcher", () => {
	const original = globalThis.fetch;
	afterEach(() => {
		globalThis.fetch = original;
	});

	/** Serves `fetch` from a function, recording each request and its init. */
	function serveFetch(respond: (url: string) => Response) {
		const requests: { url: string; redirect: string | undefined }[] = [];
		globalThis.fetch = async (input, init) => {
			const url = input instanceof Request ? input.url : String(input);
			requests.push({ url, redirect: init?.redirect });
			return respond(url);
		};
		return requests;
	}

	// The default fetcher's key cache lives for the isolate: each case uses its own certificate URL.
	it("fetches over HTTPS without following redirects, then serves the key from its cache", async () => {
		const fixture = fixtureNamed("php2017-notification-sigv1.json");
		const requests = serveFetch(() => new Response(fixture.pem, { status: 200 }));
		const verify = createSnsVerifier({ topicArns: [fixture.topicArn] });
		expect(await verify(fixture.body)).toEqual({
			ok: true,
			message: expectedMessage(fixture.fields),
		});
		expect(requests).toEqual([{ url: fixture.signingCertURL, redirect: "manual" }]);

		serveFetch(() => {
			throw new Error("the network must not be used again");
		});
		expect((await verify(fixture.body)).ok).toBe(true);
	});

	for (const [status, part] of [
		[404, "perl2015"],
		[301, "lambdakeys"],
		[500, "subscriptionconfirmation-sigv2-b"],
	] as const) {
		it(`answers certificate_unavailable when the certificate URL answers ${status}`, async () => {
			const fixture = fixtureNamed(part);
			serveFetch(
				() =>
					new Response(fixture.pem, {
						status,
						headers: status === 301 ? { location: "https://evil.test/x.pem" } : {},
					}),
			);
			const verify = createSnsVerifier({ topicArns: [fixture.topicArn] });
			expect(await verify(fixture.body)).toEqual({
				ok: false,
				reason: "certificate_unavailable",
				detail: `could not fetch ${fixture.signingCertURL}: Error: HTTP ${status}`,
			});
		});
	}
});

describe("trusted local certificate URL prefixes (the SES simulator)", () => {
	const prefix = "http://127.0.0.1:8025/sns/";
	const certUrl = `${prefix}cert-1.pem`;
	const topicArn = "arn:aws:sns:us-east-1:000000000000:sendfleet-local";

	async function localMessage(version: "1" | "2") {
		const signer = await createLocalSigner();
		const fields = {
			Type: "Notification",
			MessageId: "c4e0d7f2-1b7a-4f7e-9a57-2f4b8d6c1e90",
			TopicArn: topicArn,
			Subject: "Amazon SES Email Event Notification",
			Message: '{"eventType":"Delivery","mail":{"messageId":"010f01"}}',
			Timestamp: "2026-01-02T03:04:05.678Z",
			SignatureVersion: version,
			SigningCertURL: certUrl,
		};
		const Signature = await signer.sign(awsStringToSign(fields), version);
		const calls: string[] = [];
		const fetchCertificate = async (url: string) => {
			calls.push(url);
			return signer.pem;
		};
		return {
			body: JSON.stringify({ ...fields, Signature }),
			fields,
			Signature,
			fetchCertificate,
			calls,
		};
	}

	it("verifies a message signed by a local key only when its prefix is configured", async () => {
		for (const version of ["1", "2"] as const) {
			const local = await localMessage(version);
			const untrusted = createSnsVerifier({
				topicArns: [topicArn],
				fetchCertificate: local.fetchCertificate,
			});
			expect(await untrusted(local.body)).toEqual({
				ok: false,
				reason: "untrusted_certificate_url",
				detail: `SigningCertURL ${certUrl} is not an AWS SNS URL`,
			});
			expect(local.calls).toEqual([]);

			const trusted = createSnsVerifier({
				topicArns: [topicArn],
				fetchCertificate: local.fetchCertificate,
				trustedLocalCertUrlPrefixes: [prefix],
			});
			expect(await trusted(local.body)).toEqual({
				ok: true,
				message: { ...local.fields, Signature: local.Signature },
			});
			expect(local.calls).toEqual([certUrl]);
			expect(
				await trusted(
					JSON.stringify({ ...local.fields, Message: "{}", Signature: local.Signature }),
				),
			).toEqual({
				ok: false,
				reason: "bad_signature",
				detail: "the signature does not match the message",
			});
		}
	});

	it("matches the prefix exactly and on the same origin", async () => {
		const local = await localMessage("2");
		for (const [configured, url] of [
			[prefix, "http://127.0.0.1:8025/other/cert-1.pem"],
			[prefix, "https://127.0.0.1:8025/sns/cert-1.pem"],
			["http://127.0.0.1:8025", "http://127.0.0.1:8025@evil.test/sns/cert-1.pem"],
			["http://127.0.0.1:8025", "http://127.0.0.1:80250/sns/cert-1.pem"],
			["http://localhost", "http://localhost.evil.test/sns/cert-1.pem"],
			["http://127.0.0.1:80", "http://127.0.0.1:8025/sns/cert-1.pem"],
		] as const) {
			const verify = createSnsVerifier({
				topicArns: [topicArn],
				fetchCertificate: local.fetchCertificate,
				trustedLocalCertUrlPrefixes: [configured],
			});
			expect(
				await verify(
					JSON.stringify({ ...local.fields, Signature: local.Signature, SigningCertURL: url }),
				),
			).toEqual({
				ok: false,
				reason: "untrusted_certificate_url",
				detail: `SigningCertURL ${url} is not an AWS SNS URL`,
			});
		}
		expect(local.calls).toEqual([]);
	});

	it("does not let a local key sign for an AWS certificate URL", async () => {
		const local = await localMessage("2");
		const fixture = fixtureNamed("php2022-notification-sigv2.json");
		const fetcher = fixtureCertificateFetcher();
		const verify = createSnsVerifier({
			topicArns: [topicArn],
			fetchCertificate: fetcher.fetchCertificate,
			trustedLocalCertUrlPrefixes: [prefix],
		});
		const body = JSON.stringify({
			...local.fields,
			Signature: local.Signature,
			SigningCertURL: fixture.signingCertURL,
		});
		expect(await verify(body)).toMatchObject({ ok: false, reason: "bad_signature" });
	});
});

describe("AWS documentation examples (unsigned placeholders)", () => {
	const examples = snsDocExamples();

	it("has the three examples", () => {
		expect(examples.map((e) => e.name).sort()).toEqual([
			"doc-examples-unsigned/aws-doc-notification.json",
			"doc-examples-unsigned/aws-doc-subscriptionconfirmation.json",
			"doc-examples-unsigned/aws-doc-unsubscribeconfirmation.json",
		]);
	});

	for (const example of examples) {
		it(`parses ${example.name} but never accepts it`, async () => {
			const fetcher = fixtureCertificateFetcher();
			const verify = createSnsVerifier({
				topicArns: ["arn:aws:sns:us-west-2:123456789012:MyTopic"],
				fetchCertificate: fetcher.fetchCertificate,
			});
			const result = await verify(example.body);
			expect(result).toMatchObject({ ok: false, reason: "bad_signature" });
		});
	}
});
