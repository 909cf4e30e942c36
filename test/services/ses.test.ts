import { afterEach, describe, expect, it } from "vitest";
import { createSesSimulator } from "../../simulator/app.ts";
import { createSesClient, type SesSendEmailRequest } from "../../src/services/ses.ts";
import { toSesRequest } from "../../src/services/ses-request.ts";

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret-example" };
const config = {
	...credentials,
	region: "eu-west-1",
	endpoint: "https://ses.test",
	configurationSet: "sendfleet",
};
const original = globalThis.fetch;
afterEach(() => {
	globalThis.fetch = original;
});

/** Serves SES from the simulator and records what went over the wire. */
function captureSes() {
	const sim = createSesSimulator({ credentials, region: "eu-west-1" });
	const requests: { url: string; headers: Headers; body: string }[] = [];
	globalThis.fetch = async (input, init) => {
		const request = new Request(input, init);
		requests.push({
			url: request.url,
			headers: request.headers,
			body: await request.clone().text(),
		});
		return sim.fetch(request);
	};
	return { sim, requests };
}

const minimal: SesSendEmailRequest = {
	FromEmailAddress: "a@acme.com",
	Destination: { ToAddresses: ["b@example.org"] },
	Content: {
		Simple: {
			Subject: { Data: "Hi", Charset: "UTF-8" },
			Body: { Text: { Data: "Yo", Charset: "UTF-8" } },
		},
	},
	EmailTags: [{ Name: "sendfleet_email_id", Value: "x" }],
	ConfigurationSetName: "sendfleet",
};

describe("toSesRequest", () => {
	it("maps a stored email to SES v2 SendEmail JSON exactly", () => {
		const request = toSesRequest(
			{
				from: "Zoë Müller <zoe@acme.com>",
				to: ["b@example.org", "Acme, Inc. <c@example.org>"],
				cc: ["d@bücher.de"],
				bcc: null,
				replyTo: ["support@acme.com"],
				subject: "Your receipt",
				html: "<p>Thanks</p>",
				text: "Thanks",
				headers: { "X-Entity-Ref-ID": "42" },
				tags: [{ name: "category", value: "receipt" }],
			},
			{ emailId: "0192f1a4-7c3e-7d2a-9b1e-3f5a6c7d8e9f", configurationSet: "sendfleet" },
		);
		expect(request).toEqual({
			FromEmailAddress: "=?UTF-8?B?Wm/DqyBNw7xsbGVy?= <zoe@acme.com>",
			Destination: {
				ToAddresses: ["b@example.org", '"Acme, Inc." <c@example.org>'],
				CcAddresses: ["d@xn--bcher-kva.de"],
			},
			ReplyToAddresses: ["support@acme.com"],
			Content: {
				Simple: {
					Subject: { Data: "Your receipt", Charset: "UTF-8" },
					Body: {
						Text: { Data: "Thanks", Charset: "UTF-8" },
						Html: { Data: "<p>Thanks</p>", Charset: "UTF-8" },
					},
					Headers: [{ Name: "X-Entity-Ref-ID", Value: "42" }],
				},
			},
			EmailTags: [
				{ Name: "sendfleet_email_id", Value: "0192f1a4-7c3e-7d2a-9b1e-3f5a6c7d8e9f" },
				{ Name: "category", Value: "receipt" },
			],
			ConfigurationSetName: "sendfleet",
		});
	});
});

describe("SES client", () => {
	it("POSTs the JSON to /v2/email/outbound-emails signed with SigV4 for ses in the region", async () => {
		const { sim, requests } = captureSes();
		const outcome = await createSesClient(config).sendEmail(minimal);
		expect(outcome.kind).toBe("ok");
		const [request] = requests;
		expect(request?.url).toBe("https://ses.test/v2/email/outbound-emails");
		expect(JSON.parse(request?.body ?? "")).toEqual(minimal);
		const authorization = request?.headers.get("authorization") ?? "";
		const date = request?.headers.get("x-amz-date") ?? "";
		expect(date).toMatch(/^\d{8}T\d{6}Z$/);
		expect(authorization).toMatch(
			new RegExp(
				`^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${date.slice(0, 8)}/eu-west-1/ses/aws4_request, SignedHeaders=host;x-amz-date, Signature=[0-9a-f]{64}$`,
			),
		);
		// The simulator recomputes the signature with the same secret: it accepted the request.
		expect(sim.store.listMessages()).toHaveLength(1);
		if (outcome.kind === "ok")
			expect(outcome.value.MessageId).toBe(sim.store.listMessages()[0]?.messageId);
	});

	it("is refused by SES when signed with the wrong secret", async () => {
		captureSes();
		const outcome = await createSesClient({ ...config, secretAccessKey: "wrong" }).sendEmail(
			minimal,
		);
		expect(outcome).toMatchObject({ kind: "fail", code: "InvalidSignatureException" });
	});

	it.each([
		["TooManyRequestsException", 429, "retry"],
		["InternalFailure", 500, "retry"],
		["ServiceUnavailable", 503, "retry"],
		["SendingPausedException", 400, "retry"],
		["MessageRejected", 400, "fail"],
		["MailFromDomainNotVerifiedException", 400, "fail"],
		["BadRequestException", 400, "fail"],
		["NotFoundException", 404, "fail"],
	] as const)("classifies %s (%i) as %s", async (code, status, kind) => {
		const { sim } = captureSes();
		sim.addFault({ code, status, message: `simulated ${code}` });
		const outcome = await createSesClient(config).sendEmail(minimal);
		expect(outcome).toEqual({ kind, code, message: `simulated ${code}` });
	});

	it("reads the error code from __type when the header is absent", async () => {
		globalThis.fetch = async () =>
			new Response(
				JSON.stringify({ __type: "com.amazonaws.ses#MessageRejected", Message: "nope" }),
				{
					status: 400,
				},
			);
		expect(await createSesClient(config).sendEmail(minimal)).toEqual({
			kind: "fail",
			code: "MessageRejected",
			message: "nope",
		});
	});

	it("treats a network failure as retryable", async () => {
		globalThis.fetch = async () => {
			throw new TypeError("connection reset");
		};
		expect(await createSesClient(config).sendEmail(minimal)).toMatchObject({
			kind: "retry",
			code: "NetworkError",
		});
	});
});
