import { describe, expect, it } from "vitest";
import { type FaultInput, FaultInputError } from "../../simulator/faults.ts";
import { awsError, ENDPOINT, minimalEmail, newSimulator, send } from "./support.ts";

const to = (...addresses: string[]) => minimalEmail({ Destination: { ToAddresses: addresses } });

function postFault(body: string, contentType = "application/json"): Request {
	return new Request(`${ENDPOINT}/_simulator/faults`, {
		method: "POST",
		headers: { "content-type": contentType },
		body,
	});
}

describe("fault injection", () => {
	it("throttles twice with 429 TooManyRequestsException, then sends", async () => {
		const sim = newSimulator();
		sim.addFault({ code: "TooManyRequestsException", times: 2 });

		for (let attempt = 0; attempt < 2; attempt++) {
			expect(await awsError(await send(sim, minimalEmail()))).toEqual({
				status: 429,
				code: "TooManyRequestsException",
				message: "Maximum sending rate exceeded.",
			});
		}
		expect(sim.store.listMessages()).toEqual([]);
		expect((await send(sim, minimalEmail())).status).toBe(200);
		expect(sim.store.listMessages()).toHaveLength(1);
		expect(sim.store.listFaults()).toEqual([]);
	});

	it("fails only calls to the matching recipient, wherever it appears", async () => {
		const sim = newSimulator();
		sim.addFault({
			match: { to: "bounce@example.test" },
			code: "MessageRejected",
			message: "Email address is not verified.",
		});

		expect((await send(sim, to("other@example.test"))).status).toBe(200);
		const rejected = await send(
			sim,
			minimalEmail({
				Destination: {
					ToAddresses: ["other@example.test"],
					CcAddresses: ["Bounce <BOUNCE@example.test>"],
				},
			}),
		);
		expect(await awsError(rejected)).toEqual({
			status: 400,
			code: "MessageRejected",
			message: "Email address is not verified.",
		});
		// Used up: the same recipient now gets through.
		expect((await send(sim, to("bounce@example.test"))).status).toBe(200);
	});

	it("matches on the sender's bare address", async () => {
		const sim = newSimulator();
		sim.addFault({
			match: { from: "unverified@acme.test" },
			code: "MailFromDomainNotVerifiedException",
		});
		expect((await send(sim, minimalEmail())).status).toBe(200);
		const response = await send(
			sim,
			minimalEmail({ FromEmailAddress: "Acme <unverified@acme.test>" }),
		);
		expect(await awsError(response)).toEqual({
			status: 400,
			code: "MailFromDomainNotVerifiedException",
			message: "The message can't be sent because the sending domain isn't verified.",
		});
	});

	it.each([
		["InternalFailure", 500],
		["ServiceUnavailable", 503],
		["AccountSuspendedException", 400],
		["SendingPausedException", 400],
		["MessageRejected", 400],
	])("answers %s with status %i by default", async (code, status) => {
		const sim = newSimulator();
		sim.addFault({ code });
		const error = await awsError(await send(sim, minimalEmail()));
		expect([error.status, error.code]).toEqual([status, code]);
	});

	it("uses the given status and applies rules in the order they were added", async () => {
		const sim = newSimulator();
		sim.addFault({ code: "Throttling", status: 400, message: "Rate exceeded" });
		sim.addFault({ code: "InternalFailure" });
		expect(await awsError(await send(sim, minimalEmail()))).toEqual({
			status: 400,
			code: "Throttling",
			message: "Rate exceeded",
		});
		expect((await awsError(await send(sim, minimalEmail()))).code).toBe("InternalFailure");
		expect((await send(sim, minimalEmail())).status).toBe(200);
	});

	it("does not spend a fault on a request that fails authentication", async () => {
		const sim = newSimulator();
		sim.addFault({ code: "InternalFailure" });
		const unsigned = new Request(`${ENDPOINT}/v2/email/outbound-emails`, {
			method: "POST",
			body: JSON.stringify(minimalEmail()),
		});
		expect((await sim.fetch(unsigned)).status).toBe(403);
		expect(sim.store.listFaults()).toHaveLength(1);
	});

	it.each([
		[{ code: "NoSuchCode" }, "status is required for the unknown code NoSuchCode."],
		[
			{ code: "Bad\r\nHeader", status: 400 },
			"code must be an AWS error code such as TooManyRequestsException.",
		],
		[{ code: "InternalFailure", status: 200 }, "status must be an integer from 400 to 599."],
		[{ code: "InternalFailure", times: 0 }, "times must be an integer from 1 to 100000."],
		[{ code: "InternalFailure", match: { to: "" } }, "match.to must be a non-empty email address."],
		[
			{ code: "InternalFailure", match: { operation: "ListEmailIdentities" } },
			"match.operation must be one of SendEmail, CreateEmailIdentity, GetEmailIdentity, DeleteEmailIdentity, PutEmailIdentityMailFromAttributes, VerifyDomainIdentity, GetIdentityVerificationAttributes, GetAccount, AssumeRole.",
		],
		[
			{ code: "InternalFailure", match: { awsAccountId: "1234" } },
			"match.awsAccountId must be a 12-digit AWS account id.",
		],
		[
			{ code: "InternalFailure", match: { operation: "CreateEmailIdentity", to: "a@b.test" } },
			"match.to and match.from apply to SendEmail only.",
		],
	])("refuses the fault %j", (fault, message) => {
		const sim = newSimulator();
		// Untyped input, as it arrives over HTTP.
		expect(() => sim.addFault(fault as FaultInput)).toThrow(new FaultInputError(message));
		expect(sim.store.listFaults()).toEqual([]);
	});

	it("takes faults over HTTP: POST adds, GET lists, DELETE clears", async () => {
		const sim = newSimulator();
		const created = await sim.fetch(
			postFault(
				JSON.stringify({ match: { to: "x@example.test" }, code: "ServiceUnavailable", times: 3 }),
			),
		);
		expect(created.status).toBe(201);
		expect(await created.json()).toEqual({
			id: expect.any(String),
			match: { to: "x@example.test" },
			code: "ServiceUnavailable",
			status: 503,
			message: "The request has failed due to a temporary failure of the server.",
			remaining: 3,
		});

		expect((await awsError(await send(sim, to("x@example.test")))).status).toBe(503);
		const listed = await sim.fetch(new Request(`${ENDPOINT}/_simulator/faults`));
		expect(((await listed.json()) as { faults: { remaining: number }[] }).faults).toEqual([
			expect.objectContaining({ code: "ServiceUnavailable", remaining: 2 }),
		]);

		const cleared = await sim.fetch(
			new Request(`${ENDPOINT}/_simulator/faults`, { method: "DELETE" }),
		);
		expect(await cleared.json()).toEqual({ deleted: 1 });
		expect((await send(sim, to("x@example.test"))).status).toBe(200);
	});

	it("takes an operation over HTTP and keeps to/from for SendEmail", async () => {
		const sim = newSimulator();
		const created = await sim.fetch(
			postFault(
				JSON.stringify({ match: { operation: "VerifyDomainIdentity" }, code: "Throttling" }),
			),
		);
		expect(await created.json()).toEqual({
			id: expect.any(String),
			match: { operation: "VerifyDomainIdentity" },
			code: "Throttling",
			status: 400,
			message: "Rate exceeded",
			remaining: 1,
		});
		// Not a SendEmail rule: sending is unaffected.
		expect((await send(sim, minimalEmail())).status).toBe(200);
		sim.addFault({
			code: "MessageRejected",
			match: { operation: "SendEmail", to: "x@example.test" },
		});
		expect((await send(sim, minimalEmail())).status).toBe(200);
		expect((await awsError(await send(sim, to("x@example.test")))).code).toBe("MessageRejected");
		expect(sim.store.listFaults().map((f) => f.match)).toEqual([
			{ operation: "VerifyDomainIdentity" },
		]);
	});

	it("refuses a fault posted without a JSON content type (no cross-site form posts)", async () => {
		const sim = newSimulator();
		const response = await sim.fetch(postFault('{"code":"InternalFailure"}', "text/plain"));
		expect(response.status).toBe(415);
		expect(sim.store.listFaults()).toEqual([]);
	});

	it("answers 400 with the reason for an invalid fault over HTTP", async () => {
		const sim = newSimulator();
		const invalid = await sim.fetch(postFault(JSON.stringify({ code: "Nope" })));
		expect(invalid.status).toBe(400);
		expect(await invalid.json()).toEqual({
			error: "status is required for the unknown code Nope.",
		});
		const notJson = await sim.fetch(postFault("{"));
		expect(notJson.status).toBe(400);
		expect(await notJson.json()).toEqual({ error: "The request body is not valid JSON." });
	});
});
