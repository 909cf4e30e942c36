import { describe, expect, it } from "vitest";
import { awsError, client, ENDPOINT, minimalEmail, NOW, newSimulator, send } from "./support.ts";

const FULL_EMAIL = {
	FromEmailAddress: "Acme Billing <billing@acme.test>",
	Destination: {
		ToAddresses: ["ann@example.test", "Bob <bob@example.test>"],
		CcAddresses: ["cat@example.test"],
		BccAddresses: ["dan@example.test"],
	},
	ReplyToAddresses: ["support@acme.test"],
	Content: {
		Simple: {
			Subject: { Data: "Your invoice", Charset: "UTF-8" },
			Body: {
				Text: { Data: "Invoice attached.", Charset: "UTF-8" },
				Html: { Data: "<p>Invoice <b>attached</b>.</p>", Charset: "UTF-8" },
			},
			Headers: [
				{ Name: "List-Unsubscribe", Value: "<https://acme.test/u/1>" },
				{ Name: "X-Entity-Ref-ID", Value: "inv-42" },
			],
		},
	},
	EmailTags: [
		{ Name: "sendfleet_email_id", Value: "em_123-abc" },
		{ Name: "account", Value: "acct_9" },
	],
	ConfigurationSetName: "sendfleet",
};

describe("SendEmail", () => {
	it("answers 200 with an SES-shaped MessageId and stores every field", async () => {
		const sim = newSimulator();
		const response = await send(sim, FULL_EMAIL);

		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toMatch(/^application\/json/);
		const { MessageId } = (await response.json()) as { MessageId: string };
		const timeHex = NOW.getTime().toString(16).padStart(12, "0");
		expect(MessageId).toMatch(
			new RegExp(
				`^0100${timeHex}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-000000$`,
			),
		);

		const [stored, ...rest] = sim.store.listMessages();
		expect(rest).toEqual([]);
		expect(stored).toEqual({
			id: expect.any(String),
			messageId: MessageId,
			from: "Acme Billing <billing@acme.test>",
			to: ["ann@example.test", "Bob <bob@example.test>"],
			cc: ["cat@example.test"],
			bcc: ["dan@example.test"],
			replyTo: ["support@acme.test"],
			subject: "Your invoice",
			html: "<p>Invoice <b>attached</b>.</p>",
			text: "Invoice attached.",
			headers: [
				{ name: "List-Unsubscribe", value: "<https://acme.test/u/1>" },
				{ name: "X-Entity-Ref-ID", value: "inv-42" },
			],
			tags: [
				{ name: "sendfleet_email_id", value: "em_123-abc" },
				{ name: "account", value: "acct_9" },
			],
			configurationSetName: "sendfleet",
			attachments: [],
			receivedAt: "2026-03-04T05:06:07.890Z",
			awsAccountId: "000000000000",
			region: "us-east-1",
		});
	});

	it("stores absent optional members as empty lists and null", async () => {
		const sim = newSimulator();
		expect((await send(sim, minimalEmail())).status).toBe(200);
		expect(sim.store.listMessages()[0]).toMatchObject({
			cc: [],
			bcc: [],
			replyTo: [],
			html: null,
			text: "Hi there",
			headers: [],
			tags: [],
			configurationSetName: null,
			attachments: [],
		});
	});

	it("accepts a configuration set it has never heard of", async () => {
		const sim = newSimulator();
		const response = await send(sim, minimalEmail({ ConfigurationSetName: "no-such-set" }));
		expect(response.status).toBe(200);
		expect(sim.store.listMessages()[0]?.configurationSetName).toBe("no-such-set");
	});

	it("accepts exactly 50 recipients across To, Cc and Bcc", async () => {
		const sim = newSimulator();
		const addresses = Array.from({ length: 50 }, (_, i) => `r${i}@example.test`);
		const response = await send(
			sim,
			minimalEmail({
				Destination: {
					ToAddresses: addresses.slice(0, 20),
					CcAddresses: addresses.slice(20, 40),
					BccAddresses: addresses.slice(40),
				},
			}),
		);
		expect(response.status).toBe(200);
	});

	const simple = (simpleOverrides: Record<string, unknown>) => ({
		Content: {
			Simple: {
				Subject: { Data: "Hello" },
				Body: { Text: { Data: "Hi" } },
				...simpleOverrides,
			},
		},
	});
	const nullAt = (path: string) =>
		`1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`;

	it.each([
		[
			"no FromEmailAddress",
			minimalEmail({ FromEmailAddress: undefined }),
			nullAt("fromEmailAddress"),
		],
		["no Destination", minimalEmail({ Destination: undefined }), nullAt("destination")],
		["no Content", minimalEmail({ Content: undefined }), nullAt("content")],
		["no Subject", minimalEmail(simple({ Subject: undefined })), nullAt("content.simple.subject")],
		[
			"a Subject without Data",
			minimalEmail(simple({ Subject: { Charset: "UTF-8" } })),
			nullAt("content.simple.subject.data"),
		],
		["no Body", minimalEmail(simple({ Body: undefined })), nullAt("content.simple.body")],
		["an empty Body", minimalEmail(simple({ Body: {} })), "Body must contain Text, Html or both."],
		[
			"no recipients",
			minimalEmail({ Destination: { ToAddresses: [] } }),
			"Destination must contain at least one recipient.",
		],
		[
			"51 recipients",
			minimalEmail({
				Destination: {
					ToAddresses: Array.from({ length: 50 }, (_, i) => `r${i}@example.test`),
					BccAddresses: ["one-too-many@example.test"],
				},
			}),
			"Recipient count exceeds 50.",
		],
		[
			"a recipient without a domain",
			minimalEmail({ Destination: { ToAddresses: ["nobody"] } }),
			"Missing final '@domain'",
		],
		[
			"a non-list ToAddresses",
			minimalEmail({ Destination: { ToAddresses: "a@example.test" } }),
			"1 validation error detected: Value at 'destination.toAddresses' must be a list",
		],
		[
			"a tag name with a dot",
			minimalEmail({ EmailTags: [{ Name: "email.id", Value: "x" }] }),
			"Invalid tag name <email.id>: only alphanumeric ASCII characters, '_', and '-' are allowed.",
		],
		[
			"a tag value with '@'",
			minimalEmail({ EmailTags: [{ Name: "to", Value: "a@b.test" }] }),
			"Invalid tag value <a@b.test>: only alphanumeric ASCII characters, '_', and '-' are allowed.",
		],
		[
			"a header value with a line break",
			minimalEmail(simple({ Headers: [{ Name: "X-Test", Value: "a\r\nBcc: x@evil.test" }] })),
			"Invalid value for header 'X-Test': printable ASCII only, 1 to 870 characters.",
		],
		[
			"a header name with a colon",
			minimalEmail(simple({ Headers: [{ Name: "X:Test", Value: "a" }] })),
			"Invalid header name 'X:Test': printable ASCII except ':' only, at most 126 characters.",
		],
		[
			"Raw content",
			minimalEmail({ Content: { Raw: { Data: "RnJvbTogYQ==" } } }),
			"Content.Raw is not supported by the SES simulator yet; use Content.Simple.",
		],
		[
			"both Simple and Raw content",
			minimalEmail({
				Content: { ...simple({}).Content, Raw: { Data: "RnJvbTogYQ==" } },
			}),
			"Content must contain exactly one of Simple, Raw or Template.",
		],
		["a body that is not JSON", "{not json", "The request body is not valid JSON."],
		["a JSON array", "[]", "The request body must be a JSON object."],
	])("answers 400 BadRequestException for %s", async (_, body, message) => {
		const sim = newSimulator();
		const response = await send(sim, body);
		expect(await awsError(response)).toEqual({ status: 400, code: "BadRequestException", message });
		expect(sim.store.listMessages()).toEqual([]);
	});

	it("answers 404 UnknownOperationException for an SES route it does not implement", async () => {
		const sim = newSimulator();
		const request = await client().sign(`${ENDPOINT}/v2/email/templates`, {
			method: "GET",
			aws: { datetime: "20260304T050607Z" },
		});
		expect(await awsError(await sim.fetch(request))).toEqual({
			status: 404,
			code: "UnknownOperationException",
			message: "The SES simulator does not implement GET /v2/email/templates.",
		});
	});
});
