/**
 * BYOC end to end: connecting an AWS account (role or access key), BYOC domains in the
 * customer's SES, sends on the request path with SES's message id, and every failure of the
 * customer's SES answered as documented. test/byoc-no-trace.test.ts shows nothing is kept.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../simulator/app.ts";
import { findDomain } from "../src/db/queries/domains.ts";
import { accounts, byocConnections } from "../src/db/schema.ts";
import { domainDepsFromEnv } from "../src/deps.ts";
import { recheckDomain, SES_UNAVAILABLE_RETRY } from "../src/domain/domain-lifecycle.ts";
import type { Bindings } from "../src/env.ts";
import { api } from "./helpers/api.ts";
import { byocCustomer, verifiedByocDomain } from "./helpers/byoc.ts";
import { createSender, db } from "./helpers/factories.ts";
import { installSimulator } from "./helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(() => {
	({ sim, restore } = installSimulator());
});
afterEach(() => restore());

const SES_MESSAGE_ID = /^[0-9a-f]{16}-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}-[0-9a-f]{6}$/;

const email = (from: string, to = "success@simulator.amazonses.com") => ({
	from,
	to: [to],
	subject: "Your receipt",
	html: "<p>Thanks</p>",
});

describe("connecting an AWS account", () => {
	it("shows the external id and policies before anything is saved", async () => {
		const customer = await byocCustomer(sim);
		const { status, json } = await api("GET", "/byoc/connection", { key: customer.key });
		expect(status).toBe(200);
		expect(json).toMatchObject({
			status: "not_connected",
			external_id: `sendfleet-${customer.account.id}`,
			sendfleet_aws_account_id: "000000000000",
			ses: null,
		});
		expect(JSON.stringify(json.trust_policy)).toContain(`sendfleet-${customer.account.id}`);
		expect(JSON.stringify(json.permissions_policy)).toContain("ses:SendEmail");
	});

	it("assumes the role with the external id and answers what SES GetAccount says", async () => {
		const customer = await byocCustomer(sim);
		const { status, json } = await api("POST", "/byoc/connection", {
			key: customer.key,
			body: { region: "eu-west-1", role_arn: customer.roleArn },
		});
		expect(status).toBe(200);
		expect(json).toMatchObject({
			status: "connected",
			method: "role",
			region: "eu-west-1",
			role_arn: customer.roleArn,
			ses: { production_access: true, sandbox_note: null, max_send_rate: 14 },
		});
		expect(sim.aws.assumeRoleCalls.at(-1)).toMatchObject({
			roleArn: customer.roleArn,
			externalId: `sendfleet-${customer.account.id}`,
			ok: true,
		});
	});

	it("refuses a role whose trust policy wants another external id, naming sts:AssumeRole", async () => {
		const customer = await byocCustomer(sim);
		const { roleArn } = sim.aws.createRole(customer.aws.accountId, {
			name: "Other",
			externalId: "someone-else",
		});
		const { status, json } = await api("POST", "/byoc/connection", {
			key: customer.key,
			body: { region: "eu-west-1", role_arn: roleArn },
		});
		expect(status).toBe(422);
		expect(json.name).toBe("byoc_connection_failed");
		expect(json.missing_action).toBe("sts:AssumeRole");
		expect(json.message).toContain(`sendfleet-${customer.account.id}`);
		const after = await api("GET", "/byoc/connection", { key: customer.key });
		expect(after.json.status).toBe("not_connected");
	});

	it("answers 503 and saves nothing while STS is out of reach", async () => {
		const customer = await byocCustomer(sim);
		sim.addFault({ match: { operation: "AssumeRole" }, code: "ServiceUnavailable", status: 503 });
		const { status, json } = await api("POST", "/byoc/connection", {
			key: customer.key,
			body: { region: "eu-west-1", role_arn: customer.roleArn },
		});
		expect(status).toBe(503);
		expect(json.name).toBe("service_unavailable");
		const after = await api("GET", "/byoc/connection", { key: customer.key });
		expect(after.json.status).toBe("not_connected");
	});

	it("names the IAM action a policy is missing", async () => {
		const customer = await byocCustomer(sim);
		sim.aws.setDenied(customer.aws.accountId, "ses:GetAccount", true);
		const { status, json } = await api("POST", "/byoc/connection", {
			key: customer.key,
			body: { region: "eu-west-1", role_arn: customer.roleArn },
		});
		expect(status).toBe(422);
		expect(json.missing_action).toBe("ses:GetAccount");
		expect(json.message).toContain("ses:GetAccount");
	});

	it("keeps an access key sealed and never returns it", async () => {
		const customer = await byocCustomer(sim, { sandbox: true });
		const { status, json } = await api("POST", "/byoc/connection", {
			key: customer.key,
			body: {
				region: "us-east-1",
				access_key_id: customer.aws.accessKeyId,
				secret_access_key: customer.aws.secretAccessKey,
			},
		});
		expect(status).toBe(200);
		expect(json).toMatchObject({
			method: "access_key",
			access_key_id_last4: customer.aws.accessKeyId.slice(-4),
			ses: { production_access: false, max_24_hour_send: 200 },
		});
		expect(String((json.ses as { sandbox_note: string }).sandbox_note)).toContain(
			"only verified addresses can receive",
		);
		expect(JSON.stringify(json)).not.toContain(customer.aws.secretAccessKey);
		const [row] = await db()
			.select()
			.from(byocConnections)
			.where(eq(byocConnections.accountId, customer.account.id));
		expect(row?.sealedKeys).toBeTruthy();
		expect(JSON.stringify(row)).not.toContain(customer.aws.secretAccessKey);
		expect(JSON.stringify(row)).not.toContain(customer.aws.accessKeyId);
	});

	it("refuses a wrong access key and bad input with a 4xx that names the problem", async () => {
		const customer = await byocCustomer(sim);
		const wrong = await api("POST", "/byoc/connection", {
			key: customer.key,
			body: {
				region: "eu-west-1",
				access_key_id: customer.aws.accessKeyId,
				secret_access_key: "not-the-secret",
			},
		});
		expect(wrong.status).toBe(422);
		expect(wrong.json.name).toBe("byoc_connection_failed");
		const badRegion = await api("POST", "/byoc/connection", {
			key: customer.key,
			body: { region: "mars-1", role_arn: customer.roleArn },
		});
		expect(badRegion.status).toBe(422);
		expect(String(badRegion.json.message)).toContain("region");
	});

	it("is only the caller's own: another account sees none and deletes none", async () => {
		const customer = await byocCustomer(sim);
		await verifiedByocDomain(sim, customer);
		const other = await byocCustomer(sim);
		expect((await api("GET", "/byoc/connection", { key: other.key })).json.status).toBe(
			"not_connected",
		);
		expect((await api("DELETE", "/byoc/connection", { key: other.key })).status).toBe(404);
		const mine = await api("GET", "/domains", { key: customer.key });
		const domainId = String((mine.json.data as { id: string }[])[0]?.id);
		expect((await api("GET", `/domains/${domainId}`, { key: other.key })).status).toBe(404);
		expect((await api("DELETE", `/domains/${domainId}`, { key: other.key })).status).toBe(404);
	});
});

describe("BYOC domains", () => {
	it("are registered in the customer's SES, in its region, and verified with the same checks", async () => {
		const customer = await byocCustomer(sim);
		const domain = await verifiedByocDomain(sim, customer);
		const { json } = await api("GET", `/domains/${domain.id}`, { key: customer.key });
		expect(json).toMatchObject({ sending_path: "byoc", region: "eu-west-1", status: "verified" });
		const identities = sim.aws
			.account(customer.aws.accountId)
			?.regions.find((r) => r.region === "eu-west-1")?.identities;
		expect(identities?.map((i) => i.domain)).toContain(domain.name);
		// Nothing in SendFleet's own SES account.
		expect(sim.domains.list().map((d) => d.domain)).not.toContain(domain.name);
	});

	it("need no approval or plan, while a Shared SES domain still does", async () => {
		const customer = await byocCustomer(sim);
		await api("POST", "/byoc/connection", {
			key: customer.key,
			body: { region: "eu-west-1", role_arn: customer.roleArn },
		});
		const shared = await api("POST", "/domains", {
			key: customer.key,
			body: { name: "shared-one.example.com" },
		});
		expect(shared.status).toBe(403);
		const byoc = await api("POST", "/domains", {
			key: customer.key,
			body: { name: "shared-one.example.com", sending_path: "byoc" },
		});
		expect(byoc.status).toBe(201);
	});

	it("are on one path at a time, and hold no name in our SES account", async () => {
		const customer = await byocCustomer(sim);
		const domain = await verifiedByocDomain(sim, customer);
		await db()
			.update(accounts)
			.set({ plan: "pro", verificationStatus: "approved", subscriptionStatus: "active" })
			.where(eq(accounts.id, customer.account.id));
		const again = await api("POST", "/domains", { key: customer.key, body: { name: domain.name } });
		expect(again.status).toBe(409);
		expect(String(again.json.message)).toContain("one path at a time");
		// Another account may hold the same name on Shared SES: the identities are in different AWS accounts.
		const sharedSender = await createSender();
		const theirs = await api("POST", "/domains", {
			key: sharedSender.key.token,
			body: { name: domain.name },
		});
		expect(theirs.status).toBe(201);
	});

	it("answer byoc_not_connected without a connection", async () => {
		const customer = await byocCustomer(sim);
		const { status, json } = await api("POST", "/domains", {
			key: customer.key,
			body: { name: "nowhere.example.com", sending_path: "byoc" },
		});
		expect(status).toBe(403);
		expect(json.name).toBe("byoc_not_connected");
	});

	it("are deleted from the customer's SES when deleted", async () => {
		const customer = await byocCustomer(sim);
		const domain = await verifiedByocDomain(sim, customer);
		expect((await api("DELETE", `/domains/${domain.id}`, { key: customer.key })).status).toBe(200);
		const identities = sim.aws
			.account(customer.aws.accountId)
			?.regions.flatMap((r) => r.identities.map((i) => i.domain));
		expect(identities).not.toContain(domain.name);
	});
});

describe("BYOC domains when the customer's side fails", () => {
	it("refuses a region that is not an AWS region name", async () => {
		const customer = await byocCustomer(sim);
		await api("POST", "/byoc/connection", {
			key: customer.key,
			body: { region: "eu-west-1", role_arn: customer.roleArn },
		});
		const { status, json } = await api("POST", "/domains", {
			key: customer.key,
			body: { name: "region.example.com", sending_path: "byoc", region: "EU West" },
		});
		expect(status).toBe(422);
		expect(String(json.message)).toContain("`region`");
	});

	it("are deleted here without a connection, leaving the identity in the customer's SES", async () => {
		const customer = await byocCustomer(sim);
		const domain = await verifiedByocDomain(sim, customer);
		await api("DELETE", "/byoc/connection", { key: customer.key });
		expect((await api("DELETE", `/domains/${domain.id}`, { key: customer.key })).status).toBe(200);
		expect((await api("GET", `/domains/${domain.id}`, { key: customer.key })).status).toBe(404);
		expect(
			sim.domains.get(domain.name, { awsAccountId: customer.aws.accountId, region: "eu-west-1" }),
		).toBeDefined();
	});

	it("are kept, with a 503, while the customer's SES cannot delete the identity", async () => {
		const customer = await byocCustomer(sim);
		const domain = await verifiedByocDomain(sim, customer);
		sim.addFault({
			match: { operation: "DeleteEmailIdentity", awsAccountId: customer.aws.accountId },
			code: "InternalFailure",
			status: 500,
		});
		expect((await api("DELETE", `/domains/${domain.id}`, { key: customer.key })).status).toBe(503);
		expect((await api("GET", `/domains/${domain.id}`, { key: customer.key })).status).toBe(200);
	});

	it("are re-checked by the cron in the customer's SES, and wait while there is no connection", async () => {
		const customer = await byocCustomer(sim);
		await api("POST", "/byoc/connection", {
			key: customer.key,
			body: { region: "eu-west-1", role_arn: customer.roleArn },
		});
		const name = `cron${Date.now().toString(36)}.example.com`;
		const added = await api("POST", "/domains", {
			key: customer.key,
			body: { name, sending_path: "byoc" },
		});
		const id = String(added.json.id);
		sim.dns.publish(name, undefined, { awsAccountId: customer.aws.accountId, region: "eu-west-1" });
		const deps = domainDepsFromEnv(env as unknown as Bindings);
		const row = await findDomain(db(), customer.account.id, id);
		if (!row) throw new Error("no domain");
		const now = Date.now();
		const checked = await recheckDomain(deps, row, now);
		expect(checked.kind).toBe("checked");
		expect((await findDomain(db(), customer.account.id, id))?.ownershipStatus).toBe("verified");

		await api("DELETE", "/byoc/connection", { key: customer.key });
		const waiting = await recheckDomain(deps, row, now);
		expect(waiting).toMatchObject({ kind: "ses_unavailable", message: "byoc_not_connected" });
		expect((await findDomain(db(), customer.account.id, id))?.nextCheckAt).toBe(
			now + SES_UNAVAILABLE_RETRY,
		);
	});
});

describe("sending through BYOC", () => {
	it("answers SES's message id, sends from the customer's account, and stores no email", async () => {
		const customer = await byocCustomer(sim);
		const domain = await verifiedByocDomain(sim, customer);
		const { status, json } = await api("POST", "/emails", {
			key: customer.key,
			body: email(domain.from),
		});
		expect(status).toBe(200);
		expect(String(json.id)).toMatch(SES_MESSAGE_ID);
		const [message] = sim.store.listMessages({});
		expect(message).toMatchObject({
			messageId: json.id,
			awsAccountId: customer.aws.accountId,
			region: "eu-west-1",
			configurationSetName: null,
		});
		expect(message?.tags).toEqual([]);
		const fetched = await api("GET", `/emails/${json.id}`, { key: customer.key });
		expect(fetched.status).toBe(404);
		expect(String(fetched.json.message)).toContain("BYOC emails are not stored");
		const list = await api("GET", "/emails", { key: customer.key });
		expect(list.json.data).toEqual([]);
		const nonsense = await api("GET", "/emails/not-an-id", { key: customer.key });
		expect(nonsense.status).toBe(422);
		expect(String(nonsense.json.message)).toContain("`id`");
	});

	it("is held to the plan's request rate, with nothing sent for a refused request", async () => {
		const customer = await byocCustomer(sim);
		const domain = await verifiedByocDomain(sim, customer);
		// The free plan's burst is 20 requests: 40 at once cannot all pass.
		const answers = await Promise.all(
			Array.from({ length: 40 }, () =>
				api("POST", "/emails", { key: customer.key, body: email(domain.from) }),
			),
		);
		const statuses = answers.map((a) => a.status);
		expect(statuses).toContain(429);
		expect(new Set(statuses)).toEqual(new Set([200, 429]));
		const limited = answers.find((a) => a.status === 429);
		expect(limited?.json.name).toBe("rate_limit_exceeded");
		expect(sim.store.listMessages({})).toHaveLength(statuses.filter((s) => s === 200).length);
	});

	it("reuses the assumed role's credentials across sends", async () => {
		const customer = await byocCustomer(sim);
		const domain = await verifiedByocDomain(sim, customer);
		const before = sim.aws.assumeRoleCalls.length;
		for (let i = 0; i < 3; i++) {
			const sent = await api("POST", "/emails", { key: customer.key, body: email(domain.from) });
			expect(sent.status).toBe(200);
		}
		expect(sim.aws.assumeRoleCalls.length).toBe(before);
	});

	it("sends a batch with each result in place, even when the customer's SES refuses one", async () => {
		const customer = await byocCustomer(sim, { sandbox: true });
		const domain = await verifiedByocDomain(sim, customer);
		const { status, json } = await api("POST", "/emails/batch", {
			key: customer.key,
			body: [
				email(domain.from),
				email(domain.from, "stranger@example.org"),
				email(domain.from, "bounce@simulator.amazonses.com"),
			],
		});
		expect(status).toBe(200);
		expect((json.data as { id: string }[]).map((d) => d.id)).toHaveLength(2);
		expect(json.errors).toEqual([
			{ index: 1, message: expect.stringContaining("only verified addresses can receive") },
		]);
		expect(JSON.stringify(json.errors)).not.toContain("stranger@example.org");
	});

	it("maps the SES sandbox's refusal to 422", async () => {
		const customer = await byocCustomer(sim, { sandbox: true });
		const domain = await verifiedByocDomain(sim, customer);
		const { status, json } = await api("POST", "/emails", {
			key: customer.key,
			body: email(domain.from, "someone@example.org"),
		});
		expect(status).toBe(422);
		expect(json.name).toBe("ses_rejected");
		expect(String(json.message)).toContain("sandbox");
	});

	it("maps throttling to 429 with retry-after, and a rejection to 422", async () => {
		const customer = await byocCustomer(sim);
		const domain = await verifiedByocDomain(sim, customer);
		sim.addFault({
			match: { awsAccountId: customer.aws.accountId },
			code: "TooManyRequestsException",
			status: 429,
			message: "Maximum sending rate exceeded.",
		});
		const throttled = await api("POST", "/emails", { key: customer.key, body: email(domain.from) });
		expect(throttled.status).toBe(429);
		expect(throttled.headers.get("retry-after")).toBe("1");
		sim.addFault({
			match: { awsAccountId: customer.aws.accountId },
			code: "MessageRejected",
			status: 400,
			message: "Email address is not verified.",
		});
		const refused = await api("POST", "/emails", { key: customer.key, body: email(domain.from) });
		expect(refused.status).toBe(422);
		expect(refused.json.name).toBe("ses_rejected");
	});

	it("answers 503 when the customer's SES is out of reach, with nothing sent", async () => {
		const customer = await byocCustomer(sim);
		const domain = await verifiedByocDomain(sim, customer);
		sim.addFault({
			match: { awsAccountId: customer.aws.accountId },
			code: "InternalFailure",
			status: 500,
		});
		const { status, json } = await api("POST", "/emails", {
			key: customer.key,
			body: email(domain.from),
		});
		expect(status).toBe(503);
		expect(String(json.message)).toContain("nothing was sent");
		expect(sim.store.listMessages({})).toHaveLength(0);
	});

	it("turns the connection broken when the key is revoked, and says to fix it", async () => {
		const customer = await byocCustomer(sim);
		const domain = await verifiedByocDomain(sim, customer, "access_key");
		sim.aws.revokeAccessKey(customer.aws.accessKeyId);

		const { status, json } = await api("POST", "/emails", {
			key: customer.key,
			body: email(domain.from),
		});
		expect(status).toBe(403);
		expect(json.name).toBe("byoc_connection_broken");
		expect(String(json.message)).toContain("AWS connection");
		const connection = await api("GET", "/byoc/connection", { key: customer.key });
		expect(connection.json).toMatchObject({ status: "broken" });
		expect(String(connection.json.broken_reason)).toContain("UnrecognizedClientException");

		// A new key heals it.
		const fresh = sim.aws.createAccessKey(customer.aws.accountId);
		const saved = await api("POST", "/byoc/connection", {
			key: customer.key,
			body: {
				region: "eu-west-1",
				access_key_id: fresh.accessKeyId,
				secret_access_key: fresh.secretAccessKey,
			},
		});
		expect(saved.json.status).toBe("connected");
		const again = await api("POST", "/emails", {
			key: customer.key,
			body: email(domain.from),
		});
		expect(again.status).toBe(200);
	});

	it("answers byoc_connection_broken, not a 500, when the saved key cannot be opened", async () => {
		const customer = await byocCustomer(sim);
		const domain = await verifiedByocDomain(sim, customer, "access_key");
		// As after BYOC_SECRET_KEY dropped the key that sealed it.
		await db()
			.update(byocConnections)
			.set({ sealedKeys: btoa("sealed under a key the ring no longer has") })
			.where(eq(byocConnections.accountId, customer.account.id));
		const { status, json } = await api("POST", "/emails", {
			key: customer.key,
			body: email(domain.from),
		});
		expect(status).toBe(403);
		expect(json.name).toBe("byoc_connection_broken");
		expect(String(json.message)).toContain("save the connection again");
	});

	it("answers the documented 4xx once the role is removed", async () => {
		const customer = await byocCustomer(sim);
		const domain = await verifiedByocDomain(sim, customer);
		sim.aws.deleteRole(customer.roleArn);
		const { status, json } = await api("POST", "/emails", {
			key: customer.key,
			body: email(domain.from),
		});
		expect(status).toBe(403);
		expect(json.name).toBe("byoc_connection_broken");
		const tested = await api("POST", "/byoc/connection/test", { key: customer.key });
		expect(tested.status).toBe(422);
		expect((await api("GET", "/byoc/connection", { key: customer.key })).json.status).toBe(
			"broken",
		);
	});

	it("stops at once when the connection is deleted", async () => {
		const customer = await byocCustomer(sim);
		const domain = await verifiedByocDomain(sim, customer);
		expect((await api("DELETE", "/byoc/connection", { key: customer.key })).status).toBe(200);
		const { status, json } = await api("POST", "/emails", {
			key: customer.key,
			body: email(domain.from),
		});
		expect(status).toBe(403);
		expect(json.name).toBe("byoc_not_connected");
		expect(String(json.message)).toContain(domain.name);
	});

	it("keeps Idempotency-Key working: one send, the same id", async () => {
		const customer = await byocCustomer(sim);
		const domain = await verifiedByocDomain(sim, customer);
		const headers = { "idempotency-key": `byoc-${Date.now()}` };
		const first = await api("POST", "/emails", {
			key: customer.key,
			body: email(domain.from),
			headers,
		});
		const second = await api("POST", "/emails", {
			key: customer.key,
			body: email(domain.from),
			headers,
		});
		expect(second.json.id).toBe(first.json.id);
		expect(second.headers.get("idempotent-replayed")).toBe("true");
		expect(sim.store.listMessages({})).toHaveLength(1);
	});

	it("ignores a Shared SES suspension: the reputation at stake is the customer's own", async () => {
		const customer = await byocCustomer(sim);
		const domain = await verifiedByocDomain(sim, customer);
		await db()
			.update(accounts)
			.set({ suspendedAt: Date.now(), suspensionReason: "bounce rate" })
			.where(eq(accounts.id, customer.account.id));
		const { status } = await api("POST", "/emails", {
			key: customer.key,
			body: email(domain.from),
		});
		expect(status).toBe(200);
	});
});
