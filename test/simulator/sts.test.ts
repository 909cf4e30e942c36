import { describe, expect, it } from "vitest";
import { awsHarness, PLATFORM, text } from "./aws-support.ts";
import { awsError, HOUR_MS, NOW } from "./support.ts";

const NS = "https://sts.amazonaws.com/doc/2011-06-15/";
const CUSTOMER = "111111111111";
const ROLE_ARN = `arn:aws:iam::${CUSTOMER}:role/SendFleet`;
const EXTERNAL_ID = "sf-ext-7d1c2b";

function setup() {
	const h = awsHarness();
	const customer = h.sim.aws.createAccount({ accountId: CUSTOMER, sandbox: false });
	const { roleArn } = h.sim.aws.createRole(CUSTOMER, {
		name: "SendFleet",
		externalId: EXTERNAL_ID,
	});
	return { ...h, customer, roleArn };
}

/** The exact error document STS answers. */
function expectStsError(body: string, code: string, message: string): void {
	const requestId = text(body, "RequestId") ?? "";
	expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
	expect(body).toBe(`<ErrorResponse xmlns="${NS}">
  <Error>
    <Type>Sender</Type>
    <Code>${code}</Code>
    <Message>${message}</Message>
  </Error>
  <RequestId>${requestId}</RequestId>
</ErrorResponse>
`);
}

const denied = (principal = `arn:aws:iam::000000000000:user/sendfleet`, arn = ROLE_ARN) =>
	`User: ${principal} is not authorized to perform: sts:AssumeRole on resource: ${arn}`;

describe("STS AssumeRole", () => {
	it("answers AWS's XML with temporary credentials for the role's account", async () => {
		const h = setup();
		expect(h.roleArn).toBe(ROLE_ARN);
		const { response, body, credentials } = await h.assumeRole(ROLE_ARN, EXTERNAL_ID);
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toBe("text/xml");
		const requestId = text(body, "RequestId") ?? "";
		const roleId = (text(body, "AssumedRoleId") ?? "").split(":")[0] ?? "";
		expect(credentials?.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
		expect(credentials?.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
		expect(roleId).toMatch(/^AROA[A-Z2-7]{17}$/);
		expect(body).toBe(`<AssumeRoleResponse xmlns="${NS}">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>${credentials?.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${credentials?.secretAccessKey}</SecretAccessKey>
      <SessionToken>${credentials?.sessionToken}</SessionToken>
      <Expiration>2026-03-04T06:06:07Z</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <AssumedRoleId>${roleId}:sendfleet</AssumedRoleId>
      <Arn>arn:aws:sts::${CUSTOMER}:assumed-role/SendFleet/sendfleet</Arn>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>${requestId}</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>
`);
		expect(h.sim.aws.assumeRoleCalls).toEqual([
			{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID, ok: true, at: NOW.toISOString() },
		]);
	});

	it("answers at /sts/ too and honours DurationSeconds", async () => {
		const h = setup();
		const response = await h.sts(
			PLATFORM,
			{
				Action: "AssumeRole",
				Version: "2011-06-15",
				RoleArn: ROLE_ARN,
				RoleSessionName: "s1",
				ExternalId: EXTERNAL_ID,
				DurationSeconds: "900",
			},
			"/sts/",
		);
		expect(response.status).toBe(200);
		expect(text(await response.text(), "Expiration")).toBe("2026-03-04T05:21:07Z");
	});

	it.each([
		["a wrong external id", "other-external-id"],
		["no external id", null],
	])("refuses %s with AccessDenied", async (_label, externalId) => {
		const h = setup();
		const { response, body } = await h.assumeRole(ROLE_ARN, externalId);
		expect(response.status).toBe(403);
		expectStsError(body, "AccessDenied", denied());
		expect(h.sim.aws.assumeRoleCalls).toEqual([
			{ roleArn: ROLE_ARN, externalId, ok: false, at: NOW.toISOString() },
		]);
	});

	it("refuses a role that does not exist, or was deleted", async () => {
		const h = setup();
		const missing = `arn:aws:iam::${CUSTOMER}:role/Nope`;
		expectStsError(
			(await h.assumeRole(missing, EXTERNAL_ID)).body,
			"AccessDenied",
			denied(undefined, missing),
		);
		h.sim.aws.deleteRole(ROLE_ARN);
		const { response, body } = await h.assumeRole(ROLE_ARN, EXTERNAL_ID);
		expect(response.status).toBe(403);
		expectStsError(body, "AccessDenied", denied());
	});

	it("refuses a caller whose account the role does not trust", async () => {
		const h = setup();
		const other = h.sim.aws.createAccount({ accountId: "222222222222" });
		const { response, body } = await h.assumeRole(ROLE_ARN, EXTERNAL_ID, other);
		expect(response.status).toBe(403);
		expectStsError(body, "AccessDenied", denied("arn:aws:iam::222222222222:user/byoc"));
		// A role trusting that account lets it in.
		h.sim.aws.createRole(CUSTOMER, {
			name: "Partner",
			externalId: EXTERNAL_ID,
			trustedAccountId: "222222222222",
		});
		const partner = `arn:aws:iam::${CUSTOMER}:role/Partner`;
		expect((await h.assumeRole(partner, EXTERNAL_ID, other)).response.status).toBe(200);
		expect((await h.assumeRole(partner, EXTERNAL_ID)).response.status).toBe(403);
	});

	it.each([
		[
			{ RoleArn: "arn:aws:iam::1:r/x" },
			"Value 'arn:aws:iam::1:r/x' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
		],
		[
			{ RoleSessionName: "x" },
			"Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
		],
		[
			{ RoleSessionName: "has space" },
			"Value 'has space' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
		],
		[
			{ RoleSessionName: "s".repeat(65) },
			`Value '${"s".repeat(65)}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
		],
		[
			{ DurationSeconds: "899" },
			"Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
		],
		[
			{ DurationSeconds: "43201" },
			"Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
		],
	])("answers 400 ValidationError for %j", async (override, message) => {
		const h = setup();
		const { response, body } = await h.assumeRole(ROLE_ARN, EXTERNAL_ID, PLATFORM, override);
		expect(response.status).toBe(400);
		expectStsError(body, "ValidationError", `1 validation error detected: ${message}`);
	});

	it("answers ValidationError for a RoleArn that is not a role's", async () => {
		const h = setup();
		const arn = `arn:aws:iam::${CUSTOMER}:user/SendFleet`;
		const { response, body } = await h.assumeRole(arn, EXTERNAL_ID);
		expect(response.status).toBe(400);
		expectStsError(body, "ValidationError", `${arn} is invalid`);
	});

	it("refuses an unknown key with InvalidClientTokenId when the platform key is configured", async () => {
		const h = setup();
		const stranger = { accessKeyId: "AKIASTRANGER0000000", secretAccessKey: "x".repeat(40) };
		const { response, body } = await h.assumeRole(ROLE_ARN, EXTERNAL_ID, stranger);
		expect(response.status).toBe(403);
		expectStsError(
			body,
			"InvalidClientTokenId",
			"The security token included in the request is invalid.",
		);
		expect(h.sim.aws.assumeRoleCalls.map((c) => c.ok)).toEqual([false]);
	});

	it("fails with an injected AssumeRole fault, for the platform's calls only by default", async () => {
		const h = setup();
		h.sim.addFault({ match: { operation: "AssumeRole" }, code: "Throttling" });
		const { response, body } = await h.assumeRole(ROLE_ARN, EXTERNAL_ID);
		expect(response.status).toBe(400);
		expectStsError(body, "Throttling", "Rate exceeded");
		expect((await h.assumeRole(ROLE_ARN, EXTERNAL_ID)).response.status).toBe(200);
	});
});

describe("temporary credentials", () => {
	it("act as the role's account for SES, until they expire on the simulator's clock", async () => {
		const h = setup();
		const { credentials } = await h.assumeRole(ROLE_ARN, EXTERNAL_ID, PLATFORM, {
			DurationSeconds: "900",
		});
		if (credentials === null) throw new Error("AssumeRole failed");
		const account = await h.ses(credentials, "eu-west-1", "GET", "/v2/email/account");
		expect(account.status).toBe(200);
		expect(await account.json()).toMatchObject({ ProductionAccessEnabled: true });

		h.clock.advance(15 * 60 * 1000);
		expect(
			await awsError(await h.ses(credentials, "eu-west-1", "GET", "/v2/email/account")),
		).toEqual({
			status: 403,
			code: "ExpiredTokenException",
			message: "The security token included in the request is expired",
		});
		const v1 = await h.query(credentials, "eu-west-1", {
			Action: "GetIdentityVerificationAttributes",
			"Identities.member.1": "acme.com",
		});
		expect(v1.status).toBe(403);
		expect(text(await v1.text(), "Code")).toBe("ExpiredToken");
	});

	it("need their session token", async () => {
		const h = setup();
		const { credentials } = await h.assumeRole(ROLE_ARN, EXTERNAL_ID);
		if (credentials === null) throw new Error("AssumeRole failed");
		const { sessionToken: _, ...withoutToken } = credentials;
		expect(
			await awsError(await h.ses(withoutToken, "eu-west-1", "GET", "/v2/email/account")),
		).toEqual({
			status: 403,
			code: "UnrecognizedClientException",
			message: "The security token included in the request is invalid.",
		});
	});

	it("stop working once the role is deleted, even if it is made again", async () => {
		const h = setup();
		const { credentials } = await h.assumeRole(ROLE_ARN, EXTERNAL_ID);
		if (credentials === null) throw new Error("AssumeRole failed");
		h.sim.aws.deleteRole(ROLE_ARN);
		h.sim.aws.createRole(CUSTOMER, { name: "SendFleet", externalId: EXTERNAL_ID });
		expect(
			await awsError(await h.ses(credentials, "eu-west-1", "GET", "/v2/email/account")),
		).toEqual({
			status: 403,
			code: "AccessDeniedException",
			message: `User: arn:aws:sts::${CUSTOMER}:assumed-role/SendFleet/sendfleet is not authorized to perform: ses:GetAccount on resource: arn:aws:ses:eu-west-1:${CUSTOMER}:*`,
		});
	});

	it("expire after an hour by default", async () => {
		const h = setup();
		const { credentials } = await h.assumeRole(ROLE_ARN, EXTERNAL_ID);
		if (credentials === null) throw new Error("AssumeRole failed");
		h.clock.advance(HOUR_MS - 1000);
		expect((await h.ses(credentials, "eu-west-1", "GET", "/v2/email/account")).status).toBe(200);
		h.clock.advance(1000);
		expect((await h.ses(credentials, "eu-west-1", "GET", "/v2/email/account")).status).toBe(403);
	});
});
