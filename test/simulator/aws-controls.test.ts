import { describe, expect, it } from "vitest";
import { DEMO_AWS_ACCOUNT } from "../../simulator/app.ts";
import { awsHarness, email } from "./aws-support.ts";
import { ENDPOINT } from "./support.ts";

function json(method: string, path: string, body?: unknown, contentType = "application/json") {
	return new Request(`${ENDPOINT}${path}`, {
		method,
		headers: { "content-type": contentType },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
}

function form(path: string, fields: Record<string, string>, origin = ENDPOINT): Request {
	return new Request(`${ENDPOINT}${path}`, {
		method: "POST",
		headers: {
			"content-type": "application/x-www-form-urlencoded",
			origin,
			"sec-fetch-site": origin === ENDPOINT ? "same-origin" : "cross-site",
		},
		body: new URLSearchParams(fields).toString(),
	});
}

describe("AWS account controls (JSON)", () => {
	it("create an account, a role, and change the sandbox and denied actions", async () => {
		const { sim } = awsHarness();
		const created = await sim.fetch(
			json("POST", "/_simulator/aws/accounts", { account_id: "333333333333", sandbox: false }),
		);
		expect(created.status).toBe(201);
		const account = (await created.json()) as Record<string, string>;
		expect(account).toEqual({
			account_id: "333333333333",
			access_key_id: expect.stringMatching(/^AKIA[A-Z2-7]{16}$/),
			secret_access_key: expect.stringMatching(/^[A-Za-z0-9+/]{40}$/),
		});

		const role = await sim.fetch(
			json("POST", "/_simulator/aws/accounts/333333333333/roles", {
				name: "SendFleet",
				external_id: "ext-123",
			}),
		);
		expect(role.status).toBe(201);
		expect(await role.json()).toEqual({ role_arn: "arn:aws:iam::333333333333:role/SendFleet" });

		await sim.fetch(
			json("POST", "/_simulator/aws/accounts/333333333333/sandbox", { sandbox: true }),
		);
		await sim.fetch(
			json("POST", "/_simulator/aws/accounts/333333333333/denied", {
				action: "ses:SendEmail",
				denied: true,
			}),
		);
		const listed = (await (await sim.fetch(json("GET", "/_simulator/aws/accounts"))).json()) as {
			accounts: unknown[];
		};
		expect(listed.accounts).toEqual([
			expect.objectContaining({
				accountId: "333333333333",
				sandbox: true,
				maxSendRate: 1,
				max24HourSend: 200,
				denied: ["ses:SendEmail"],
				roles: [
					{
						roleArn: "arn:aws:iam::333333333333:role/SendFleet",
						name: "SendFleet",
						trustedAccountId: "000000000000",
						externalId: "ext-123",
					},
				],
				accessKeys: [
					expect.objectContaining({ accessKeyId: account.access_key_id, revoked: false }),
				],
			}),
		]);

		const arn = encodeURIComponent("arn:aws:iam::333333333333:role/SendFleet");
		expect((await sim.fetch(json("DELETE", `/_simulator/aws/roles?arn=${arn}`))).status).toBe(200);
		expect((await sim.fetch(json("DELETE", `/_simulator/aws/roles?arn=${arn}`))).status).toBe(404);
		const revoked = await sim.fetch(
			json("DELETE", `/_simulator/aws/keys/${account.access_key_id}`),
		);
		expect(revoked.status).toBe(200);
		expect(sim.aws.account("333333333333")).toMatchObject({
			roles: [],
			accessKeys: [expect.objectContaining({ revoked: true })],
		});
	});

	it("refuse non-JSON writes, bad input and unknown accounts", async () => {
		const { sim } = awsHarness();
		const post = (path: string, body: unknown, type?: string) =>
			sim.fetch(json("POST", path, body, type));
		expect((await post("/_simulator/aws/accounts", {}, "text/plain")).status).toBe(415);
		expect((await post("/_simulator/aws/accounts", { account_id: "12" })).status).toBe(400);
		expect((await post("/_simulator/aws/accounts", { account_id: "000000000000" })).status).toBe(
			400,
		);
		expect(
			(await post("/_simulator/aws/accounts/999999999999/sandbox", { sandbox: false })).status,
		).toBe(404);
		await post("/_simulator/aws/accounts", { account_id: "444444444444" });
		expect((await post("/_simulator/aws/accounts", { account_id: "444444444444" })).status).toBe(
			409,
		);
		const noExternalId = await post("/_simulator/aws/accounts/444444444444/roles", { name: "R" });
		expect(noExternalId.status).toBe(400);
		expect(await noExternalId.json()).toEqual({ error: "external_id is required." });
	});

	it("let the domain controls publish a customer identity's records", async () => {
		const h = awsHarness();
		const keys = h.sim.aws.createAccount({ accountId: "555555555555", sandbox: false });
		await h.ses(keys, "ap-southeast-2", "POST", "/v2/email/identities", {
			EmailIdentity: "shop.test",
		});
		const published = await h.sim.fetch(
			json("POST", "/_simulator/domains/shop.test/publish", {
				aws_account_id: "555555555555",
				region: "ap-southeast-2",
			}),
		);
		expect(published.status).toBe(200);
		expect(await published.json()).toMatchObject({ status: { verifiedForSending: true } });
		// Not the platform's: it has no such identity.
		expect(
			(await h.sim.fetch(json("POST", "/_simulator/domains/shop.test/publish", {}))).status,
		).toBe(404);
		const got = await h.sim.fetch(
			json(
				"GET",
				"/_simulator/domains/shop.test?aws_account_id=555555555555&region=ap-southeast-2",
			),
		);
		expect(got.status).toBe(200);
		const sent = await h.ses(
			keys,
			"ap-southeast-2",
			"POST",
			"/v2/email/outbound-emails",
			email("hi@shop.test", "x@y.test"),
		);
		expect(sent.status).toBe(200);
	});
});

describe("the AWS accounts page", () => {
	it("shows accounts with keys, secrets, roles and trust, and is linked from the navigation", async () => {
		const { sim } = awsHarness();
		sim.aws.createAccount({ ...DEMO_AWS_ACCOUNT, sandbox: false });
		sim.aws.createRole(DEMO_AWS_ACCOUNT.accountId, { name: "SendFleet", externalId: "ext-demo" });
		const response = await sim.fetch(new Request(`${ENDPOINT}/aws`));
		expect(response.status).toBe(200);
		expect(response.headers.get("content-security-policy")).toContain("form-action 'self'");
		const html = await response.text();
		expect(html).toContain('<a href="/aws">AWS accounts</a>');
		expect(html).toContain("<h2>Account 111111111111</h2>");
		expect(html).toContain("AKIABYOCDEMO00000001");
		expect(html).toContain("byoc-demo-secret-not-for-production");
		expect(html).toContain("arn:aws:iam::111111111111:role/SendFleet");
		expect(html).toContain("<code>ext-demo</code>");
		expect(html).toContain("production access");
		expect(html).not.toContain("<script");
	});

	it("creates roles and toggles the sandbox from its forms, refusing other sites", async () => {
		const { sim } = awsHarness();
		sim.aws.createAccount({ accountId: "111111111111" });
		const role = await sim.fetch(
			form("/aws/accounts/111111111111/roles", {
				name: "SendFleet",
				external_id: "ext-9",
				trusted_account_id: "000000000000",
			}),
		);
		expect(role.status).toBe(303);
		expect(role.headers.get("location")).toBe("/aws");
		expect(sim.aws.account("111111111111")?.roles.map((r) => r.externalId)).toEqual(["ext-9"]);

		expect(
			(await sim.fetch(form("/aws/accounts/111111111111/sandbox", { sandbox: "off" }))).status,
		).toBe(303);
		expect(sim.aws.account("111111111111")?.sandbox).toBe(false);

		const crossSite = await sim.fetch(
			form("/aws/accounts/111111111111/sandbox", { sandbox: "on" }, "https://evil.example"),
		);
		expect(crossSite.status).toBe(403);
		expect(sim.aws.account("111111111111")?.sandbox).toBe(false);
		expect((await sim.fetch(form("/aws/accounts/111111111111/roles", { name: "X" }))).status).toBe(
			400,
		);
	});

	it("the inbox labels a customer's message with its account and region", async () => {
		const h = awsHarness();
		const keys = h.sim.aws.createAccount({ accountId: "111111111111", sandbox: false });
		await h.ses(keys, "eu-west-1", "POST", "/v2/email/identities", { EmailIdentity: "acme.com" });
		h.sim.dns.publish("acme.com", undefined, { awsAccountId: "111111111111", region: "eu-west-1" });
		await h.ses(
			keys,
			"eu-west-1",
			"POST",
			"/v2/email/outbound-emails",
			email("hi@acme.com", "x@y.test"),
		);
		const inbox = await (await h.sim.fetch(new Request(`${ENDPOINT}/`))).text();
		expect(inbox).toContain("AWS 111111111111 · eu-west-1");
		const domains = await (await h.sim.fetch(new Request(`${ENDPOINT}/domains`))).text();
		expect(domains).toContain(
			'<h2>acme.com <span class="muted">AWS 111111111111 · eu-west-1</span></h2>',
		);
		expect(domains).toContain('<input type="hidden" name="aws_account_id" value="111111111111">');
		// Its buttons act on the customer's identity.
		const removed = await h.sim.fetch(
			form("/domains/acme.com/remove", {
				records: "dkim",
				aws_account_id: "111111111111",
				region: "eu-west-1",
			}),
		);
		expect(removed.status).toBe(303);
		const view = h.sim.domains.get("acme.com", {
			awsAccountId: "111111111111",
			region: "eu-west-1",
		});
		expect(view?.status.verifiedForSending).toBe(false);
	});
});
