import { AwsClient } from "aws4fetch";
import { describe, expect, it } from "vitest";
import {
	CREDENTIALS,
	ENDPOINT,
	HOUR_MS,
	NOW,
	newSimulator,
	sesHarness,
	signedQuery,
	xmlText,
} from "./support.ts";

const NS = "http://ses.amazonaws.com/doc/2010-12-01/";
const VERIFICATION_TOKEN = /^[A-Za-z0-9+/]{43}=$/;

const verify = (domain: string) => ({
	Action: "VerifyDomainIdentity",
	Domain: domain,
	Version: "2010-12-01",
});

const attributes = (...identities: string[]) => ({
	Action: "GetIdentityVerificationAttributes",
	Version: "2010-12-01",
	...Object.fromEntries(identities.map((id, i) => [`Identities.member.${i + 1}`, id])),
});

/** The exact error document AWS's Query front end answers. */
function errorXml(type: string, code: string, message: string, requestId: string): string {
	return `<ErrorResponse xmlns="${NS}">
  <Error>
    <Type>${type}</Type>
    <Code>${code}</Code>
    <Message>${message}</Message>
  </Error>
  <RequestId>${requestId}</RequestId>
</ErrorResponse>
`;
}

async function expectXmlError(
	response: Response,
	status: number,
	type: string,
	code: string,
	message: string,
): Promise<void> {
	expect(response.status).toBe(status);
	expect(response.headers.get("content-type")).toBe("text/xml");
	const body = await response.text();
	const requestId = xmlText(body, "RequestId") ?? "";
	expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
	expect(response.headers.get("x-amzn-RequestId")).toBe(requestId);
	expect(body).toBe(errorXml(type, code, message, requestId));
}

describe("VerifyDomainIdentity", () => {
	it("answers the documented XML with a base64 verification token", async () => {
		const h = sesHarness();
		const response = await h.query(verify("acme.com"));
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toBe("text/xml");
		const body = await response.text();
		const token = xmlText(body, "VerificationToken") ?? "";
		const requestId = xmlText(body, "RequestId") ?? "";
		expect(token).toMatch(VERIFICATION_TOKEN);
		expect(response.headers.get("x-amzn-RequestId")).toBe(requestId);
		expect(body).toBe(`<VerifyDomainIdentityResponse xmlns="${NS}">
  <VerifyDomainIdentityResult>
    <VerificationToken>${token}</VerificationToken>
  </VerifyDomainIdentityResult>
  <ResponseMetadata>
    <RequestId>${requestId}</RequestId>
  </ResponseMetadata>
</VerifyDomainIdentityResponse>
`);
		expect(h.sim.domains.get("acme.com")?.verificationToken).toBe(token);
	});

	it("returns the same token when called again, and the v2 identity's own token", async () => {
		const h = sesHarness();
		await h.v2("POST", "/v2/email/identities", { EmailIdentity: "acme.com" });
		const first = xmlText(await (await h.query(verify("acme.com"))).text(), "VerificationToken");
		const second = xmlText(await (await h.query(verify("ACME.COM"))).text(), "VerificationToken");
		expect(first).toBe(h.sim.domains.get("acme.com")?.verificationToken);
		expect(second).toBe(first);
		expect(h.sim.domains.list()).toHaveLength(1);
		// The v2 identity keeps its DKIM tokens.
		expect(h.sim.domains.get("acme.com")?.dkimTokens).toHaveLength(3);
	});

	it("creates a domain without Easy DKIM, verified by its TXT record alone", async () => {
		const h = sesHarness();
		await h.query(verify("legacy.com"));
		expect(await h.getIdentity("legacy.com")).toMatchObject({
			VerifiedForSendingStatus: false,
			DkimAttributes: {
				SigningEnabled: false,
				Status: "NOT_STARTED",
				SigningAttributesOrigin: "AWS_SES",
				NextSigningKeyLength: "RSA_2048_BIT",
			},
			VerificationStatus: "PENDING",
		});
		h.sim.dns.publish("legacy.com", ["ownership"]);
		expect(await h.getIdentity("legacy.com")).toMatchObject({
			VerifiedForSendingStatus: true,
			DkimAttributes: { Status: "NOT_STARTED" },
			VerificationStatus: "SUCCESS",
		});
		// An identity created this way cannot then be created through v2.
		const create = await h.v2("POST", "/v2/email/identities", { EmailIdentity: "legacy.com" });
		expect(create.headers.get("x-amzn-ErrorType")).toBe("AlreadyExistsException");
	});

	it("answers ValidationError without a Domain and InvalidParameterValue for a bad one", async () => {
		const h = sesHarness();
		await expectXmlError(
			await h.query({ Action: "VerifyDomainIdentity" }),
			400,
			"Sender",
			"ValidationError",
			"1 validation error detected: Value null at 'domain' failed to satisfy constraint: Member must not be null",
		);
		await expectXmlError(
			await h.query(verify("not a domain")),
			400,
			"Sender",
			"InvalidParameterValue",
			"Invalid domain name: not a domain",
		);
		await expectXmlError(
			await h.query(verify("<b>&x.com")),
			400,
			"Sender",
			"InvalidParameterValue",
			"Invalid domain name: &lt;b&gt;&amp;x.com",
		);
		expect(h.sim.domains.list()).toEqual([]);
	});
});

describe("GetIdentityVerificationAttributes", () => {
	it("answers an entry per known identity with its status and token", async () => {
		const h = sesHarness();
		await h.query(verify("acme.com"));
		await h.v2("POST", "/v2/email/identities", { EmailIdentity: "beta.com" });
		const acme = h.sim.domains.get("acme.com")?.verificationToken;
		const beta = h.sim.domains.get("beta.com")?.verificationToken;
		h.sim.dns.publish("beta.com", ["ownership"]);

		const response = await h.query(attributes("acme.com", "unknown.com", "beta.com"));
		expect(response.status).toBe(200);
		const body = await response.text();
		const requestId = xmlText(body, "RequestId");
		expect(body).toBe(`<GetIdentityVerificationAttributesResponse xmlns="${NS}">
  <GetIdentityVerificationAttributesResult>
    <VerificationAttributes>
      <entry>
        <key>acme.com</key>
        <value>
          <VerificationStatus>Pending</VerificationStatus>
          <VerificationToken>${acme}</VerificationToken>
        </value>
      </entry>
      <entry>
        <key>beta.com</key>
        <value>
          <VerificationStatus>Success</VerificationStatus>
          <VerificationToken>${beta}</VerificationToken>
        </value>
      </entry>
    </VerificationAttributes>
  </GetIdentityVerificationAttributesResult>
  <ResponseMetadata>
    <RequestId>${requestId}</RequestId>
  </ResponseMetadata>
</GetIdentityVerificationAttributesResponse>
`);
	});

	it("answers an empty map for identities SES does not know", async () => {
		const h = sesHarness();
		const body = await (await h.query(attributes("nope.com"))).text();
		expect(body).toContain(
			"<GetIdentityVerificationAttributesResult>\n    <VerificationAttributes/>\n  </GetIdentityVerificationAttributesResult>",
		);
	});

	const statusOf = async (h: ReturnType<typeof sesHarness>, domain: string) =>
		xmlText(await (await h.query(attributes(domain))).text(), "VerificationStatus");

	it("follows the TXT record: Pending until it matches, then Success, TemporaryFailure when wrong or removed", async () => {
		const h = sesHarness();
		await h.query(verify("acme.com"));
		expect(await statusOf(h, "acme.com")).toBe("Pending");
		h.sim.dns.corrupt("acme.com", ["ownership"]);
		expect(await statusOf(h, "acme.com")).toBe("Pending");
		h.sim.dns.publish("acme.com", ["ownership"]);
		expect(await statusOf(h, "acme.com")).toBe("Success");
		h.sim.dns.corrupt("acme.com", ["ownership"]);
		expect(await statusOf(h, "acme.com")).toBe("TemporaryFailure");
		// Another TXT next to the right one does not hurt.
		const token = h.sim.domains.get("acme.com")?.verificationToken ?? "";
		h.sim.dns.set("_amazonses.acme.com", "TXT", ["other-region-token", token]);
		expect(await statusOf(h, "acme.com")).toBe("Success");
		h.sim.dns.remove("acme.com", ["ownership"]);
		expect(await statusOf(h, "acme.com")).toBe("TemporaryFailure");
		// VerifyDomainIdentity restarts the search: Pending again until the record is found.
		await h.query(verify("acme.com"));
		expect(await statusOf(h, "acme.com")).toBe("Pending");
	});

	it("turns Failed after 72 hours; VerifyDomainIdentity restarts the search", async () => {
		const h = sesHarness();
		await h.query(verify("acme.com"));
		h.clock.advance(72 * HOUR_MS - 1000);
		expect(await statusOf(h, "acme.com")).toBe("Pending");
		h.clock.advance(1000);
		expect(await statusOf(h, "acme.com")).toBe("Failed");
		await h.query(verify("acme.com"));
		expect(await statusOf(h, "acme.com")).toBe("Pending");
		h.sim.dns.publish("acme.com", ["ownership"]);
		expect(await statusOf(h, "acme.com")).toBe("Success");
	});

	it("answers ValidationError without identities or with more than 100", async () => {
		const h = sesHarness();
		await expectXmlError(
			await h.query({ Action: "GetIdentityVerificationAttributes" }),
			400,
			"Sender",
			"ValidationError",
			"1 validation error detected: Value null at 'identities' failed to satisfy constraint: Member must not be null",
		);
		const many = Array.from({ length: 101 }, (_, i) => `d${i}.com`);
		await expectXmlError(
			await h.query(attributes(...many)),
			400,
			"Sender",
			"ValidationError",
			"1 validation error detected: Value at 'identities' failed to satisfy constraint: Member must have length less than or equal to 100",
		);
	});
});

describe("the Query API's envelope", () => {
	it.each([
		[{}, "MissingAction", "Missing Action"],
		[
			{ Action: "SendEmail" },
			"InvalidAction",
			"The action SendEmail is not valid for this web service.",
		],
		[
			{ Action: "VerifyDomainIdentity", Domain: "acme.com", Version: "2019-09-27" },
			"NoSuchVersion",
			"The requested version (2019-09-27) of service AmazonSimpleEmailService does not exist",
		],
	])("answers %j with %s", async (params, code, message) => {
		const h = sesHarness();
		await expectXmlError(await h.query(params), 400, "Sender", code, message);
	});

	it("takes only form-encoded bodies", async () => {
		const sim = newSimulator();
		const request = await new AwsClient({
			...CREDENTIALS,
			service: "ses",
			region: "us-east-1",
		}).sign(`${ENDPOINT}/`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify(verify("acme.com")),
			aws: { datetime: "20260304T050607Z" },
		});
		await expectXmlError(
			await sim.fetch(request),
			400,
			"Sender",
			"MissingAction",
			"Missing Action: the Query API takes a body of type application/x-www-form-urlencoded.",
		);
	});
});

describe("SigV4 on the Query API", () => {
	it("answers 403 MissingAuthenticationToken without a signature", async () => {
		const sim = newSimulator();
		const response = await sim.fetch(
			new Request(`${ENDPOINT}/`, {
				method: "POST",
				headers: { "content-type": "application/x-www-form-urlencoded" },
				body: new URLSearchParams(verify("acme.com")).toString(),
			}),
		);
		await expectXmlError(
			response,
			403,
			"Sender",
			"MissingAuthenticationToken",
			"Request is missing Authentication Token",
		);
		expect(sim.domains.list()).toEqual([]);
	});

	it("answers 403 InvalidClientTokenId for another access key", async () => {
		const sim = newSimulator();
		const signer = new AwsClient({
			accessKeyId: "AKIDSOMEONEELSE",
			secretAccessKey: "x",
			service: "ses",
			region: "us-east-1",
		});
		await expectXmlError(
			await sim.fetch(await signedQuery(verify("acme.com"), NOW, signer)),
			403,
			"Sender",
			"InvalidClientTokenId",
			"The security token included in the request is invalid.",
		);
	});

	it("answers 403 SignatureDoesNotMatch for a tampered body or the wrong secret", async () => {
		const sim = newSimulator();
		const signed = await signedQuery(verify("acme.com"), NOW);
		const tampered = new Request(signed, {
			body: new URLSearchParams(verify("evil.com")).toString(),
		});
		const response = await sim.fetch(tampered);
		expect(response.status).toBe(403);
		expect(xmlText(await response.text(), "Code")).toBe("SignatureDoesNotMatch");

		const wrongSecret = new AwsClient({ ...CREDENTIALS, secretAccessKey: "nope", service: "ses" });
		const second = await sim.fetch(await signedQuery(verify("acme.com"), NOW, wrongSecret));
		expect(xmlText(await second.text(), "Code")).toBe("SignatureDoesNotMatch");
		expect(sim.domains.list()).toEqual([]);
	});

	it("requires the ses service in the credential scope", async () => {
		const sim = newSimulator();
		const email = new AwsClient({ ...CREDENTIALS, service: "email", region: "us-east-1" });
		await expectXmlError(
			await sim.fetch(await signedQuery(verify("acme.com"), NOW, email)),
			403,
			"Sender",
			"SignatureDoesNotMatch",
			"Credential should be scoped to correct service: 'ses'.",
		);
	});
});

describe("faults on the Query API", () => {
	it("answers an injected fault as an XML error, Sender below 500 and Receiver above", async () => {
		const h = sesHarness();
		h.sim.addFault({ code: "Throttling", match: { operation: "VerifyDomainIdentity" } });
		h.sim.addFault({
			code: "ServiceUnavailable",
			match: { operation: "GetIdentityVerificationAttributes" },
		});
		await expectXmlError(
			await h.query(verify("acme.com")),
			400,
			"Sender",
			"Throttling",
			"Rate exceeded",
		);
		expect(h.sim.domains.list()).toEqual([]);
		await expectXmlError(
			await h.query(attributes("acme.com")),
			503,
			"Receiver",
			"ServiceUnavailable",
			"The request has failed due to a temporary failure of the server.",
		);
		expect((await h.query(verify("acme.com"))).status).toBe(200);
	});
});
