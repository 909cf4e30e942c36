/**
 * `/hooks/sns` against the real signed SNS messages of test/fixtures/sns, each sent to the
 * Worker's app with its topic configured and AWS's certificate host served from the fixtures.
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../../src/app.ts";
import type { Bindings } from "../../../src/env.ts";
import { snsFixtures } from "../../helpers/sns-fixtures.ts";

const app = createApp();
const original = globalThis.fetch;
const certFetches: string[] = [];
beforeEach(() => {
	certFetches.length = 0;
	const pems = new Map(snsFixtures().map((f) => [f.signingCertURL, f.pem]));
	globalThis.fetch = async (input, init) => {
		const url = new Request(input, init).url;
		if (/^https:\/\/sns\.[a-z0-9-]+\.amazonaws\.com\//.test(url)) {
			certFetches.push(url);
			const pem = pems.get(url);
			return pem ? new Response(pem) : new Response("Not Found", { status: 404 });
		}
		return original(input, init);
	};
});
afterEach(() => {
	globalThis.fetch = original;
});

async function post(body: string, topicArns: string) {
	const response = await app.fetch(
		new Request("https://api.sendfleet.test/hooks/sns", {
			method: "POST",
			headers: { "content-type": "text/plain; charset=UTF-8" },
			body,
		}),
		{ ...(env as Bindings), SNS_TOPIC_ARNS: topicArns, SNS_LOCAL_CERT_URL_PREFIX: "" },
		createExecutionContext(),
	);
	return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const notifications = snsFixtures().filter((f) => f.type === "Notification");

describe("POST /hooks/sns with AWS's real signed messages", () => {
	it.each(notifications.map((f) => [f.message, f] as const))(
		"accepts %s and acknowledges it (its Message is not SES feedback)",
		async (_, fixture) => {
			const res = await post(fixture.body, fixture.topicArn);
			expect(res).toEqual({ status: 200, json: { status: "ignored" } });
		},
	);

	it.each(notifications.map((f) => [f.message, f] as const))(
		"refuses %s with one byte changed",
		async (_, fixture) => {
			const tampered = { ...fixture.fields, Message: `${String(fixture.fields.Message)}!` };
			const res = await post(JSON.stringify(tampered), fixture.topicArn);
			expect(res.status).toBe(403);
			expect(res.json).toMatchObject({ statusCode: 403, name: "invalid_signature" });
			expect(res.json.message).toContain("bad_signature");
		},
	);

	it("refuses a genuine message for a topic we do not subscribe to, without fetching anything", async () => {
		const [fixture] = notifications;
		if (!fixture) throw new Error("no fixture");
		const res = await post(fixture.body, "arn:aws:sns:us-east-1:000000000000:someone-else");
		expect(res.status).toBe(403);
		expect(res.json.message).toContain("unknown_topic");
		expect(certFetches).toEqual([]);
	});

	it.each([
		"http://sns.us-east-2.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem",
		"https://sns.us-east-2.amazonaws.com.evil.test/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem",
		"https://evil.test/sns.us-east-2.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem",
		"https://sns.us-east-2.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.txt",
	])("refuses the certificate URL %s with 403 and fetches nothing", async (url) => {
		const fixture = notifications.find((f) => f.signingCertURL.includes("7ff53184"));
		if (!fixture) throw new Error("no fixture");
		const res = await post(
			JSON.stringify({ ...fixture.fields, SigningCertURL: url }),
			fixture.topicArn,
		);
		expect(res.status).toBe(403);
		expect(res.json.message).toContain("untrusted_certificate_url");
		expect(certFetches).toEqual([]);
	});

	it.each([
		["not JSON", "Hello"],
		["no Signature", JSON.stringify({ Type: "Notification", MessageId: "x" })],
		["an array", "[]"],
	])("answers 422 for %s", async (_, body) => {
		const res = await post(body, "arn:aws:sns:us-east-1:000000000000:x");
		expect(res.status).toBe(422);
		expect(res.json.message).toContain("malformed");
	});
});
