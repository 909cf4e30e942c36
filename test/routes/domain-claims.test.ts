/**
 * Domain claims against squatting: who may add a Shared SES domain, how many, which names are
 * out of reach (the same 409 whatever the reason, naming nobody), and claims that lapse after
 * 72 hours and free the name in SES too. Cooled-down checks: ./domain-check-cooldown.test.ts.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../../simulator/app.ts";
import { findDomain } from "../../src/db/queries/domains.ts";
import type { accounts } from "../../src/db/schema.ts";
import { domainDepsFromEnv } from "../../src/deps.ts";
import { VERIFICATION_WINDOW } from "../../src/domain/domain-checks.ts";
import { recheckDomain } from "../../src/domain/domain-lifecycle.ts";
import { PLAN_LIMITS } from "../../src/domain/plans.ts";
import type { Bindings } from "../../src/env.ts";
import { HOUR, MINUTE } from "../../src/lib/time.ts";
import { DomainCheckSchema } from "../../src/routes/domains/schemas.ts";
import { api } from "../helpers/api.ts";
import { client, expectJson } from "../helpers/client.ts";
import { createAccount, createApiKey, createDomain, db } from "../helpers/factories.ts";
import { installSimulator } from "../helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(() => {
	({ sim, restore } = installSimulator());
});
afterEach(() => restore());

let counter = 0;
const newName = () => `c${Date.now().toString(36)}${counter++}.example.com`;

async function newAccount(overrides: Partial<typeof accounts.$inferInsert> = {}) {
	const account = await createAccount(overrides);
	return { account, key: (await createApiKey(account.id)).token };
}

const add = (key: string, name: string) => api("POST", "/domains", { key, body: { name } });

async function addDomain(key: string, name = newName()) {
	const json = await expectJson(client(key).domains.$post({ json: { name } }), 201);
	return { name, id: json.id };
}

async function check(key: string, id: string, scope = "verify") {
	const res = await api("POST", `/domains/${id}/${scope}`, { key });
	expect(res.status, JSON.stringify(res.json)).toBe(200);
	return { body: DomainCheckSchema.parse(res.json), retryAfter: res.headers.get("retry-after") };
}

/** An account whose domain SES and DNS have verified. */
async function verifiedOwner(name = newName()) {
	const owner = await newAccount();
	const { id } = await addDomain(owner.key, name);
	sim.dns.publish(name);
	expect((await check(owner.key, id)).body.status).toBe("verified");
	return { ...owner, id, name };
}

const services = () => domainDepsFromEnv(env as Bindings);

/**
 * The cron's re-check of one domain at `now` (the cron itself takes the 25 most overdue of
 * every test's domains, so a test hands it its own).
 */
async function recheckAt(accountId: string, id: string, now: number) {
	const row = await findDomain(db(), accountId, id);
	if (!row) throw new Error("no such domain");
	await recheckDomain(services(), row, now);
	return findDomain(db(), accountId, id);
}

describe("who may add a Shared SES domain", () => {
	it("answers 403 verification_required to an account that is not approved, and registers nothing", async () => {
		const { key } = await newAccount({
			verificationStatus: "pending",
			plan: "free",
			subscriptionStatus: "none",
		});
		const name = newName();
		const res = await add(key, name);
		expect(res.json).toMatchObject({ statusCode: 403, name: "verification_required" });
		expect(String(res.json.message)).toContain("domain");
		expect(sim.domains.get(name)).toBeUndefined();
	});

	it("answers 403 plan_required to an approved account without a plan in good standing", async () => {
		for (const overrides of [
			{ plan: "free" as const, subscriptionStatus: "none" as const },
			{ plan: "growth" as const, subscriptionStatus: "past_due" as const },
		]) {
			const { key } = await newAccount(overrides);
			const name = newName();
			const res = await add(key, name);
			expect(res.json).toMatchObject({ statusCode: 403, name: "plan_required" });
			expect(sim.domains.get(name)).toBeUndefined();
		}
	});

	it("refuses a pending domain beyond the plan's limit with 403 domain_limit_exceeded naming it", async () => {
		const { key } = await newAccount({ plan: "growth" });
		const max = PLAN_LIMITS.growth.maxPendingDomains;
		for (let i = 0; i < max; i++) await addDomain(key);
		const name = newName();
		const res = await add(key, name);
		expect(res.json).toMatchObject({
			statusCode: 403,
			name: "domain_limit_exceeded",
			limit: "pending_domains",
			max,
		});
		expect(String(res.json.message)).toContain(`${max}`);
		expect(sim.domains.get(name)).toBeUndefined();
	});

	it("counts every domain the account holds against the plan's domain limit", async () => {
		const { account, key } = await newAccount({ plan: "growth" });
		const max = PLAN_LIMITS.growth.maxDomains;
		for (let i = 0; i < max; i++) await createDomain(account.id);
		const res = await add(key, newName());
		expect(res.json).toMatchObject({
			statusCode: 403,
			name: "domain_limit_exceeded",
			limit: "domains",
			max,
		});
	});

	it("holds the pending limit under concurrent adds, and leaves no SES identity for the refused", async () => {
		const { key } = await newAccount({ plan: "growth" });
		const max = PLAN_LIMITS.growth.maxPendingDomains;
		const names = Array.from({ length: max + 4 }, newName);
		const answers = await Promise.all(names.map((name) => add(key, name)));
		const created = names.filter((_, i) => answers[i]?.status === 201);
		expect(created).toHaveLength(max);
		expect(answers.filter((a) => a.status === 403)).toHaveLength(4);
		expect(names.filter((name) => sim.domains.get(name)).sort()).toEqual([...created].sort());
	});
});

describe("names out of reach", () => {
	it("answers the same 409 for a name another account holds, one under another account's verified domain, and a reserved one, naming nobody", async () => {
		const owner = await verifiedOwner();
		const pendingName = (await addDomain((await newAccount()).key)).name;
		const { key } = await newAccount();
		const refused = [
			owner.name,
			`mail.${owner.name}`,
			`a.b.${owner.name}`,
			pendingName,
			"amazonses.com",
			"x.amazonses.com",
		];
		const messages = new Set<string>();
		for (const name of refused) {
			const res = await add(key, name);
			expect(res.json, name).toMatchObject({ statusCode: 409, name: "conflict" });
			expect(Object.keys(res.json).sort()).toEqual(["message", "name", "statusCode"]);
			messages.add(String(res.json.message).replace(name, "<name>"));
		}
		expect([...messages]).toHaveLength(1);
		expect([...messages][0]).not.toMatch(/account|customer|registered|verified/i);
		expect(sim.domains.get(`mail.${owner.name}`)).toBeUndefined();
	});

	it("lets the owner add its own subdomains, and others claim names under a pending domain or above a verified subdomain", async () => {
		const owner = await verifiedOwner();
		await addDomain(owner.key, `mail.${owner.name}`);

		const pending = await addDomain((await newAccount()).key);
		await addDomain((await newAccount()).key, `mail.${pending.name}`);

		const parent = newName();
		await verifiedOwner(`news.${parent}`);
		await addDomain((await newAccount()).key, parent);
	});
});

describe("claims that lapse", () => {
	it("releases a claim unverified after 72 hours: its SES identity is deleted and the real owner can add the name", async () => {
		const squatter = await newAccount();
		const { name, id } = await addDomain(squatter.key);
		const created = (await findDomain(db(), squatter.account.id, id))?.createdAt ?? 0;
		const oldTokens = sim.domains.get(name)?.dkimTokens;

		const row = await recheckAt(
			squatter.account.id,
			id,
			created + VERIFICATION_WINDOW + 2 * MINUTE,
		);
		expect(sim.domains.get(name)).toBeUndefined();
		expect(row).toMatchObject({
			ownershipStatus: "failed",
			dkimStatus: "failed",
			nextCheckAt: null,
		});
		expect(row?.releasedAt).toBeTypeOf("number");

		const realOwner = await newAccount();
		const claimed = await addDomain(realOwner.key, name);
		expect(sim.domains.get(name)?.dkimTokens).not.toEqual(oldTokens);
		expect(claimed.id).not.toBe(id);
		// The old claim cannot be checked any more, nor sweep the new owner's identity away.
		const res = await api("POST", `/domains/${id}/verify`, { key: squatter.key });
		expect(res.json).toMatchObject({ statusCode: 409, name: "conflict" });
		expect(String(res.json.message)).toContain("72 hours");
		await recheckAt(squatter.account.id, id, created + 2 * VERIFICATION_WINDOW);
		expect(sim.domains.get(name)).toBeDefined();
		expect(
			(await expectJson(client(squatter.key).domains[":id"].$delete({ param: { id } }), 200))
				.deleted,
		).toBe(true);
		expect(sim.domains.get(name)).toBeDefined();
	});

	it("keeps the name while SES cannot delete the identity, and releases it on a later run", async () => {
		const squatter = await newAccount();
		const { name, id } = await addDomain(squatter.key);
		const created = (await findDomain(db(), squatter.account.id, id))?.createdAt ?? 0;
		const expiry = created + VERIFICATION_WINDOW + 2 * MINUTE;
		sim.addFault({
			code: "ServiceUnavailable",
			status: 503,
			match: { operation: "DeleteEmailIdentity" },
		});

		const held = await recheckAt(squatter.account.id, id, expiry);
		expect(held?.releasedAt).toBeNull();
		expect(held?.nextCheckAt).toBe(expiry + 5 * MINUTE);
		expect((await add((await newAccount()).key, name)).status).toBe(409);

		const released = await recheckAt(squatter.account.id, id, expiry + 5 * MINUTE);
		expect(sim.domains.get(name)).toBeUndefined();
		expect(released?.releasedAt).toBeTypeOf("number");
	});

	it("releases a claim whose SES identity vanished, instead of retrying it for ever", async () => {
		const squatter = await newAccount();
		const { name, id } = await addDomain(squatter.key);
		const created = (await findDomain(db(), squatter.account.id, id))?.createdAt ?? 0;
		// Removed outside SendFleet (an operator in the SES console, a clean-up that half-failed).
		expect((await services().ses.deleteEmailIdentity(name)).kind).toBe("ok");

		const early = await recheckAt(squatter.account.id, id, created + HOUR);
		expect(early).toMatchObject({ dkimStatus: "failed", releasedAt: null });
		const late = await recheckAt(
			squatter.account.id,
			id,
			created + VERIFICATION_WINDOW + 2 * MINUTE,
		);
		expect(late?.releasedAt).toBeTypeOf("number");
		await addDomain((await newAccount()).key, name);
	});

	it("does not let a released subdomain claim shadow the account's verified domain when sending", async () => {
		const owner = await verifiedOwner();
		const sub = await addDomain(owner.key, `mail.${owner.name}`);
		const created = (await findDomain(db(), owner.account.id, sub.id))?.createdAt ?? 0;
		await recheckAt(owner.account.id, sub.id, created + VERIFICATION_WINDOW + 2 * MINUTE);
		const sent = await api("POST", "/emails", {
			key: owner.key,
			body: { from: `a@mail.${owner.name}`, to: "a@example.org", subject: "Hi", text: "Hi" },
		});
		expect(sent.status, JSON.stringify(sent.json)).toBe(200);
	});

	it("lets the same account add its released domain again, with new records and one entry", async () => {
		const { account, key } = await newAccount();
		const first = await addDomain(key);
		const created = (await findDomain(db(), account.id, first.id))?.createdAt ?? 0;
		await recheckAt(account.id, first.id, created + VERIFICATION_WINDOW + 2 * MINUTE);

		const again = await expectJson(client(key).domains.$post({ json: { name: first.name } }), 201);
		expect(again.id).not.toBe(first.id);
		expect(again.status).toBe("not_started");
		const list = await expectJson(client(key).domains.$get({ query: {} }), 200);
		expect(list.data.map((d) => d.id)).toEqual([again.id]);
	});
});
