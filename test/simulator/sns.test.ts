import { describe, expect, it } from "vitest";
import { spkiFromCertificate } from "../../src/services/sns-certificates.ts";
import { createSnsVerifier } from "../../src/services/sns-verify.ts";
import { awsStringToSign } from "../helpers/sns-fixtures.ts";
import {
	CERT_PREFIX,
	CERT_URL,
	DEFAULT_HOOK_URL,
	fakeWorker,
	pemOf,
	SES_ID,
	sendTo,
	sesEvents,
	snsHarness,
	TOPIC_ARN,
	UUID,
	workerVerifier,
} from "./sns-support.ts";
import { ENDPOINT, NOW, newSimulator } from "./support.ts";

const UNSUBSCRIBE_URL = /^https:\/\/ses\.simulator\.test\/sns\/unsubscribe\?SubscriptionArn=(.+)$/;
const SUBSCRIPTION_ARN = new RegExp(
	`^${TOPIC_ARN}:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`,
);

function get(sim: { fetch(r: Request): Promise<Response> }, url: string): Promise<Response> {
	return sim.fetch(new Request(url));
}

describe("SNS notifications", () => {
	it("are posted in SNS's HTTP format", async () => {
		const { sim, worker } = snsHarness();
		const message = await sendTo(sim, ["success@simulator.amazonses.com"]);
		await sim.sns.flush();

		expect(worker.posted).toHaveLength(1);
		const [posted] = worker.posted;
		const body = JSON.parse(posted?.body ?? "") as Record<string, string>;
		expect(posted?.url).toBe(DEFAULT_HOOK_URL);
		expect(posted?.method).toBe("POST");
		expect(posted?.headers).toEqual({
			"x-amz-sns-message-type": "Notification",
			"x-amz-sns-message-id": body.MessageId,
			"x-amz-sns-topic-arn": TOPIC_ARN,
			"x-amz-sns-subscription-arn": expect.stringMatching(SUBSCRIPTION_ARN),
			"content-type": "text/plain; charset=UTF-8",
			"user-agent": "Amazon Simple Notification Service Agent",
		});
		expect(Object.keys(body)).toEqual([
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
		]);
		expect(body).toEqual({
			Type: "Notification",
			MessageId: expect.stringMatching(UUID),
			TopicArn: TOPIC_ARN,
			Subject: "Amazon SES Email Event Notification",
			Message: expect.any(String),
			Timestamp: "2026-03-04T05:06:08.040Z",
			SignatureVersion: "2",
			Signature: expect.stringMatching(/^[A-Za-z0-9+/]{342}==$/),
			SigningCertURL: CERT_URL,
			UnsubscribeURL: expect.stringMatching(UNSUBSCRIBE_URL),
		});
		const arn = decodeURIComponent(UNSUBSCRIBE_URL.exec(body.UnsubscribeURL ?? "")?.[1] ?? "");
		expect(arn).toBe(posted?.headers["x-amz-sns-subscription-arn"]);
		// SNS writes `"Key" : "value"` lines; the Message is the SES event as compact JSON.
		expect(posted?.body.startsWith('{\n  "Type" : "Notification",\n  "MessageId" : "')).toBe(true);
		expect(body.Message).toBe(JSON.stringify(JSON.parse(body.Message ?? "")));
		expect(sesEvents(worker.posted)[0]).toMatchObject({
			eventType: "Delivery",
			mail: { messageId: message.messageId },
		});
	});

	it("use the configured topic, region and endpoint", async () => {
		const worker = fakeWorker();
		const sim = newSimulator({
			region: "eu-west-1",
			publicUrl: "http://127.0.0.1:9999/",
			sns: { endpoint: "http://127.0.0.1:8787/hooks/sns", deliver: worker.deliver },
		});
		expect(sim.sns.topicArn).toBe("arn:aws:sns:eu-west-1:000000000000:sendfleet-ses-events");
		expect(sim.sns.certUrl).toMatch(
			/^http:\/\/127\.0\.0\.1:9999\/sns\/SimpleNotificationService-[0-9a-f]{32}\.pem$/,
		);
		expect(sim.sns.endpoint).toBe("http://127.0.0.1:8787/hooks/sns");

		const custom = newSimulator({ sns: { topicArn: "arn:aws:sns:us-east-1:1:custom" } });
		expect(custom.sns.topicArn).toBe("arn:aws:sns:us-east-1:1:custom");
		expect(custom.sns.endpoint).toBeNull();
	});

	it("go to `endpoint` with deliver's URL when both are set", async () => {
		const { sim, worker } = snsHarness({
			sns: { endpoint: "http://127.0.0.1:8787/hooks/sns" },
		});
		await sendTo(sim, ["a@example.test"]);
		await sim.sns.flush();
		expect(worker.posted.map((p) => p.url)).toEqual(["http://127.0.0.1:8787/hooks/sns"]);
	});
});

describe("SNS signatures and the Worker's verifier", () => {
	it("verify when the simulator's certificate prefix and topic are trusted", async () => {
		const { sim, worker } = snsHarness();
		await sendTo(sim, ["complaint@simulator.amazonses.com", "bounce@simulator.amazonses.com"]);
		await sim.sns.flush();
		const subscription = await sim.sns.subscribe();
		const bodies = [...worker.posted.map((p) => p.body)];
		expect(bodies).toHaveLength(4);
		expect(subscription.body).toBe(bodies[3]);

		const { verify, certificateUrls } = workerVerifier(sim);
		for (const body of bodies) {
			const result = await verify(body);
			expect(result).toEqual({ ok: true, message: JSON.parse(body) });
		}
		// One certificate, fetched once from the simulator (the verifier caches keys).
		expect(certificateUrls).toEqual([sim.sns.certUrl]);
	});

	it("serve a real self-signed certificate at the SigningCertURL", async () => {
		const sim = newSimulator();
		const response = await get(sim, sim.sns.certUrl);
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toBe("application/x-pem-file");
		const pem = await pemOf(response);
		expect(pem).toMatch(
			/^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{64}\n)+[A-Za-z0-9+/=]{1,64}\n-----END CERTIFICATE-----\n$/,
		);
		expect(pem).toBe(await sim.sns.certificatePem());
		const der = Uint8Array.from(atob(pem.replace(/-----[A-Z ]+-----|\n/g, "")), (c) =>
			c.charCodeAt(0),
		);
		const spki = spkiFromCertificate(der);
		expect(spki).toBeDefined();
		const key = (await crypto.subtle.importKey(
			"spki",
			spki ?? new Uint8Array(),
			{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
			true,
			["verify"],
		)) as CryptoKey & { algorithm: { modulusLength: number } };
		expect(key.algorithm.modulusLength).toBe(2048);
		// Each simulator has its own key.
		expect(await newSimulator().sns.certificatePem()).not.toBe(pem);
	});

	it("are rejected by the production configuration (no local certificate prefix)", async () => {
		const { sim, worker } = snsHarness();
		await sendTo(sim, ["success@simulator.amazonses.com"]);
		await sim.sns.flush();
		const { verify, certificateUrls } = workerVerifier(sim, { trustedLocalCertUrlPrefixes: [] });
		expect(await verify(worker.posted[0]?.body ?? "")).toEqual({
			ok: false,
			reason: "untrusted_certificate_url",
			detail: `SigningCertURL ${sim.sns.certUrl} is not an AWS SNS URL`,
		});
		expect(certificateUrls).toEqual([]);
	});

	it("are rejected for another topic, and when the body was changed", async () => {
		const { sim, worker } = snsHarness();
		await sendTo(sim, ["bounce@simulator.amazonses.com"]);
		await sim.sns.flush();
		const body = worker.posted[0]?.body ?? "";

		const otherTopic = workerVerifier(sim, { topicArns: ["arn:aws:sns:us-east-1:1:other"] });
		expect(await otherTopic.verify(body)).toEqual({
			ok: false,
			reason: "unknown_topic",
			detail: `topic ${TOPIC_ARN} is not one of ours`,
		});

		const tampered = JSON.parse(body) as Record<string, string>;
		tampered.Message = (tampered.Message ?? "").replace('"Permanent"', '"Transient"');
		expect(tampered.Message).toContain('"Transient"');
		const { verify } = workerVerifier(sim);
		expect(await verify(JSON.stringify(tampered))).toEqual({
			ok: false,
			reason: "bad_signature",
			detail: "the signature does not match the message",
		});
	});

	it("sign() covers AWS's string to sign, built independently", async () => {
		const sim = newSimulator();
		const unsigned = {
			Type: "Notification" as const,
			MessageId: "6b0b2f1e-0c1d-4f6a-9d0e-1f2a3b4c5d6e",
			TopicArn: TOPIC_ARN,
			Subject: "Amazon SES Email Event Notification",
			Message: '{"eventType":"Delivery"}',
			Timestamp: "2026-03-04T05:06:07.890Z",
			UnsubscribeURL: "https://ses.simulator.test/sns/unsubscribe?SubscriptionArn=x",
		};
		const signed = await sim.sns.sign(unsigned);
		expect(signed).toEqual({
			...unsigned,
			SignatureVersion: "2",
			Signature: expect.any(String),
			SigningCertURL: CERT_URL,
		});

		const pem = await sim.sns.certificatePem();
		const der = Uint8Array.from(atob(pem.replace(/-----[A-Z ]+-----|\n/g, "")), (c) =>
			c.charCodeAt(0),
		);
		const key = await crypto.subtle.importKey(
			"spki",
			spkiFromCertificate(der) ?? new Uint8Array(),
			{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
			false,
			["verify"],
		);
		const signature = Uint8Array.from(atob(signed.Signature), (c) => c.charCodeAt(0));
		const verifies = (text: string) =>
			crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, signature, new TextEncoder().encode(text));
		expect(await verifies(awsStringToSign(unsigned))).toBe(true);
		expect(await verifies(awsStringToSign({ ...unsigned, Subject: undefined }))).toBe(false);

		const { verify } = workerVerifier(sim);
		expect((await verify(JSON.stringify(signed))).ok).toBe(true);
	});
});

describe("subscription confirmation", () => {
	it("posts a SubscriptionConfirmation whose SubscribeURL confirms the subscription", async () => {
		const { sim, worker } = snsHarness();
		expect(sim.sns.subscription()).toEqual({ confirmed: false });

		const sent = await sim.sns.subscribe();
		expect(sent.outcome).toBe("delivered");
		const [posted] = worker.posted;
		const body = JSON.parse(posted?.body ?? "") as Record<string, string>;
		expect(posted?.headers).toEqual({
			"x-amz-sns-message-type": "SubscriptionConfirmation",
			"x-amz-sns-message-id": body.MessageId,
			"x-amz-sns-topic-arn": TOPIC_ARN,
			"content-type": "text/plain; charset=UTF-8",
			"user-agent": "Amazon Simple Notification Service Agent",
		});
		expect(Object.keys(body)).toEqual([
			"Type",
			"MessageId",
			"Token",
			"TopicArn",
			"Message",
			"SubscribeURL",
			"Timestamp",
			"SignatureVersion",
			"Signature",
			"SigningCertURL",
		]);
		const token = body.Token ?? "";
		expect(token).toMatch(/^[0-9a-f]{128}$/);
		expect(body).toEqual({
			Type: "SubscriptionConfirmation",
			MessageId: expect.stringMatching(UUID),
			Token: token,
			TopicArn: TOPIC_ARN,
			Message: `You have chosen to subscribe to the topic ${TOPIC_ARN}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
			SubscribeURL: `https://ses.simulator.test/sns/confirm-subscription?Token=${token}`,
			Timestamp: NOW.toISOString(),
			SignatureVersion: "2",
			Signature: expect.any(String),
			SigningCertURL: CERT_URL,
		});
		expect((await workerVerifier(sim).verify(posted?.body ?? "")).ok).toBe(true);
		expect(sim.sns.subscription()).toEqual({ confirmed: false });

		const response = await get(sim, body.SubscribeURL ?? "");
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toBe("text/xml");
		const xml = await response.text();
		const arn = /<SubscriptionArn>([^<]+)<\/SubscriptionArn>/.exec(xml)?.[1];
		expect(arn).toMatch(SUBSCRIPTION_ARN);
		expect(xml).toMatch(
			/^<ConfirmSubscriptionResponse xmlns="http:\/\/sns\.amazonaws\.com\/doc\/2010-03-31\/">\n {2}<ConfirmSubscriptionResult>\n {4}<SubscriptionArn>[^<]+<\/SubscriptionArn>\n {2}<\/ConfirmSubscriptionResult>\n {2}<ResponseMetadata>\n {4}<RequestId>[0-9a-f-]{36}<\/RequestId>\n {2}<\/ResponseMetadata>\n<\/ConfirmSubscriptionResponse>\n$/,
		);
		expect(sim.sns.subscription()).toEqual({ confirmed: true, arn });

		// Confirming again answers the same ARN, as SNS does.
		const again = await (await get(sim, body.SubscribeURL ?? "")).text();
		expect(again).toContain(`<SubscriptionArn>${arn}</SubscriptionArn>`);
		// Notifications name the same subscription.
		await sendTo(sim, ["a@example.test"]);
		await sim.sns.flush();
		expect(worker.posted[1]?.headers["x-amz-sns-subscription-arn"]).toBe(arn);
	});

	it("refuses an unknown token with SNS's error", async () => {
		const { sim } = snsHarness();
		await sim.sns.subscribe();
		for (const url of [
			`${ENDPOINT}/sns/confirm-subscription?Token=${"0".repeat(128)}`,
			`${ENDPOINT}/sns/confirm-subscription`,
		]) {
			const response = await get(sim, url);
			expect(response.status).toBe(400);
			const xml = await response.text();
			expect(xml).toContain("<Code>InvalidParameter</Code>");
			expect(xml).toContain("<Message>Invalid parameter: Token</Message>");
		}
		expect(sim.sns.subscription()).toEqual({ confirmed: false });
	});

	it("is confirmed by an endpoint that fetches the SubscribeURL while handling the post", async () => {
		const holder: { sim?: ReturnType<typeof newSimulator> } = {};
		const sim = newSimulator({
			sns: {
				deliver: async (request) => {
					const body = JSON.parse(await request.text()) as { SubscribeURL?: string };
					if (body.SubscribeURL !== undefined && holder.sim !== undefined) {
						const answer = await holder.sim.fetch(new Request(body.SubscribeURL));
						return new Response(null, { status: answer.status === 200 ? 200 : 500 });
					}
					return new Response(null, { status: 200 });
				},
			},
		});
		holder.sim = sim;
		const sent = await sim.sns.subscribe();
		expect(sent.attempts.map((a) => a.status)).toEqual([200]);
		expect(sim.sns.subscription()).toMatchObject({ confirmed: true });
	});

	it("retries the confirmation while the endpoint cannot be reached", async () => {
		const { sim, worker } = snsHarness({
			answers: [new TypeError("fetch failed: ECONNREFUSED"), 503, 200],
		});
		const sent = await sim.sns.subscribe({ retryDelaysMs: [1, 1, 1] });
		expect(sent.outcome).toBe("delivered");
		expect(sent.attempts).toEqual([
			{ status: null, at: NOW.toISOString(), answer: "TypeError: fetch failed: ECONNREFUSED" },
			{ status: 503, at: NOW.toISOString(), answer: "refused with 503" },
			{ status: 200, at: NOW.toISOString(), answer: "ok" },
		]);
		// The same message each time, as SNS retries it.
		expect(new Set(worker.posted.map((p) => p.body)).size).toBe(1);
		expect(worker.posted).toHaveLength(3);
	});

	it("makes one attempt by default", async () => {
		const { sim, worker } = snsHarness({ answers: [502] });
		const sent = await sim.sns.subscribe();
		expect(sent.outcome).toBe("failed");
		expect(sent.attempts.map((a) => a.status)).toEqual([502]);
		expect(worker.posted).toHaveLength(1);
	});

	it("stops posting notifications after the UnsubscribeURL is visited, until confirmed again", async () => {
		const { sim, worker } = snsHarness();
		await sendTo(sim, ["a@example.test"]);
		await sim.sns.flush();
		const unsubscribeUrl = JSON.parse(worker.posted[0]?.body ?? "").UnsubscribeURL as string;

		expect((await get(sim, `${ENDPOINT}/sns/unsubscribe?SubscriptionArn=nope`)).status).toBe(404);
		const response = await get(sim, unsubscribeUrl);
		expect(response.status).toBe(200);
		expect(await response.text()).toContain("<UnsubscribeResponse");

		await sendTo(sim, ["b@example.test"]);
		expect(await sim.sns.flush()).toEqual([
			expect.objectContaining({ eventType: "Delivery", status: null, outcome: "recorded" }),
		]);
		expect(worker.posted).toHaveLength(1);

		const confirmation = await sim.sns.subscribe();
		await get(sim, JSON.parse(confirmation.body).SubscribeURL);
		await sendTo(sim, ["c@example.test"]);
		expect((await sim.sns.flush()).map((r) => r.status)).toEqual([200]);
		expect(worker.posted).toHaveLength(3);
	});
});

describe("delivery, flush and records", () => {
	it("posts nothing until flush() when `deliver` is set, then everything in order", async () => {
		const { sim, worker } = snsHarness();
		const first = await sendTo(sim, ["complaint@simulator.sendfleet.test"]);
		const second = await sendTo(sim, ["bounce@simulator.amazonses.com"]);
		await new Promise((resolve) => setTimeout(resolve, 250));
		expect(worker.posted).toEqual([]);
		expect(
			sim.sns.pending().map((p) => [p.eventType, p.messageId, p.recipients, p.timestamp]),
		).toEqual([
			[
				"Delivery",
				first.messageId,
				["complaint@simulator.sendfleet.test"],
				"2026-03-04T05:06:08.040Z",
			],
			[
				"Complaint",
				first.messageId,
				["complaint@simulator.sendfleet.test"],
				"2026-03-04T05:06:08.190Z",
			],
			["Bounce", second.messageId, ["bounce@simulator.amazonses.com"], "2026-03-04T05:06:07.990Z"],
		]);

		const results = await sim.sns.flush();
		expect(results).toEqual([
			{
				type: "Notification",
				eventType: "Delivery",
				messageId: first.messageId,
				snsMessageId: expect.stringMatching(UUID),
				status: 200,
				outcome: "delivered",
			},
			{
				type: "Notification",
				eventType: "Complaint",
				messageId: first.messageId,
				snsMessageId: expect.stringMatching(UUID),
				status: 200,
				outcome: "delivered",
			},
			{
				type: "Notification",
				eventType: "Bounce",
				messageId: second.messageId,
				snsMessageId: expect.stringMatching(UUID),
				status: 200,
				outcome: "delivered",
			},
		]);
		expect(worker.posted.map((p) => p.headers["x-amz-sns-message-id"])).toEqual(
			results.map((r) => r.snsMessageId),
		);
		expect(sim.sns.pending()).toEqual([]);
		expect(await sim.sns.flush()).toEqual([]);
		expect(worker.posted).toHaveLength(3);
	});

	it("records every posted notification so a body can be posted again", async () => {
		const { sim, worker } = snsHarness();
		await sendTo(sim, ["success@simulator.amazonses.com"]);
		await sim.sns.flush();
		const [record] = sim.sns.sent();
		expect(record).toEqual({
			type: "Notification",
			eventType: "Delivery",
			messageId: expect.stringMatching(SES_ID),
			recipients: ["success@simulator.amazonses.com"],
			snsMessageId: expect.stringMatching(UUID),
			url: DEFAULT_HOOK_URL,
			headers: worker.posted[0]?.headers,
			body: worker.posted[0]?.body,
			message: JSON.parse(worker.posted[0]?.body ?? ""),
			attempts: [{ status: 200, at: NOW.toISOString(), answer: "ok" }],
			outcome: "delivered",
		});

		// A duplicate, as SNS may deliver one: same bytes, same headers.
		const duplicate = new Request(record?.url ?? "", {
			method: "POST",
			headers: record?.headers,
			body: record?.body,
		});
		await worker.deliver(duplicate);
		expect(worker.posted[1]).toEqual(worker.posted[0]);
	});

	it("retries a non-2xx answer or a network error, then gives up and records it", async () => {
		const { sim, worker } = snsHarness({
			answers: [500, new TypeError("Network connection lost."), 200, 500, 500, 500, 404],
		});
		await sendTo(sim, ["a@example.test"]);
		await sendTo(sim, ["b@example.test"]);
		const results = await sim.sns.flush();
		expect(results.map((r) => [r.status, r.outcome])).toEqual([
			[200, "delivered"],
			[404, "failed"],
		]);
		const [first, second] = sim.sns.sent();
		expect(first?.attempts.map((a) => [a.status, a.answer])).toEqual([
			[500, "refused with 500"],
			[null, "TypeError: Network connection lost."],
			[200, "ok"],
		]);
		// Default policy: four attempts (three retries).
		expect(second?.attempts.map((a) => a.status)).toEqual([500, 500, 500, 404]);
		expect(second?.outcome).toBe("failed");
		expect(worker.posted).toHaveLength(7);
		expect(new Set(worker.posted.slice(3).map((p) => p.body)).size).toBe(1);
	});

	it("follows retryDelaysMs for the number of attempts", async () => {
		const { sim, worker } = snsHarness({ answers: [500, 500, 500], sns: { retryDelaysMs: [] } });
		await sendTo(sim, ["a@example.test"]);
		expect((await sim.sns.flush()).map((r) => [r.status, r.outcome])).toEqual([[500, "failed"]]);
		expect(worker.posted).toHaveLength(1);
	});

	it("posts by itself after delayMs with autoDeliver, retrying after the pauses", async () => {
		const { sim, worker } = snsHarness({
			answers: [503],
			sns: { autoDeliver: true, delayMs: 20, retryDelaysMs: [30] },
		});
		await sendTo(sim, ["complaint@simulator.amazonses.com"]);
		expect(worker.posted).toEqual([]);
		await waitFor(() => sim.sns.sent().filter((s) => s.outcome === "delivered").length === 2);
		expect(sesEvents(worker.posted).map((e) => e.eventType)).toEqual([
			"Delivery",
			"Delivery",
			"Complaint",
		]);
		expect(sim.sns.sent().map((s) => s.attempts.map((a) => a.status))).toEqual([[503, 200], [200]]);
		expect(sim.sns.pending()).toEqual([]);
	});

	it("posts up to `concurrency` automatic notifications at once, one at a time by default", async () => {
		const inFlightAtMost = async (concurrency?: number) => {
			let now = 0;
			let most = 0;
			const sim = newSimulator({
				sns: {
					autoDeliver: true,
					delayMs: 1,
					paused: true,
					...(concurrency ? { concurrency } : {}),
					deliver: async () => {
						now += 1;
						most = Math.max(most, now);
						await new Promise((resolve) => setTimeout(resolve, 10));
						now -= 1;
						return new Response("ok");
					},
				},
			});
			const to = Array.from({ length: 6 }, (_, i) => `r${i}@example.test`);
			for (const address of to) await sendTo(sim, [address]);
			sim.sns.resume();
			await waitFor(() => sim.sns.sent().filter((s) => s.outcome === "delivered").length === 6);
			return most;
		};
		expect(await inFlightAtMost()).toBe(1);
		expect(await inFlightAtMost(4)).toBe(4);
	});

	it("holds automatic delivery while paused, until resume()", async () => {
		const { sim, worker } = snsHarness({
			sns: { autoDeliver: true, delayMs: 1, paused: true },
		});
		await sendTo(sim, ["a@example.test"]);
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(worker.posted).toEqual([]);
		expect(sim.sns.pending()).toHaveLength(1);
		sim.sns.resume();
		await waitFor(() => worker.posted.length === 1);
		expect(sim.sns.sent().map((s) => s.outcome)).toEqual(["delivered"]);
	});

	it("stop() ends automatic delivery and pending retries", async () => {
		const { sim, worker } = snsHarness({
			answers: [500, 500, 500],
			sns: { autoDeliver: true, delayMs: 1, retryDelaysMs: [60_000, 60_000] },
		});
		await sendTo(sim, ["a@example.test"]);
		await waitFor(() => worker.posted.length === 1);
		sim.sns.stop();
		await waitFor(() => sim.sns.sent()[0]?.outcome === "failed");
		expect(worker.posted).toHaveLength(1);
		await sendTo(sim, ["b@example.test"]);
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(worker.posted).toHaveLength(1);
	});

	it("only records events when neither an endpoint nor deliver is set", async () => {
		const sim = newSimulator();
		const message = await sendTo(sim, ["bounce@simulator.sendfleet.test"]);
		expect(sim.sns.endpoint).toBeNull();
		expect(sim.sns.pending()).toEqual([
			{
				type: "Notification",
				eventType: "Bounce",
				messageId: message.messageId,
				recipients: ["bounce@simulator.sendfleet.test"],
				snsMessageId: expect.stringMatching(UUID),
				timestamp: "2026-03-04T05:06:07.990Z",
				event: expect.objectContaining({ eventType: "Bounce" }),
			},
		]);
		expect(await sim.sns.flush()).toEqual([
			{
				type: "Notification",
				eventType: "Bounce",
				messageId: message.messageId,
				snsMessageId: expect.stringMatching(UUID),
				status: null,
				outcome: "recorded",
			},
		]);
		const [record] = sim.sns.sent();
		expect(record?.attempts).toEqual([]);
		expect((await workerVerifier(sim).verify(record?.body ?? "")).ok).toBe(true);
	});

	it("clear() forgets queued and sent notifications", async () => {
		const { sim } = snsHarness();
		await sendTo(sim, ["a@example.test"]);
		await sim.sns.flush();
		await sendTo(sim, ["b@example.test"]);
		sim.sns.clear();
		expect(sim.sns.pending()).toEqual([]);
		expect(sim.sns.sent()).toEqual([]);
	});
});

describe("publish()", () => {
	const event = {
		eventType: "Bounce",
		bounce: {
			bounceType: "Permanent",
			bounceSubType: "General",
			bouncedRecipients: [
				{ emailAddress: "x@example.test", action: "failed", status: "5.1.1" },
				{ emailAddress: "y@example.test", action: "failed", status: "5.1.1" },
			],
			timestamp: "2026-03-04T05:00:00.000Z",
			feedbackId: "feedback-1",
		},
		mail: { messageId: "0100-out-of-order-000000", destination: ["x@example.test"] },
	};

	it("signs and posts an arbitrary SES event at once, outside the queue", async () => {
		const { sim, worker } = snsHarness();
		await sendTo(sim, ["a@example.test"]);
		const sent = await sim.sns.publish(event);
		expect(sim.sns.pending()).toHaveLength(1);
		expect(worker.posted).toHaveLength(1);
		expect(sent).toMatchObject({
			type: "Notification",
			eventType: "Bounce",
			messageId: "0100-out-of-order-000000",
			recipients: ["x@example.test", "y@example.test"],
			outcome: "delivered",
			attempts: [{ status: 200, at: NOW.toISOString(), answer: "ok" }],
		});
		const body = JSON.parse(worker.posted[0]?.body ?? "") as Record<string, string>;
		expect(JSON.parse(body.Message ?? "")).toEqual(event);
		expect(body.Timestamp).toBe(NOW.toISOString());
		expect(body.Subject).toBe("Amazon SES Email Event Notification");
		expect((await workerVerifier(sim).verify(sent.body)).ok).toBe(true);
	});

	it("can leave out the Subject, which the signature then leaves out too", async () => {
		const { sim, worker } = snsHarness();
		const sent = await sim.sns.publish(
			{
				notificationType: "Delivery",
				mail: { messageId: "m-1" },
				delivery: { recipients: ["z@example.test"] },
			},
			{ subject: null },
		);
		expect(sent).toMatchObject({
			eventType: "Delivery",
			messageId: "m-1",
			recipients: ["z@example.test"],
		});
		expect(Object.keys(JSON.parse(worker.posted[0]?.body ?? ""))).not.toContain("Subject");
		expect((await workerVerifier(sim).verify(sent.body)).ok).toBe(true);
	});

	it("retries like the queue does", async () => {
		const { sim } = snsHarness({ answers: [500, 200] });
		const sent = await sim.sns.publish(event);
		expect(sent.attempts.map((a) => a.status)).toEqual([500, 200]);
		expect(sent.outcome).toBe("delivered");
	});
});

describe("GET /_simulator/sns", () => {
	it("shows the topic, the subscription and the notifications", async () => {
		const { sim } = snsHarness();
		await sendTo(sim, ["a@example.test"]);
		await sim.sns.flush();
		await sendTo(sim, ["b@example.test"]);
		const response = await get(sim, `${ENDPOINT}/_simulator/sns`);
		expect(response.status).toBe(200);
		const json = (await response.json()) as Record<string, unknown>;
		expect(json).toEqual({
			topicArn: TOPIC_ARN,
			certUrl: CERT_URL,
			endpoint: DEFAULT_HOOK_URL,
			subscription: { confirmed: false },
			pending: [expect.objectContaining({ recipients: ["b@example.test"] })],
			sent: [
				expect.objectContaining({
					recipients: ["a@example.test"],
					outcome: "delivered",
					body: sim.sns.sent()[0]?.body,
				}),
			],
		});
		expect(Object.keys((json.sent as object[])[0] ?? {})).not.toContain("message");
	});
});

describe("a verifier made with the simulator's settings", () => {
	it("accepts exactly the simulator's prefix", async () => {
		const { sim, worker } = snsHarness();
		await sendTo(sim, ["a@example.test"]);
		await sim.sns.flush();
		const body = worker.posted[0]?.body ?? "";
		const verifier = (prefix: string) =>
			createSnsVerifier({
				topicArns: [TOPIC_ARN],
				trustedLocalCertUrlPrefixes: [prefix],
				fetchCertificate: async (url) => pemOf(await sim.fetch(new Request(url))),
			});
		expect((await verifier(CERT_PREFIX)(body)).ok).toBe(true);
		expect(await verifier("https://ses.simulator.test/other/")(body)).toMatchObject({
			ok: false,
			reason: "untrusted_certificate_url",
		});
	});
});

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error("timed out waiting for the condition");
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}
