import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../../simulator/app.ts";
import { checkDueDomains } from "../../src/cron/check-domains.ts";
import { findDomain } from "../../src/db/queries/domains.ts";
import { VERIFICATION_WINDOW } from "../../src/domain/domain-checks.ts";
import type { Bindings } from "../../src/env.ts";
import { DAY, MINUTE } from "../../src/lib/time.ts";
import { servicesFromEnv } from "../../src/services/index.ts";
import { api } from "../helpers/api.ts";
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

type Record = {
	record: string;
	name: string;
	type: string;
	value: string;
	status: string;
	priority?: number;
	diagnosis: { state: string; found: string[]; message: string } | null;
};

async function addDomain(key: string, name = newName()) {
	const res = await api("POST", "/domains", { key, body: { name } });
	expect(res.status).toBe(201);
	return { name, id: res.json.id as string, json: res.json };
}

const records = (json: unknown) => (json as { records: Record[] }).records;
const send = (key: string, from: string) =>
	api("POST", "/emails", { key, body: { from, to: "a@example.org", subject: "Hi", text: "Hi" } });

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
		expect(Date.parse(json.expires_at as string) - Date.parse(json.created_at as string)).toBe(
			VERIFICATION_WINDOW,
		);
		expect(
			records(json).map(({ record, name, type, value, priority }) => ({
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
		const res = await api("POST", "/domains", {
			key,
			body: { name: `bücher-${Date.now()}.de`, custom_return_path: "bounces" },
		});
		expect(res.status).toBe(201);
		expect(res.json.name).toMatch(/^xn--bcher-.*\.de$/);
		expect(records(res.json).find((r) => r.type === "MX")?.name).toBe(`bounces.${res.json.name}`);
	});

	it("returns the existing domain when the same account adds it again", async () => {
		const { key } = await newAccount();
		const first = await addDomain(key);
		const again = await api("POST", "/domains", { key, body: { name: first.name.toUpperCase() } });
		expect(again.status).toBe(200);
		expect(again.json.id).toBe(first.id);
	});

	it("answers 409 when another account holds the domain, and leaves its identity alone", async () => {
		const owner = await newAccount();
		const { name } = await addDomain(owner.key);
		const other = await newAccount();
		const res = await api("POST", "/domains", { key: other.key, body: { name } });
		expect(res.status).toBe(409);
		expect(res.json.name).toBe("conflict");
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
		const res = await api("POST", "/domains", { key, body: { name } });
		expect(res.status).toBe(422);
		expect(res.json.message).toContain(message);
	});

	it("refuses another region", async () => {
		const { key } = await newAccount();
		const res = await api("POST", "/domains", {
			key,
			body: { name: newName(), region: "eu-west-1" },
		});
		expect(res.status).toBe(422);
		expect(res.json.message).toContain("us-east-1");
	});

	it("answers 503 and leaves nothing behind when SES throttles the identity creation", async () => {
		const { key } = await newAccount();
		const name = newName();
		sim.addFault({ code: "TooManyRequestsException", match: { operation: "CreateEmailIdentity" } });
		const res = await api("POST", "/domains", { key, body: { name } });
		expect(res.status).toBe(503);
		expect(res.json.name).toBe("service_unavailable");
		expect(sim.domains.get(name)).toBeUndefined();
		expect((await api("GET", "/domains", { key })).json.data).toEqual([]);
	});

	it("deletes the half-made identity when SES fails part-way", async () => {
		const { key } = await newAccount();
		const name = newName();
		sim.addFault({
			code: "ServiceUnavailable",
			status: 503,
			match: { operation: "VerifyDomainIdentity" },
		});
		const res = await api("POST", "/domains", { key, body: { name } });
		expect(res.status).toBe(503);
		expect(sim.domains.get(name)).toBeUndefined();
		expect((await api("GET", "/domains", { key })).json.data).toEqual([]);
	});
});

describe("verifying a domain", () => {
	it("walks from refused to accepted as the records are published and checked", async () => {
		const { key } = await newAccount();
		const { name, id } = await addDomain(key);
		expect((await send(key, `a@${name}`)).status).toBe(403);

		const before = await api("POST", `/domains/${id}/verify-ownership`, { key });
		expect(before.status).toBe(200);
		expect(before.json.ownership_status).toBe("pending");
		expect(before.json.dkim_status).toBe("not_started");
		const ownershipRecord = records(before.json).find((r) => r.record === "Ownership");
		expect(ownershipRecord?.diagnosis?.state).toBe("missing");

		sim.dns.publish(name, ["ownership"]);
		const owned = await api("POST", `/domains/${id}/verify-ownership`, { key });
		expect(owned.json.ownership_status).toBe("verified");
		expect(records(owned.json).find((r) => r.record === "Ownership")?.diagnosis?.state).toBe(
			"found",
		);

		const refused = await send(key, `a@${name}`);
		expect(refused.status).toBe(403);
		expect(refused.json.name).toBe("domain_not_verified");
		expect(refused.json.message).toContain("DKIM");
		expect(refused.json.message).not.toContain("ownership");

		const dkimMissing = await api("POST", `/domains/${id}/verify-dkim`, { key });
		expect(dkimMissing.json.dkim_status).toBe("pending");
		expect(
			records(dkimMissing.json)
				.filter((r) => r.record === "DKIM")
				.map((r) => r.diagnosis?.state),
		).toEqual(["missing", "missing", "missing"]);

		sim.dns.publish(name, ["dkim"]);
		const dkim = await api("POST", `/domains/${id}/verify-dkim`, { key });
		expect(dkim.json).toMatchObject({
			status: "verified",
			dkim_status: "verified",
			expires_at: null,
		});
		expect(dkim.json.verified_at).toBeTypeOf("string");

		const accepted = await send(key, `a@${name}`);
		expect(accepted.status).toBe(200);
		expect((accepted.json.warnings as { code: string }[]).map((w) => w.code)).toEqual([
			"spf_not_verified",
			"mail_from_not_verified",
			"dmarc_not_found",
		]);

		sim.dns.publish(name, ["spf", "mail_from", "dmarc"]);
		const all = await api("POST", `/domains/${id}/verify`, { key });
		expect(all.json).toMatchObject({
			spf_status: "verified",
			mail_from_status: "verified",
			dmarc_status: "verified",
		});
		expect((await send(key, `a@${name}`)).json.warnings).toEqual([]);
	});

	it("shows the wrong value it found for a corrupted record", async () => {
		const { key } = await newAccount();
		const { name, id } = await addDomain(key);
		sim.dns.publish(name);
		sim.dns.corrupt(name, ["dkim"]);
		const res = await api("POST", `/domains/${id}/verify`, { key });
		expect(res.json.ownership_status).toBe("verified");
		expect(res.json.dkim_status).toBe("pending");
		const dkim = records(res.json).filter((r) => r.record === "DKIM");
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
		const res = await api("POST", `/domains/${id}/verify`, { key });
		expect(res.status).toBe(200);
		// SES still confirms ownership and DKIM; only the per-record DNS findings are unknown.
		expect(res.json).toMatchObject({ ownership_status: "verified", dkim_status: "verified" });
		expect(res.json.spf_status).toBe("not_started");
		for (const record of records(res.json)) {
			expect(record.diagnosis?.state).toBe("could_not_check");
		}
	});

	it("answers 503 and changes nothing when SES cannot be asked", async () => {
		const { key } = await newAccount();
		const { id } = await addDomain(key);
		sim.addFault({ code: "TooManyRequestsException", match: { operation: "GetEmailIdentity" } });
		const res = await api("POST", `/domains/${id}/verify-dkim`, { key });
		expect(res.status).toBe(503);
		expect((await api("GET", `/domains/${id}`, { key })).json.dkim_status).toBe("not_started");
	});
});

describe("reading and deleting domains", () => {
	it("answers 404 for another account's domain, on every route", async () => {
		const owner = await newAccount();
		const { id } = await addDomain(owner.key);
		const stranger = await newAccount();
		for (const [method, path] of [
			["GET", `/domains/${id}`],
			["DELETE", `/domains/${id}`],
			["POST", `/domains/${id}/verify`],
			["POST", `/domains/${id}/verify-ownership`],
			["POST", `/domains/${id}/verify-dkim`],
		] as const) {
			const res = await api(method, path, { key: stranger.key });
			expect(res.status, `${method} ${path}`).toBe(404);
		}
		expect((await api("GET", "/domains", { key: stranger.key })).json.data).toEqual([]);
	});

	it("deletes the SES identity and stops sending from the domain", async () => {
		const { key } = await newAccount();
		const { name, id } = await addDomain(key);
		sim.dns.publish(name);
		await api("POST", `/domains/${id}/verify`, { key });
		expect((await send(key, `a@${name}`)).status).toBe(200);

		const deleted = await api("DELETE", `/domains/${id}`, { key });
		expect(deleted.status).toBe(200);
		expect(deleted.json).toEqual({ object: "domain", id, deleted: true });
		expect(sim.domains.get(name)).toBeUndefined();
		expect((await api("GET", `/domains/${id}`, { key })).status).toBe(404);
		expect((await send(key, `a@${name}`)).status).toBe(403);
	});

	it("keeps the domain when SES cannot delete the identity", async () => {
		const { key } = await newAccount();
		const { id } = await addDomain(key);
		sim.addFault({
			code: "ServiceUnavailable",
			status: 503,
			match: { operation: "DeleteEmailIdentity" },
		});
		expect((await api("DELETE", `/domains/${id}`, { key })).status).toBe(503);
		expect((await api("GET", `/domains/${id}`, { key })).status).toBe(200);
	});
});

describe("background re-checks (cron)", () => {
	const services = () => ({ db: db(), ...servicesFromEnv(env as Bindings) });

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
		expect((await api("GET", `/domains/${id}`, { key })).json.status).toBe("failed");
	});

	it("notices a DKIM record removed after verification at the daily re-check", async () => {
		const { account, key } = await newAccount();
		const { name, id } = await addDomain(key);
		sim.dns.publish(name);
		await api("POST", `/domains/${id}/verify`, { key });
		const verified = await findDomain(db(), account.id, id);
		expect(verified?.dkimStatus).toBe("verified");

		sim.dns.remove(name, ["dkim"]);
		await checkDueDomains(services(), (verified?.nextCheckAt ?? 0) + MINUTE);
		const after = await findDomain(db(), account.id, id);
		expect(after?.dkimStatus).toBe("pending");
		const refused = await send(key, `a@${name}`);
		expect(refused.status).toBe(403);
		expect(refused.json.message).toContain("DKIM");
	});
});
