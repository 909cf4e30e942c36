import { describe, expect, it } from "vitest";
import { awsHarness, email, type Keys, PLATFORM, text } from "./aws-support.ts";
import { awsError, HOUR_MS } from "./support.ts";

const CUSTOMER = "111111111111";
const REGION = "eu-west-1";
const scope = { awsAccountId: CUSTOMER, region: REGION };

function setup(input: { sandbox?: boolean; maxSendRate?: number; max24HourSend?: number } = {}) {
	const h = awsHarness();
	const keys = h.sim.aws.createAccount({ accountId: CUSTOMER, ...input });
	return { ...h, keys };
}

/** Creates acme.com in the customer's region and publishes its records: verified for sending. */
async function verifiedDomain(h: ReturnType<typeof setup>, domain = "acme.com"): Promise<void> {
	const created = await h.ses(h.keys, REGION, "POST", "/v2/email/identities", {
		EmailIdentity: domain,
	});
	expect(created.status).toBe(200);
	expect(h.sim.dns.publish(domain, undefined, scope).status.verifiedForSending).toBe(true);
}

describe("customer access keys", () => {
	it("are checked with their own secret, in any region", async () => {
		const h = setup();
		const wrong = { ...h.keys, secretAccessKey: "not-the-secret" };
		expect((await awsError(await h.ses(wrong, REGION, "GET", "/v2/email/account"))).code).toBe(
			"InvalidSignatureException",
		);
		for (const region of ["eu-west-1", "us-east-1", "ap-southeast-2"]) {
			expect((await h.ses(h.keys, region, "GET", "/v2/email/account")).status).toBe(200);
		}
		// The platform's key still has to stay in the platform's region.
		expect(
			(await awsError(await h.ses(PLATFORM, REGION, "GET", "/v2/email/account"))).message,
		).toBe("Credential should be scoped to a valid region, not 'eu-west-1'.");
	});

	it("are refused once revoked, in restJson1 and in Query XML", async () => {
		const h = setup();
		const second = h.sim.aws.createAccessKey(CUSTOMER);
		h.sim.aws.revokeAccessKey(h.keys.accessKeyId);
		expect(await awsError(await h.ses(h.keys, REGION, "GET", "/v2/email/account"))).toEqual({
			status: 403,
			code: "UnrecognizedClientException",
			message: "The security token included in the request is invalid.",
		});
		const v1 = await h.query(h.keys, REGION, {
			Action: "VerifyDomainIdentity",
			Domain: "acme.com",
		});
		expect(v1.status).toBe(403);
		const body = await v1.text();
		expect(text(body, "Code")).toBe("InvalidClientTokenId");
		expect(text(body, "Message")).toBe("The security token included in the request is invalid.");
		expect((await h.ses(second, REGION, "GET", "/v2/email/account")).status).toBe(200);
	});
});

describe("GetAccount", () => {
	it("answers the sandbox's quota for a new account, the production one after", async () => {
		const h = setup();
		const sandboxed = await h.ses(h.keys, REGION, "GET", "/v2/email/account");
		expect(await sandboxed.json()).toEqual({
			DedicatedIpAutoWarmupEnabled: false,
			EnforcementStatus: "HEALTHY",
			ProductionAccessEnabled: false,
			SendingEnabled: true,
			SendQuota: { Max24HourSend: 200, MaxSendRate: 1, SentLast24Hours: 0 },
		});
		h.sim.aws.setSandbox(CUSTOMER, false);
		const production = await h.ses(h.keys, REGION, "GET", "/v2/email/account");
		expect(await production.json()).toMatchObject({
			ProductionAccessEnabled: true,
			SendQuota: { Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: 0 },
		});
	});

	it("answers figures given at creation, and the platform's production quota", async () => {
		const h = setup({ sandbox: false, maxSendRate: 50, max24HourSend: 1_000_000 });
		expect(await (await h.ses(h.keys, REGION, "GET", "/v2/email/account")).json()).toMatchObject({
			SendQuota: { Max24HourSend: 1_000_000, MaxSendRate: 50 },
		});
		expect(
			await (await h.ses(PLATFORM, "us-east-1", "GET", "/v2/email/account")).json(),
		).toMatchObject({
			ProductionAccessEnabled: true,
			SendQuota: { Max24HourSend: 50_000, MaxSendRate: 14 },
		});
	});

	it("counts the account's own messages of the last 24 hours", async () => {
		const h = setup({ sandbox: false });
		await verifiedDomain(h);
		await h.ses(
			PLATFORM,
			"us-east-1",
			"POST",
			"/v2/email/outbound-emails",
			email("a@x.test", "b@y.test"),
		);
		for (let i = 0; i < 2; i++) {
			const sent = await h.ses(
				h.keys,
				REGION,
				"POST",
				"/v2/email/outbound-emails",
				email("hi@acme.com", "you@example.org"),
			);
			expect(sent.status).toBe(200);
		}
		const figure = async () =>
			(
				(await (await h.ses(h.keys, REGION, "GET", "/v2/email/account")).json()) as {
					SendQuota: { SentLast24Hours: number };
				}
			).SendQuota.SentLast24Hours;
		expect(await figure()).toBe(2);
		h.clock.advance(24 * HOUR_MS);
		expect(await figure()).toBe(0);
	});
});

describe("SendEmail from a customer account", () => {
	it("refuses a sender that is not a verified identity in that region", async () => {
		const h = setup({ sandbox: false });
		const send = () =>
			h.ses(
				h.keys,
				REGION,
				"POST",
				"/v2/email/outbound-emails",
				email("Acme <hello@acme.com>", "you@example.org"),
			);
		expect(await awsError(await send())).toEqual({
			status: 400,
			code: "MessageRejected",
			message:
				"Email address is not verified. The following identities failed the check in region EU-WEST-1: hello@acme.com",
		});
		// Created but its records not published yet: still refused.
		await h.ses(h.keys, REGION, "POST", "/v2/email/identities", { EmailIdentity: "acme.com" });
		expect((await send()).status).toBe(400);
		h.sim.dns.publish("acme.com", undefined, scope);
		expect((await send()).status).toBe(200);
		// The same domain is not verified in another region of the same account.
		const elsewhere = await h.ses(
			h.keys,
			"us-east-1",
			"POST",
			"/v2/email/outbound-emails",
			email("hello@acme.com", "you@example.org"),
		);
		expect((await awsError(elsewhere)).message).toContain("in region US-EAST-1: hello@acme.com");
	});

	it("in the sandbox, refuses unverified recipients but lets SES's mailbox simulator through", async () => {
		const h = setup();
		await verifiedDomain(h);
		const send = (...to: string[]) =>
			h.ses(h.keys, REGION, "POST", "/v2/email/outbound-emails", email("hello@acme.com", ...to));
		expect(
			await awsError(
				await send("you@example.org", "Them <them@example.net>", "success@simulator.amazonses.com"),
			),
		).toEqual({
			status: 400,
			code: "MessageRejected",
			message:
				"Email address is not verified. The following identities failed the check in region EU-WEST-1: you@example.org, them@example.net",
		});
		h.sim.aws.verifyAddress(CUSTOMER, REGION, "you@example.org");
		h.sim.aws.verifyAddress(CUSTOMER, REGION, "them@example.net");
		expect(
			(await send("you@example.org", "them@example.net", "bounce@simulator.amazonses.com")).status,
		).toBe(200);
		// A verified domain of the account covers its addresses as recipients too.
		expect((await send("ops@acme.com")).status).toBe(200);
		h.sim.aws.setSandbox(CUSTOMER, false);
		expect((await send("anyone@example.com")).status).toBe(200);
	});

	it("stores the message with its account and region and queues no SNS notification", async () => {
		const h = setup({ sandbox: false });
		await verifiedDomain(h);
		const response = await h.ses(
			h.keys,
			REGION,
			"POST",
			"/v2/email/outbound-emails",
			email("hello@acme.com", "you@example.org"),
		);
		const { MessageId } = (await response.json()) as { MessageId: string };
		expect(MessageId).toMatch(/^0100[0-9a-f]{12}-[0-9a-f-]{36}-000000$/);
		expect(h.sim.store.getMessage(MessageId)).toMatchObject({
			awsAccountId: CUSTOMER,
			region: REGION,
		});
		expect(h.sim.sns.pending()).toEqual([]);

		await h.ses(
			PLATFORM,
			"us-east-1",
			"POST",
			"/v2/email/outbound-emails",
			email("a@x.test", "b@y.test"),
		);
		expect(h.sim.store.listMessages()[0]).toMatchObject({
			awsAccountId: "000000000000",
			region: "us-east-1",
		});
		expect(h.sim.sns.pending()).toHaveLength(1);
	});
});

describe("denied IAM actions", () => {
	it("answer AccessDeniedException with AWS's wording, for a key and for a role session", async () => {
		const h = setup({ sandbox: false });
		await verifiedDomain(h);
		h.sim.aws.setDenied(CUSTOMER, "ses:SendEmail", true);
		const send = (keys: Keys) =>
			h.ses(
				keys,
				REGION,
				"POST",
				"/v2/email/outbound-emails",
				email("hello@acme.com", "you@example.org"),
			);
		expect(await awsError(await send(h.keys))).toEqual({
			status: 403,
			code: "AccessDeniedException",
			message: `User: arn:aws:iam::${CUSTOMER}:user/byoc is not authorized to perform: ses:SendEmail on resource: arn:aws:ses:eu-west-1:${CUSTOMER}:identity/acme.com`,
		});
		const { roleArn } = h.sim.aws.createRole(CUSTOMER, { name: "SendFleet", externalId: "ext-1" });
		const { credentials } = await h.assumeRole(roleArn, "ext-1");
		if (credentials === null) throw new Error("AssumeRole failed");
		expect((await awsError(await send(credentials))).message).toBe(
			`User: arn:aws:sts::${CUSTOMER}:assumed-role/SendFleet/sendfleet is not authorized to perform: ses:SendEmail on resource: arn:aws:ses:eu-west-1:${CUSTOMER}:identity/acme.com`,
		);
		// Other actions still work; allowing it again lets the send through.
		expect((await h.ses(h.keys, REGION, "GET", "/v2/email/identities/acme.com")).status).toBe(200);
		h.sim.aws.setDenied(CUSTOMER, "ses:SendEmail", false);
		expect((await send(h.keys)).status).toBe(200);
	});

	it("answer AccessDenied in the Query API's XML", async () => {
		const h = setup();
		h.sim.aws.setDenied(CUSTOMER, "ses:VerifyDomainIdentity", true);
		const response = await h.query(h.keys, REGION, {
			Action: "VerifyDomainIdentity",
			Domain: "acme.com",
		});
		expect(response.status).toBe(403);
		const body = await response.text();
		expect(text(body, "Code")).toBe("AccessDenied");
		expect(text(body, "Message")).toBe(
			`User: arn:aws:iam::${CUSTOMER}:user/byoc is not authorized to perform: ses:VerifyDomainIdentity on resource: arn:aws:ses:eu-west-1:${CUSTOMER}:identity/acme.com`,
		);
	});
});

describe("identities per account and region", () => {
	it("keep each account's and region's identities apart, with their own tokens", async () => {
		const h = setup();
		await h.ses(PLATFORM, "us-east-1", "POST", "/v2/email/identities", {
			EmailIdentity: "acme.com",
		});
		const created = await h.ses(h.keys, REGION, "POST", "/v2/email/identities", {
			EmailIdentity: "acme.com",
		});
		expect(created.status).toBe(200);
		expect((await h.ses(h.keys, "us-east-1", "GET", "/v2/email/identities/acme.com")).status).toBe(
			404,
		);
		const platformTokens = h.sim.domains.get("acme.com")?.dkimTokens;
		const customerTokens = h.sim.domains.get("acme.com", scope)?.dkimTokens;
		expect(customerTokens).toHaveLength(3);
		expect(customerTokens).not.toEqual(platformTokens);
		expect(h.sim.domains.scopes()).toEqual([scope]);
		expect(h.sim.aws.account(CUSTOMER)?.regions.map((r) => r.region)).toEqual([REGION]);

		// The v1 token too: each account's own.
		const v1 = await h.query(h.keys, REGION, {
			Action: "VerifyDomainIdentity",
			Domain: "acme.com",
		});
		expect(text(await v1.text(), "VerificationToken")).toBe(
			h.sim.domains.get("acme.com", scope)?.verificationToken,
		);
	});
});

describe("faults and accounts", () => {
	it("hit the platform only without awsAccountId, and only that account with it", async () => {
		const h = setup();
		h.sim.addFault({ match: { operation: "GetAccount" }, code: "TooManyRequestsException" });
		expect((await h.ses(h.keys, REGION, "GET", "/v2/email/account")).status).toBe(200);
		expect((await h.ses(PLATFORM, "us-east-1", "GET", "/v2/email/account")).status).toBe(429);

		h.sim.addFault({
			match: { awsAccountId: CUSTOMER, operation: "GetAccount" },
			code: "ServiceUnavailable",
			times: 2,
		});
		expect((await h.ses(PLATFORM, "us-east-1", "GET", "/v2/email/account")).status).toBe(200);
		expect((await h.ses(h.keys, REGION, "GET", "/v2/email/account")).status).toBe(503);

		// An unscoped SendEmail fault does not touch a customer's send.
		await verifiedDomain(h);
		h.sim.aws.setSandbox(CUSTOMER, false);
		h.sim.addFault({ code: "MessageRejected" });
		expect(
			(
				await h.ses(
					h.keys,
					REGION,
					"POST",
					"/v2/email/outbound-emails",
					email("hi@acme.com", "a@b.test"),
				)
			).status,
		).toBe(200);
		expect(h.sim.store.listFaults().map((f) => f.code)).toEqual([
			"ServiceUnavailable",
			"MessageRejected",
		]);
	});
});
