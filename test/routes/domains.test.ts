import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../../simulator/app.ts";
import { checkDueDomains } from "../../src/cron/check-domains.ts";
import { findDomain, updateDomain } from "../../src/db/queries/domains.ts";
import { domainDepsFromEnv } from "../../src/deps.ts";
import { VERIFICATION_WINDOW } from "../../src/domain/domain-checks.ts";
import type { Bindings } from "../../src/env.ts";
import { DAY, MINUTE } from "../../src/lib/time.ts";
import { DomainSchema } from "../../src/routes/domains/schemas.ts";
import { api } from "../helpers/api.ts";
import { client, expectJson } from "../helpers/client.ts";
import { runCommonRouteTests } from "../helpers/common-route-tests.ts";
import { createAccount, createApiKey, db } from "../helpers/factories.ts";
import { installSimulator } from "../helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(() => {
	({ sim, restore } = installSimulator());
});
afterEach(() => restore());

let counter = 0;
const newName = () => `d${Date.now().toString(36)}${counter++}.example.com`;

async function newAccount() {
	const account = await createAccount();
	const key = await createApiKey(account.id);
	return { account, key: key.token };
}

async function addDomain(key: string, name = newName()) {
	const json = await expectJson(client(key).domains.$post({ json: { name } }), 201);
	return { name, id: json.id, json };
}

const getDomain = (key: string, id: string) => client(key).domains[":id"].$get({ param: { id } });
const listDomains = (key: string) => client(key).domains.$get({ query: {} });
const send = (key: string, from: string) =>
	client(key).emails.$post({
		json: { from, to: "a@example.org", subject: "Hi", text: "Hi" },
		header: {},
	});

type Check = "verify" | "verify-ownership" | "verify-dkim";

/**
 * `POST /domains/:id/verify…` answered. These three operations are registered in a loop, so
 * `hc` has no type for them (see test/helpers/client.ts); the answer is parsed with the
 * route's own response schema instead, which types it and checks it too.
 */
async function verify(key: string, id: string, check: Check = "verify") {
	// Checks are cooled down to one a minute (./domain-check-cooldown.test.ts); these check at once.
	await updateDomain(db(), id, { ownershipCheckedAt: null, dkimCheckedAt: null });
	const res = await api("POST", `/domains/${id}/${check}`, { key });
	expect(res.status, JSON.stringify(res.json)).toBe(200);
	return DomainSchema.parse(res.json);
}

describe("POST /domains", () => {
	it("registers the SES identity and returns every record with its exact name and value", async () => {
		const { key } = await newAccount();
		const { name, json } = await addDomain(key);
		const identity = sim.domains.get(name);
		expect(identity).toBeDefined();
		const [t1, t2, t3] = identity?.dkimTokens ?? [];
		expect(identity?.mailFromDomain).toBe(`send.${name}`);
		expect(json).toMatchObject({
			object: "domain",
			name,
			status: "not_started",
			region: "us-east-1",
			ownership_status: "not_started",
			dkim_status: "not_started",
		});
		expect(Date.parse(json.expires_at ?? "") - Date.parse(json.created_at)).toBe(
			VERIFICATION_WINDOW,
		);
		expect(
			json.records.map(({ record, name, type, value, priority }) => ({
				record,
				name,
				type,
				value,
				priority,
			})),
		).toEqual([
			{
				record: "Ownership",
				name: `_amazonses.${name}`,
				type: "TXT",
				value: identity?.verificationToken,
				priority: undefined,
			},
			{
				record: "DKIM",
				name: `${t1}._domainkey.${name}`,
				type: "CNAME",
				value: `${t1}.dkim.amazonses.com`,
				priority: undefined,
			},
			{
				record: "DKIM",
				name: `${t2}._domainkey.${name}`,
				type: "CNAME",
				value: `${t2}.dkim.amazonses.com`,
				priority: undefined,
			},
			{
				record: "DKIM",
				name: `${t3}._domainkey.${name}`,
				type: "CNAME",
				value: `${t3}.dkim.amazonses.com`,
				priority: undefined,
			},
			{
				record: "SPF",
				name,
				type: "TXT",
				value: "v=spf1 include:amazonses.com ~all",
				priority: undefined,
			},
			{
				record: "MAIL FROM",
				name: `send.${name}`,
				type: "MX",
				value: "feedback-smtp.us-east-1.amazonses.com",
				priority: 10,
			},
			{
				record: "MAIL FROM",
				name: `send.${name}`,
				type: "TXT",
				value: "v=spf1 include:amazonses.com ~all",
				priority: undefined,
			},
			{
				record: "DMARC",
				name: `_dmarc.${name}`,
				type: "TXT",
				value: "v=DMARC1; p=none;",
				priority: undefined,
			},
		]);
	});

	it("takes IDNs as punycode and a custom return path", async () => {
		const { key } = await newAccount();
		const domain = await expectJson(
			client(key).domains.$post({
				json: { name: `bücher-${Date.now()}.de`, custom_return_path: "bounces" },
			}),
			201,
		);
		expect(domain.name).toMatch(/^xn--bcher-.*\.de$/);
		expect(domain.records.find((r) => r.type === "MX")?.name).toBe(`bounces.${domain.name}`);
	});

	it("returns the existing domain when the same account adds it again", async () => {
		const { key } = await newAccount();
		const first = await addDomain(key);
		const again = await expectJson(
			client(key).domains.$post({ json: { name: first.name.toUpperCase() } }),
			200,
		);
		expect(again.id).toBe(first.id);
	});

	it("answers 409 when another account holds the domain, and leaves its identity alone", async () => {
		const owner = await newAccount();
		const { name } = await addDomain(owner.key);
		const other = await newAccount();
		const res = await expectJson(client(other.key).domains.$post({ json: { name } }), 409);
		expect(res.name).toBe("conflict");
		expect(sim.domains.get(name)).toBeDefined();
	});

	it.each([
		["com", "public suffix"],
		["co.uk", "public suffix"],
		["localhost", "not a valid domain"],
		["10.0.0.1", "not a valid domain"],
		[`${"a".repeat(64)}.example.com`, "not a valid domain"],
		["a".repeat(300), "at most 253 characters"],
	])("refuses %j with 422", async (name, message) => {
		const { key } = await newAccount();
		const res = await expectJson(client(key).domains.$post({ json: { name } }), 422);
		expect(res.message).toContain(message);
	});

	it("refuses another region", async () => {
		const { key } = await newAccount();
		const res = await expectJson(
			client(key).domains.$post({ json: { name: newName(), region: "eu-west-1" } }),
			422,
		);
		expect(res.message).toContain("us-east-1");
	});

	it("answers 503 and leaves nothing behind when SES throttles the identity creation", async () => {
		const { key } = await newAccount();
		const name = newName();
		sim.addFault({ code: "TooManyRequestsException", match: { operation: "CreateEmailIdentity" } });
		const res = await expectJson(client(key).domains.$post({ json: { name } }), 503);
		expect(res.name).toBe("service_unavailable");
		expect(sim.domains.get(name)).toBeUndefined();
		expect((await expectJson(listDomains(key), 200)).data).toEqual([]);
	});

	it("deletes the half-made identity when SES fails part-way", async () => {
		const { key } = await newAccount();
		const name = newName();
		sim.addFault({
			code: "ServiceUnavailable",
			status: 503,
			match: { operation: "VerifyDomainIdentity" },
		});
		await expectJson(client(key).domains.$post({ json: { name } }), 503);
		expect(sim.domains.get(name)).toBeUndefined();
		expect((await expectJson(listDomains(key), 200)).data).toEqual([]);
	});
});

describe("verifying a domain", () => {
	it("walks from refused to accepted as the records are published and checked", async () => {
		const { key } = await newAccount();
		const { name, id } = await addDomain(key);
		await expectJson(send(key, `a@${name}`), 403);

		const before = await verify(key, id, "verify-ownership");
		expect(before.ownership_status).toBe("pending");
		expect(before.dkim_status).toBe("not_started");
		const ownershipRecord = before.records.find((r) => r.record === "Ownership");
		expect(ownershipRecord?.diagnosis?.state).toBe("missing");

		sim.dns.publish(name, ["ownership"]);
		const owned = await verify(key, id, "verify-ownership");
		expect(owned.ownership_status).toBe("verified");
		expect(owned.records.find((r) => r.record === "Ownership")?.diagnosis?.state).toBe("found");

		const refused = await expectJson(send(key, `a@${name}`), 403);
		expect(refused.name).toBe("domain_not_verified");
		expect(refused.message).toContain("DKIM");
		expect(refused.message).not.toContain("ownership");

		const dkimMissing = await verify(key, id, "verify-dkim");
		expect(dkimMissing.dkim_status).toBe("pending");
		expect(
			dkimMissing.records.filter((r) => r.record === "DKIM").map((r) => r.diagnosis?.state),
		).toEqual(["missing", "missing", "missing"]);

		sim.dns.publish(name, ["dkim"]);
		const dkim = await verify(key, id, "verify-dkim");
		expect(dkim).toMatchObject({
			status: "verified",
			dkim_status: "verified",
			expires_at: null,
		});
		expect(dkim.verified_at).toBeTypeOf("string");

		const accepted = await expectJson(send(key, `a@${name}`), 200);
		expect(accepted.warnings.map((w) => w.code)).toEqual([
			"spf_not_verified",
			"mail_from_not_verified",
			"dmarc_not_found",
		]);

		sim.dns.publish(name, ["spf", "mail_from", "dmarc"]);
		const all = await verify(key, id);
		expect(all).toMatchObject({
			spf_status: "verified",
			mail_from_status: "verified",
			dmarc_status: "verified",
		});
		expect((await expectJson(send(key, `a@${name}`), 200)).warnings).toEqual([]);
	});

	it("shows the wrong value it found for a corrupted record", async () => {
		const { key } = await newAccount();
		const { name, id } = await addDomain(key);
		sim.dns.publish(name);
		sim.dns.corrupt(name, ["dkim"]);
		const res = await verify(key, id);
		expect(res.ownership_status).toBe("verified");
		expect(res.dkim_status).toBe("pending");
		const dkim = res.records.filter((r) => r.record === "DKIM");
		for (const record of dkim) {
			expect(record.diagnosis?.state).toBe("wrong_value");
			expect(record.diagnosis?.found).toHaveLength(1);
			expect(record.diagnosis?.found[0]).not.toBe(record.value);
			expect(record.diagnosis?.message).toContain(record.value);
		}
	});

	it("reports 'could not check' rather than 'missing' when the DNS resolver fails", async () => {
		const { key } = await newAccount();
		const { name, id } = await addDomain(key);
		sim.dns.publish(name);
		sim.dns.fail(true);
		const res = await verify(key, id);
		// SES still confirms ownership and DKIM; only the per-record DNS findings are unknown.
		expect(res).toMatchObject({ ownership_status: "verified", dkim_status: "verified" });
		expect(res.spf_status).toBe("not_started");
		for (const record of res.records) {
			expect(record.diagnosis?.state).toBe("could_not_check");
		}
	});

	it("answers 503 and changes nothing when SES cannot be asked", async () => {
		const { key } = await newAccount();
		const { id } = await addDomain(key);
		sim.addFault({ code: "TooManyRequestsException", match: { operation: "GetEmailIdentity" } });
		const res = await api("POST", `/domains/${id}/verify-dkim`, { key });
		expect(res.status).toBe(503);
		expect((await expectJson(getDomain(key, id), 200)).dkim_status).toBe("not_started");
	});
});

describe("reading and deleting domains", () => {
	// Another account's id on every route with one: the common suite at the end of this file.
	it("lists only the account's own domains", async () => {
		const owner = await newAccount();
		await addDomain(owner.key);
		const stranger = await newAccount();
		expect((await expectJson(listDomains(stranger.key), 200)).data).toEqual([]);
	});

	it("deletes the SES identity and stops sending from the domain", async () => {
		const { key } = await newAccount();
		const { name, id } = await addDomain(key);
		sim.dns.publish(name);
		await verify(key, id);
		await expectJson(send(key, `a@${name}`), 200);

		const deleted = await expectJson(client(key).domains[":id"].$delete({ param: { id } }), 200);
		expect(deleted).toEqual({ object: "domain", id, deleted: true });
		expect(sim.domains.get(name)).toBeUndefined();
		await expectJson(getDomain(key, id), 404);
		await expectJson(send(key, `a@${name}`), 403);
	});

	it("keeps the domain when SES cannot delete the identity", async () => {
		const { key } = await newAccount();
		const { id } = await addDomain(key);
		sim.addFault({
			code: "ServiceUnavailable",
			status: 503,
			match: { operation: "DeleteEmailIdentity" },
		});
		await expectJson(client(key).domains[":id"].$delete({ param: { id } }), 503);
		await expectJson(getDomain(key, id), 200);
	});
});

describe("background re-checks (cron)", () => {
	const services = () => domainDepsFromEnv(env as Bindings);

	it("re-checks pending domains with growing intervals and verifies them when DNS is ready", async () => {
		const { account, key } = await newAccount();
		const { name, id } = await addDomain(key);
		const created = (await findDomain(db(), account.id, id))?.createdAt ?? 0;

		await checkDueDomains(services(), created + 5 * MINUTE);
		const first = await findDomain(db(), account.id, id);
		expect(first?.ownershipStatus).toBe("pending");
		expect(first?.nextCheckAt).toBe(created + 5 * MINUTE + 5 * MINUTE);

		await checkDueDomains(services(), created + 10 * MINUTE);
		const second = await findDomain(db(), account.id, id);
		expect(second?.ownershipStatus).toBe("pending");
		expect(second?.nextCheckAt).toBe(created + 10 * MINUTE + 10 * MINUTE);

		// Not due yet: nothing happens.
		sim.dns.publish(name);
		await checkDueDomains(services(), created + 19 * MINUTE);
		expect((await findDomain(db(), account.id, id))?.lastCheckedAt).toBe(created + 10 * MINUTE);

		await checkDueDomains(services(), created + 20 * MINUTE);
		const third = await findDomain(db(), account.id, id);
		expect(third).toMatchObject({ ownershipStatus: "verified", dkimStatus: "verified" });
		expect(third?.nextCheckAt).toBe(created + 20 * MINUTE + DAY);
	});

	it("fails a domain still unverified 72 hours after it was added, and stops checking it", async () => {
		const { account, key } = await newAccount();
		const { id } = await addDomain(key);
		const created = (await findDomain(db(), account.id, id))?.createdAt ?? 0;
		await checkDueDomains(services(), created + VERIFICATION_WINDOW + 2 * MINUTE);
		const row = await findDomain(db(), account.id, id);
		expect(row).toMatchObject({
			ownershipStatus: "failed",
			dkimStatus: "failed",
			nextCheckAt: null,
		});
		expect((await expectJson(getDomain(key, id), 200)).status).toBe("failed");
	});

	it("notices a DKIM record removed after verification at the daily re-check", async () => {
		const { account, key } = await newAccount();
		const { name, id } = await addDomain(key);
		sim.dns.publish(name);
		await verify(key, id);
		const verified = await findDomain(db(), account.id, id);
		expect(verified?.dkimStatus).toBe("verified");

		sim.dns.remove(name, ["dkim"]);
		await checkDueDomains(services(), (verified?.nextCheckAt ?? 0) + MINUTE);
		const after = await findDomain(db(), account.id, id);
		expect(after?.dkimStatus).toBe("temporary_failure");
		const refused = await expectJson(send(key, `a@${name}`), 403);
		expect(refused.message).toContain("DKIM");
	});
});

/** Domains made through the API, so SES (the simulator) knows them and the owner's checks work. */
const ownDomain = async (owner: { key: { token: string } }) =>
	(await addDomain(owner.key.token)).id;

runCommonRouteTests("/domains", [
	{ method: "POST", path: "/domains", access: "full_access", body: () => ({ name: newName() }) },
	{ method: "GET", path: "/domains", access: "full_access" },
	{ method: "GET", path: "/domains/{id}", access: "full_access", resource: ownDomain },
	{ method: "DELETE", path: "/domains/{id}", access: "full_access", resource: ownDomain },
	{ method: "POST", path: "/domains/{id}/verify", access: "full_access", resource: ownDomain },
	{
		method: "POST",
		path: "/domains/{id}/verify-ownership",
		access: "full_access",
		resource: ownDomain,
	},
	{ method: "POST", path: "/domains/{id}/verify-dkim", access: "full_access", resource: ownDomain },
]);
