import { describe, expect, it } from "vitest";
import { awsError, ENDPOINT, HOUR_MS, NOW, sesHarness } from "./support.ts";

const DKIM_TOKEN = /^[a-z2-7]{32}$/;
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

async function created(domain = "acme.com") {
	const h = sesHarness();
	const response = await h.v2("POST", "/v2/email/identities", { EmailIdentity: domain });
	expect(response.status).toBe(200);
	const body = (await response.json()) as { DkimAttributes: { Tokens: string[] } };
	return { ...h, tokens: body.DkimAttributes.Tokens };
}

describe("CreateEmailIdentity", () => {
	it("answers the SES v2 shape with three Easy DKIM tokens", async () => {
		const h = sesHarness();
		const response = await h.v2("POST", "/v2/email/identities", { EmailIdentity: "acme.com" });
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toBe("application/json");
		expect(response.headers.get("x-amzn-RequestId")).toMatch(/^[0-9a-f-]{36}$/);
		const body = (await response.json()) as { DkimAttributes: { Tokens: string[] } };
		expect(body).toEqual({
			IdentityType: "DOMAIN",
			VerifiedForSendingStatus: false,
			DkimAttributes: {
				SigningEnabled: true,
				Status: "NOT_STARTED",
				Tokens: [
					expect.stringMatching(DKIM_TOKEN),
					expect.stringMatching(DKIM_TOKEN),
					expect.stringMatching(DKIM_TOKEN),
				],
				SigningHostedZone: "dkim.amazonses.com",
				SigningAttributesOrigin: "AWS_SES",
				NextSigningKeyLength: "RSA_2048_BIT",
				CurrentSigningKeyLength: "RSA_2048_BIT",
				LastKeyGenerationTimestamp: NOW_SECONDS,
			},
		});
		expect(new Set(body.DkimAttributes.Tokens).size).toBe(3);
		expect(h.sim.domains.get("acme.com")?.dkimTokens).toEqual(body.DkimAttributes.Tokens);
	});

	it("answers 400 AlreadyExistsException for an existing identity, in any case", async () => {
		const h = await created("acme.com");
		const again = await h.v2("POST", "/v2/email/identities", { EmailIdentity: "ACME.com" });
		expect(await awsError(again)).toEqual({
			status: 400,
			code: "AlreadyExistsException",
			message: "Email identity acme.com already exist.",
		});
		expect(h.sim.domains.get("acme.com")?.dkimTokens).toEqual(h.tokens);
	});

	it.each([
		[
			{},
			"1 validation error detected: Value null at 'emailIdentity' failed to satisfy constraint: Member must not be null",
		],
		[
			{ EmailIdentity: 42 },
			"1 validation error detected: Value at 'emailIdentity' must be a string",
		],
		[{ EmailIdentity: "not a domain" }, "Invalid domain name: not a domain"],
		[{ EmailIdentity: "localhost" }, "Invalid domain name: localhost"],
		[
			{ EmailIdentity: "me@acme.com" },
			"The SES simulator supports domain identities only, not email addresses.",
		],
		[
			{ EmailIdentity: "acme.com", DkimSigningAttributes: { DomainSigningSelector: "s1" } },
			"The SES simulator supports Easy DKIM only; omit DkimSigningAttributes.",
		],
	])("refuses %j with BadRequestException", async (body, message) => {
		const h = sesHarness();
		const response = await h.v2("POST", "/v2/email/identities", body);
		expect(await awsError(response)).toEqual({ status: 400, code: "BadRequestException", message });
		expect(h.sim.domains.list()).toEqual([]);
	});

	it("requires SigV4, as every SES v2 operation does", async () => {
		const h = sesHarness();
		const response = await h.sim.fetch(
			new Request(`${ENDPOINT}/v2/email/identities`, {
				method: "POST",
				body: JSON.stringify({ EmailIdentity: "acme.com" }),
			}),
		);
		expect((await awsError(response)).code).toBe("MissingAuthenticationTokenException");
		expect(h.sim.domains.list()).toEqual([]);
	});
});

describe("GetEmailIdentity", () => {
	it("answers the full SES v2 shape while DKIM is pending", async () => {
		const h = await created();
		expect(await h.getIdentity("acme.com")).toEqual({
			IdentityType: "DOMAIN",
			FeedbackForwardingStatus: true,
			VerifiedForSendingStatus: false,
			DkimAttributes: {
				SigningEnabled: true,
				Status: "PENDING",
				Tokens: h.tokens,
				SigningHostedZone: "dkim.amazonses.com",
				SigningAttributesOrigin: "AWS_SES",
				NextSigningKeyLength: "RSA_2048_BIT",
				CurrentSigningKeyLength: "RSA_2048_BIT",
				LastKeyGenerationTimestamp: NOW_SECONDS,
			},
			MailFromAttributes: { BehaviorOnMxFailure: "USE_DEFAULT_VALUE" },
			Policies: {},
			Tags: [],
			VerificationStatus: "PENDING",
			VerificationInfo: { LastCheckedTimestamp: NOW_SECONDS, ErrorType: "HOST_NOT_FOUND" },
		});
	});

	it("echoes the configuration set given at creation", async () => {
		const h = sesHarness();
		await h.v2("POST", "/v2/email/identities", {
			EmailIdentity: "acme.com",
			ConfigurationSetName: "sendfleet",
		});
		expect((await h.getIdentity("acme.com")).ConfigurationSetName).toBe("sendfleet");
	});

	it("answers 404 NotFoundException for an unknown identity", async () => {
		const h = sesHarness();
		expect(await awsError(await h.v2("GET", "/v2/email/identities/nope.com"))).toEqual({
			status: 404,
			code: "NotFoundException",
			message: "Email identity nope.com does not exist.",
		});
	});

	it("turns DKIM SUCCESS once all three CNAMEs point at dkim.amazonses.com", async () => {
		const h = await created();
		const [first, second] = h.tokens;
		h.sim.dns.set(`${first}._domainkey.acme.com`, "CNAME", [`${first}.dkim.amazonses.com`]);
		h.sim.dns.set(`${second}._domainkey.acme.com`, "CNAME", [`${second}.dkim.amazonses.com.`]);
		// Two of three are not enough.
		const partial = await h.getIdentity("acme.com");
		expect((partial.DkimAttributes as { Status: string }).Status).toBe("PENDING");
		expect(partial.VerifiedForSendingStatus).toBe(false);

		h.sim.dns.publish("acme.com", ["dkim"]);
		const verified = await h.getIdentity("acme.com");
		expect(verified).toMatchObject({
			VerifiedForSendingStatus: true,
			DkimAttributes: { Status: "SUCCESS" },
			VerificationStatus: "SUCCESS",
			VerificationInfo: { LastCheckedTimestamp: NOW_SECONDS, LastSuccessTimestamp: NOW_SECONDS },
		});
		expect(verified.VerificationInfo).not.toHaveProperty("ErrorType");
	});

	it("says why DKIM is not verified: wrong value, wrong type, or no such host", async () => {
		const h = await created();
		const errorType = async () =>
			((await h.getIdentity("acme.com")).VerificationInfo as { ErrorType?: string }).ErrorType;

		h.sim.dns.corrupt("acme.com", ["dkim"]);
		expect(await errorType()).toBe("INVALID_VALUE");

		h.sim.dns.remove("acme.com", ["dkim"]);
		expect(await errorType()).toBe("HOST_NOT_FOUND");

		h.sim.dns.set(`${h.tokens[0]}._domainkey.acme.com`, "TXT", ["v=DKIM1; p=abc"]);
		expect(await errorType()).toBe("TYPE_NOT_FOUND");
	});

	it("turns TEMPORARY_FAILURE when a record is removed after success, FAILED 72 hours after the last success", async () => {
		const h = await created();
		h.sim.dns.publish("acme.com");
		expect((await h.getIdentity("acme.com")).VerificationStatus).toBe("SUCCESS");
		h.clock.advance(HOUR_MS);
		h.sim.dns.delete(`${h.tokens[2]}._domainkey.acme.com`, "CNAME");
		expect(await h.getIdentity("acme.com")).toMatchObject({
			VerifiedForSendingStatus: false,
			DkimAttributes: { Status: "TEMPORARY_FAILURE" },
			VerificationStatus: "TEMPORARY_FAILURE",
			VerificationInfo: { LastSuccessTimestamp: NOW_SECONDS },
		});

		h.clock.advance(71 * HOUR_MS - 1000);
		expect((await h.getIdentity("acme.com")).VerificationStatus).toBe("TEMPORARY_FAILURE");
		h.clock.advance(1000);
		expect(await h.getIdentity("acme.com")).toMatchObject({
			DkimAttributes: { Status: "FAILED" },
			VerificationStatus: "FAILED",
			VerificationInfo: { LastSuccessTimestamp: NOW_SECONDS },
		});
	});

	it("counts only what SES was asked: a record published and removed unseen leaves it PENDING", async () => {
		const h = await created();
		h.sim.dns.publish("acme.com");
		h.sim.dns.remove("acme.com", ["dkim"]);
		expect((await h.getIdentity("acme.com")).VerificationStatus).toBe("PENDING");
	});

	it("turns FAILED when the records are still missing 72 hours after creation", async () => {
		const h = await created();
		h.clock.advance(72 * HOUR_MS - 1000);
		expect((await h.getIdentity("acme.com")).VerificationStatus).toBe("PENDING");

		h.clock.advance(1000);
		const failed = await h.getIdentity("acme.com");
		expect(failed).toMatchObject({
			VerifiedForSendingStatus: false,
			DkimAttributes: { Status: "FAILED" },
			VerificationStatus: "FAILED",
			VerificationInfo: { ErrorType: "HOST_NOT_FOUND" },
		});

		// Statuses are decided on each read: records that appear late still count, and a record
		// removed after that success is a TEMPORARY_FAILURE for 72 hours, as for any verified domain.
		h.sim.dns.publish("acme.com", ["dkim"]);
		expect((await h.getIdentity("acme.com")).VerificationStatus).toBe("SUCCESS");
		h.sim.dns.remove("acme.com", ["dkim"]);
		expect((await h.getIdentity("acme.com")).VerificationStatus).toBe("TEMPORARY_FAILURE");
	});
});

describe("DeleteEmailIdentity", () => {
	it("deletes the identity and leaves the customer's DNS alone", async () => {
		const h = await created();
		h.sim.dns.publish("acme.com", ["ownership"]);
		const response = await h.v2("DELETE", "/v2/email/identities/acme.com");
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({});
		expect((await awsError(await h.v2("GET", "/v2/email/identities/acme.com"))).status).toBe(404);
		expect(h.sim.dns.get("_amazonses.acme.com", "TXT")).toHaveLength(1);
		// The domain can be registered again, with new tokens.
		const again = await h.v2("POST", "/v2/email/identities", { EmailIdentity: "acme.com" });
		expect(again.status).toBe(200);
		const tokens = ((await again.json()) as { DkimAttributes: { Tokens: string[] } }).DkimAttributes
			.Tokens;
		expect(tokens).not.toEqual(h.tokens);
	});

	it("answers 404 NotFoundException for an unknown identity", async () => {
		const h = sesHarness();
		expect(await awsError(await h.v2("DELETE", "/v2/email/identities/nope.com"))).toEqual({
			status: 404,
			code: "NotFoundException",
			message: "Email identity nope.com does not exist.",
		});
	});
});

describe("PutEmailIdentityMailFromAttributes", () => {
	const putMailFrom = (h: ReturnType<typeof sesHarness>, body: unknown, domain = "acme.com") =>
		h.v2("PUT", `/v2/email/identities/${domain}/mail-from`, body);

	it("sets the MAIL FROM domain, PENDING until its MX and SPF records are published", async () => {
		const h = await created();
		const response = await putMailFrom(h, {
			MailFromDomain: "send.acme.com",
			BehaviorOnMxFailure: "USE_DEFAULT_VALUE",
		});
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({});
		expect((await h.getIdentity("acme.com")).MailFromAttributes).toEqual({
			MailFromDomain: "send.acme.com",
			MailFromDomainStatus: "PENDING",
			BehaviorOnMxFailure: "USE_DEFAULT_VALUE",
		});

		h.sim.dns.set("send.acme.com", "MX", ["10 feedback-smtp.us-east-1.amazonses.com"]);
		const mxOnly = (await h.getIdentity("acme.com")).MailFromAttributes;
		expect(mxOnly).toMatchObject({ MailFromDomainStatus: "PENDING" });

		h.sim.dns.set("send.acme.com", "TXT", ["v=spf1 include:amazonses.com ~all"]);
		expect((await h.getIdentity("acme.com")).MailFromAttributes).toEqual({
			MailFromDomain: "send.acme.com",
			MailFromDomainStatus: "SUCCESS",
			BehaviorOnMxFailure: "USE_DEFAULT_VALUE",
		});
		// MAIL FROM does not decide whether the domain may send; DKIM does.
		expect((await h.getIdentity("acme.com")).VerifiedForSendingStatus).toBe(false);
	});

	it("does not accept the MX of another region", async () => {
		const h = await created();
		await putMailFrom(h, { MailFromDomain: "bounce.acme.com" });
		h.sim.dns.set("bounce.acme.com", "MX", ["10 feedback-smtp.eu-west-1.amazonses.com"]);
		h.sim.dns.set("bounce.acme.com", "TXT", ["v=spf1 include:amazonses.com ~all"]);
		expect((await h.getIdentity("acme.com")).MailFromAttributes).toMatchObject({
			MailFromDomainStatus: "PENDING",
		});
	});

	it("turns FAILED 72 hours after it was set, and the window restarts when it is set again", async () => {
		const h = await created();
		h.clock.advance(10 * HOUR_MS);
		await putMailFrom(h, {
			MailFromDomain: "send.acme.com",
			BehaviorOnMxFailure: "REJECT_MESSAGE",
		});
		h.clock.advance(72 * HOUR_MS - 1000);
		expect((await h.getIdentity("acme.com")).MailFromAttributes).toEqual({
			MailFromDomain: "send.acme.com",
			MailFromDomainStatus: "PENDING",
			BehaviorOnMxFailure: "REJECT_MESSAGE",
		});
		h.clock.advance(1000);
		expect((await h.getIdentity("acme.com")).MailFromAttributes).toMatchObject({
			MailFromDomainStatus: "FAILED",
		});
		await putMailFrom(h, { MailFromDomain: "send.acme.com" });
		expect((await h.getIdentity("acme.com")).MailFromAttributes).toEqual({
			MailFromDomain: "send.acme.com",
			MailFromDomainStatus: "PENDING",
			BehaviorOnMxFailure: "USE_DEFAULT_VALUE",
		});
	});

	it("turns the custom MAIL FROM off with an empty MailFromDomain", async () => {
		const h = await created();
		await putMailFrom(h, {
			MailFromDomain: "send.acme.com",
			BehaviorOnMxFailure: "REJECT_MESSAGE",
		});
		const response = await putMailFrom(h, { MailFromDomain: "" });
		expect(response.status).toBe(200);
		expect((await h.getIdentity("acme.com")).MailFromAttributes).toEqual({
			BehaviorOnMxFailure: "USE_DEFAULT_VALUE",
		});
	});

	it.each([
		[
			"send.other.com",
			"Invalid MAIL FROM domain send.other.com: it must be a subdomain of acme.com.",
		],
		["acme.com", "Invalid MAIL FROM domain acme.com: it must be a subdomain of acme.com."],
		["evilacme.com", "Invalid MAIL FROM domain evilacme.com: it must be a subdomain of acme.com."],
		[
			"bad domain.acme.com",
			"Invalid MAIL FROM domain bad domain.acme.com: it must be a subdomain of acme.com.",
		],
	])("refuses MailFromDomain %s with BadRequestException", async (mailFromDomain, message) => {
		const h = await created();
		expect(await awsError(await putMailFrom(h, { MailFromDomain: mailFromDomain }))).toEqual({
			status: 400,
			code: "BadRequestException",
			message,
		});
		expect((await h.getIdentity("acme.com")).MailFromAttributes).toEqual({
			BehaviorOnMxFailure: "USE_DEFAULT_VALUE",
		});
	});

	it("refuses an unknown BehaviorOnMxFailure", async () => {
		const h = await created();
		const response = await putMailFrom(h, {
			MailFromDomain: "send.acme.com",
			BehaviorOnMxFailure: "BOUNCE",
		});
		expect(await awsError(response)).toEqual({
			status: 400,
			code: "BadRequestException",
			message:
				"1 validation error detected: Value 'BOUNCE' at 'behaviorOnMxFailure' failed to satisfy constraint: Member must satisfy enum value set: [USE_DEFAULT_VALUE, REJECT_MESSAGE]",
		});
	});

	it("answers 404 NotFoundException for an unknown identity", async () => {
		const h = sesHarness();
		const response = await putMailFrom(h, { MailFromDomain: "send.nope.com" }, "nope.com");
		expect(await awsError(response)).toEqual({
			status: 404,
			code: "NotFoundException",
			message: "Email identity nope.com does not exist.",
		});
	});
});

describe("faults on identity operations", () => {
	it("throttles CreateEmailIdentity without creating the identity, then lets it through", async () => {
		const h = sesHarness();
		h.sim.addFault({
			code: "TooManyRequestsException",
			match: { operation: "CreateEmailIdentity" },
		});
		const throttled = await h.v2("POST", "/v2/email/identities", { EmailIdentity: "acme.com" });
		expect(await awsError(throttled)).toEqual({
			status: 429,
			code: "TooManyRequestsException",
			message: "Maximum sending rate exceeded.",
		});
		expect(h.sim.domains.list()).toEqual([]);
		const next = await h.v2("POST", "/v2/email/identities", { EmailIdentity: "acme.com" });
		expect(next.status).toBe(200);
	});

	it("fails only the named operation; a rule without one still means SendEmail", async () => {
		const h = await created();
		h.sim.addFault({ code: "InternalFailure" });
		h.sim.addFault({ code: "ServiceUnavailable", match: { operation: "GetEmailIdentity" } });
		h.sim.addFault({ code: "InternalFailure", match: { operation: "DeleteEmailIdentity" } });
		h.sim.addFault({
			code: "ConcurrentModificationException",
			status: 500,
			match: { operation: "PutEmailIdentityMailFromAttributes" },
		});

		const put = await h.v2("PUT", "/v2/email/identities/acme.com/mail-from", {
			MailFromDomain: "send.acme.com",
		});
		expect([put.status, put.headers.get("x-amzn-ErrorType")]).toEqual([
			500,
			"ConcurrentModificationException",
		]);
		const get = await h.v2("GET", "/v2/email/identities/acme.com");
		expect([get.status, get.headers.get("x-amzn-ErrorType")]).toEqual([503, "ServiceUnavailable"]);
		const del = await h.v2("DELETE", "/v2/email/identities/acme.com");
		expect([del.status, del.headers.get("x-amzn-ErrorType")]).toEqual([500, "InternalFailure"]);

		expect((await h.getIdentity("acme.com")).MailFromAttributes).toEqual({
			BehaviorOnMxFailure: "USE_DEFAULT_VALUE",
		});
		// The operation-less rule was never consumed by the identity calls.
		expect(h.sim.store.listFaults()).toEqual([
			expect.objectContaining({ code: "InternalFailure", match: {} }),
		]);
	});
});
