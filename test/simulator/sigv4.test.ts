import { describe, expect, it } from "vitest";
import { createSesSimulator } from "../../simulator/app.ts";
import {
	AMZ_DATE,
	awsError,
	client,
	minimalEmail,
	NOW,
	newSimulator,
	SEND_URL,
	signedSend,
} from "./support.ts";

const SIGNATURE_MISMATCH =
	"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/** A copy of `request` with one header replaced (or removed, for null). */
function withHeader(request: Request, name: string, value: string | null): Request {
	const headers = new Headers(request.headers);
	if (value === null) headers.delete(name);
	else headers.set(name, value);
	return new Request(request, { headers });
}

const GOOD_AUTH = (signature = "a".repeat(64)) =>
	`AWS4-HMAC-SHA256 Credential=AKIDSIMTEST/20260304/us-east-1/ses/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`;

describe("SigV4 on the SES API", () => {
	it("accepts a request signed by aws4fetch for service ses", async () => {
		const sim = newSimulator();
		const response = await sim.fetch(await signedSend(minimalEmail()));
		expect(response.status).toBe(200);
		expect(sim.store.listMessages()).toHaveLength(1);
	});

	it("answers 403 MissingAuthenticationTokenException without an Authorization header", async () => {
		const sim = newSimulator();
		const response = await sim.fetch(
			new Request(SEND_URL, { method: "POST", body: JSON.stringify(minimalEmail()) }),
		);
		expect(response.headers.get("content-type")).toBe("application/json");
		expect(await awsError(response)).toEqual({
			status: 403,
			code: "MissingAuthenticationTokenException",
			message: "Missing Authentication Token",
		});
		expect(sim.store.listMessages()).toEqual([]);
	});

	it.each([
		[
			"another scheme",
			"Bearer abc",
			"Unsupported AWS 'algorithm': 'Bearer'. Expected 'AWS4-HMAC-SHA256'.",
		],
		[
			"no parameters",
			"AWS4-HMAC-SHA256",
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.",
		],
		[
			"no Signature",
			"AWS4-HMAC-SHA256 Credential=AKIDSIMTEST/20260304/us-east-1/ses/aws4_request, SignedHeaders=host;x-amz-date",
			"Authorization header requires 'Signature' parameter.",
		],
		[
			"a pair without '='",
			`${GOOD_AUTH()}, junk`,
			"Invalid key=value pair (missing equal-sign) in Authorization header.",
		],
		[
			"a four-part credential",
			"AWS4-HMAC-SHA256 Credential=AKIDSIMTEST/20260304/us-east-1/ses, SignedHeaders=host;x-amz-date, Signature=" +
				"a".repeat(64),
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDSIMTEST/20260304/us-east-1/ses'.",
		],
		[
			"a wrong terminator",
			GOOD_AUTH().replace("aws4_request", "aws5_request"),
			"Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.",
		],
		[
			"unsigned host",
			GOOD_AUTH().replace("SignedHeaders=host;x-amz-date", "SignedHeaders=x-amz-date"),
			"'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
		],
		[
			"unsigned x-amz-date",
			GOOD_AUTH().replace("SignedHeaders=host;x-amz-date", "SignedHeaders=host"),
			"'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.",
		],
		[
			"upper-case signed headers",
			GOOD_AUTH().replace("SignedHeaders=host;x-amz-date", "SignedHeaders=Host;X-Amz-Date"),
			"SignedHeaders must be a semicolon-separated list of lowercase header names.",
		],
		[
			"a short signature",
			GOOD_AUTH("abc123"),
			"Signature must be 64 lowercase hexadecimal characters.",
		],
	])("answers 403 IncompleteSignatureException for %s", async (_, authorization, message) => {
		const sim = newSimulator();
		const request = withHeader(await signedSend(minimalEmail()), "authorization", authorization);
		expect(await awsError(await sim.fetch(request))).toEqual({
			status: 403,
			code: "IncompleteSignatureException",
			message,
		});
		expect(sim.store.listMessages()).toEqual([]);
	});

	it("answers IncompleteSignatureException when X-Amz-Date is missing", async () => {
		const sim = newSimulator();
		const request = withHeader(await signedSend(minimalEmail()), "x-amz-date", null);
		expect(await awsError(await sim.fetch(request))).toEqual({
			status: 403,
			code: "IncompleteSignatureException",
			message:
				"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
		});
	});

	it("answers IncompleteSignatureException for an X-Amz-Date that is not a real instant", async () => {
		const sim = newSimulator();
		const request = withHeader(await signedSend(minimalEmail()), "x-amz-date", "20260231T050607Z");
		expect(await awsError(await sim.fetch(request))).toEqual({
			status: 403,
			code: "IncompleteSignatureException",
			message:
				"X-Amz-Date must be in ISO-8601 basic format (yyyyMMdd'T'HHmmss'Z'). Got '20260231T050607Z'.",
		});
	});

	it("answers IncompleteSignatureException when X-Amz-Date's day differs from the scope", async () => {
		const sim = newSimulator();
		const request = withHeader(await signedSend(minimalEmail()), "x-amz-date", "20260305T000000Z");
		expect(await awsError(await sim.fetch(request))).toEqual({
			status: 403,
			code: "IncompleteSignatureException",
			message:
				"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260304' != '20260305', from '20260305T000000Z'.",
		});
	});

	it("answers 403 UnrecognizedClientException for an unknown access key", async () => {
		const sim = newSimulator();
		const request = await signedSend(minimalEmail(), {
			signer: client({ accessKeyId: "AKIDSOMEONEELSE" }),
		});
		expect(await awsError(await sim.fetch(request))).toEqual({
			status: 403,
			code: "UnrecognizedClientException",
			message: "The security token included in the request is invalid.",
		});
		expect(sim.store.listMessages()).toEqual([]);
	});

	it("answers 403 InvalidSignatureException for the wrong secret", async () => {
		const sim = newSimulator();
		const request = await signedSend(minimalEmail(), {
			signer: client({ secretAccessKey: "not-the-secret" }),
		});
		expect(await awsError(await sim.fetch(request))).toEqual({
			status: 403,
			code: "InvalidSignatureException",
			message: SIGNATURE_MISMATCH,
		});
	});

	it("refuses a body changed after signing and stores nothing", async () => {
		const sim = newSimulator();
		const signed = await signedSend(minimalEmail());
		const tampered = new Request(signed.url, {
			method: "POST",
			headers: signed.headers,
			body: JSON.stringify(minimalEmail({ FromEmailAddress: "ceo@example.test" })),
		});
		expect(await awsError(await sim.fetch(tampered))).toEqual({
			status: 403,
			code: "InvalidSignatureException",
			message: SIGNATURE_MISMATCH,
		});
		expect(sim.store.listMessages()).toEqual([]);
	});

	it("refuses a request whose path changed after signing", async () => {
		const sim = newSimulator();
		const signed = await signedSend(minimalEmail());
		const moved = new Request(`${SEND_URL}?x=1`, {
			method: "POST",
			headers: signed.headers,
			body: JSON.stringify(minimalEmail()),
		});
		expect((await awsError(await sim.fetch(moved))).code).toBe("InvalidSignatureException");
	});

	it("refuses a declared x-amz-content-sha256 that does not match the body", async () => {
		const sim = newSimulator();
		const signed = await client().sign(SEND_URL, {
			method: "POST",
			headers: { "x-amz-content-sha256": "0".repeat(64) },
			body: JSON.stringify(minimalEmail()),
			aws: { datetime: AMZ_DATE },
		});
		expect(await awsError(await sim.fetch(signed))).toEqual({
			status: 403,
			code: "InvalidSignatureException",
			message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
		});
	});

	it("answers InvalidSignatureException for a credential scoped to another region", async () => {
		const sim = newSimulator();
		const request = await signedSend(minimalEmail(), { signer: client({ region: "eu-west-1" }) });
		expect(await awsError(await sim.fetch(request))).toEqual({
			status: 403,
			code: "InvalidSignatureException",
			message: "Credential should be scoped to a valid region, not 'eu-west-1'.",
		});
	});

	it("answers InvalidSignatureException for a credential scoped to another service", async () => {
		const sim = newSimulator();
		const request = await client().sign(SEND_URL, {
			method: "POST",
			body: JSON.stringify(minimalEmail()),
			aws: { datetime: AMZ_DATE, service: "sns" },
		});
		expect(await awsError(await sim.fetch(request))).toEqual({
			status: 403,
			code: "InvalidSignatureException",
			message: "Credential should be scoped to correct service: 'ses'.",
		});
	});

	it("refuses a signature more than 15 minutes old", async () => {
		const later = new Date(NOW.getTime() + 16 * 60 * 1000);
		const sim = newSimulator({ now: () => later });
		expect(await awsError(await sim.fetch(await signedSend(minimalEmail())))).toEqual({
			status: 403,
			code: "InvalidSignatureException",
			message:
				"Signature expired: 20260304T050607Z is now earlier than 20260304T050707Z (20260304T052207Z - 15 min.)",
		});
	});

	it("refuses a signature dated more than 15 minutes ahead", async () => {
		const sim = newSimulator();
		const request = await signedSend(minimalEmail(), { datetime: "20260304T052200Z" });
		expect(await awsError(await sim.fetch(request))).toEqual({
			status: 403,
			code: "InvalidSignatureException",
			message:
				"Signature not yet current: 20260304T052200Z is still later than 20260304T052107Z (20260304T050607Z + 15 min.)",
		});
	});

	it("accepts any key without configured credentials, but still checks the header's shape", async () => {
		const sim = createSesSimulator({ now: () => NOW });
		const anyKey = await signedSend(minimalEmail(), {
			signer: client({ accessKeyId: "AKIDANYONE", secretAccessKey: "whatever" }),
		});
		expect((await sim.fetch(anyKey)).status).toBe(200);

		const unsigned = new Request(SEND_URL, { method: "POST", body: "{}" });
		expect((await awsError(await sim.fetch(unsigned))).code).toBe(
			"MissingAuthenticationTokenException",
		);
		const malformed = withHeader(
			await signedSend(minimalEmail()),
			"authorization",
			GOOD_AUTH("xyz"),
		);
		expect((await awsError(await sim.fetch(malformed))).code).toBe("IncompleteSignatureException");
	});

	it("leaves the simulator's own endpoints unauthenticated", async () => {
		const sim = newSimulator();
		const response = await sim.fetch(new Request("https://ses.simulator.test/_simulator/messages"));
		expect(response.status).toBe(200);
	});
});
