/**
 * The cron's re-checks of verified domains: a temporary SES status never fails a domain that
 * verified once (the 72-hour expiry is for domains that never verified), the time it last
 * passed is kept, and the owner is told once when it stops verifying.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SesSimulator } from "../../simulator/app.ts";
import { findDomain } from "../../src/db/queries/domains.ts";
import { accounts, notices } from "../../src/db/schema.ts";
import { domainDepsFromEnv } from "../../src/deps.ts";
import { VERIFICATION_WINDOW } from "../../src/domain/domain-checks.ts";
import { recheckDomain } from "../../src/domain/domain-lifecycle.ts";
import type { Bindings } from "../../src/env.ts";
import { DAY, HOUR, MINUTE } from "../../src/lib/time.ts";
import { api } from "../helpers/api.ts";
import { client, expectJson } from "../helpers/client.ts";
import { createAccount, createApiKey, db } from "../helpers/factories.ts";
import { createSession } from "../helpers/sessions.ts";
import { installSimulator } from "../helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(() => {
	({ sim, restore } = installSimulator());
});
afterEach(() => {
	restore();
	vi.useRealTimers();
});

let counter = 0;

/** An account with an owner who receives notices, and a domain SES and DNS have verified. */
async function verifiedDomain() {
	const account = await createAccount();
	const { userId } = await createSession(account.id);
	await db().update(accounts).set({ ownerUserId: userId }).where(eq(accounts.id, account.id));
	const key = (await createApiKey(account.id)).token;
	const name = `v${Date.now().toString(36)}${counter++}.example.com`;
	const { id } = await expectJson(client(key).domains.$post({ json: { name } }), 201);
	sim.dns.publish(name);
	expect((await api("POST", `/domains/${id}/verify`, { key })).json.status).toBe("verified");
	const row = await findDomain(db(), account.id, id);
	if (!row) throw new Error("no domain");
	return { account, key, name, id, row };
}

const services = () => domainDepsFromEnv(env as Bindings);

async function recheckAt(accountId: string, id: string, now: number) {
	const row = await findDomain(db(), accountId, id);
	if (!row) throw new Error("no such domain");
	await recheckDomain(services(), row, now);
	return findDomain(db(), accountId, id);
}

const noticesOf = (accountId: string) =>
	db().select().from(notices).where(eq(notices.accountId, accountId));

describe("re-checking a verified domain", () => {
	it("records when it last verified", async () => {
		const { row } = await verifiedDomain();
		expect(row.lastVerifiedAt).toBe(row.verifiedAt);
		expect(row.lastVerifiedAt).toBe(row.lastCheckedAt);
		const later = await recheckAt(row.accountId, row.id, row.createdAt + 2 * DAY);
		expect(later).toMatchObject({
			lastVerifiedAt: row.createdAt + 2 * DAY,
			verifiedAt: row.verifiedAt,
		});
		expect(later?.nextCheckAt).toBe(row.createdAt + 3 * DAY);
	});

	it("keeps checking through a TemporaryFailure long after 72 hours, keeps when it last passed, and tells the owner once", async () => {
		const { account, key, name, id, row } = await verifiedDomain();
		sim.dns.remove(name, ["dkim"]);
		const at = row.createdAt + 4 * DAY;

		const lapsed = await recheckAt(account.id, id, at);
		expect(lapsed).toMatchObject({
			ownershipStatus: "verified",
			dkimStatus: "temporary_failure",
			lastVerifiedAt: row.lastVerifiedAt,
			releasedAt: null,
			nextCheckAt: at + 5 * MINUTE,
		});
		expect(sim.domains.get(name)).toBeDefined();
		const domain = await expectJson(client(key).domains[":id"].$get({ param: { id } }), 200);
		expect(domain).toMatchObject({ status: "temporary_failure", expires_at: null });
		expect(domain.last_verified_at).toBe(new Date(row.lastVerifiedAt ?? 0).toISOString());

		const [notice, ...more] = await noticesOf(account.id);
		expect(more).toEqual([]);
		expect(notice?.subject).toContain(name);
		expect(notice?.text).toContain("DKIM");
		expect(notice?.text).toContain(new Date(row.lastVerifiedAt ?? 0).toISOString());

		const still = await recheckAt(account.id, id, at + 5 * MINUTE);
		expect(still).toMatchObject({ dkimStatus: "temporary_failure", nextCheckAt: at + 15 * MINUTE });
		expect(await noticesOf(account.id)).toHaveLength(1);

		sim.dns.publish(name, ["dkim"]);
		const back = await recheckAt(account.id, id, at + 15 * MINUTE);
		expect(back).toMatchObject({
			dkimStatus: "verified",
			lastVerifiedAt: at + 15 * MINUTE,
			nextCheckAt: at + 15 * MINUTE + DAY,
		});

		// A second lapse is a second notice.
		sim.dns.remove(name, ["dkim"]);
		await recheckAt(account.id, id, at + 2 * DAY);
		expect(await noticesOf(account.id)).toHaveLength(2);
	});

	it("fails it only when SES says FAILED, and still re-checks it at most every 6 hours", async () => {
		vi.useFakeTimers({ toFake: ["Date"] });
		const { account, name, id, row } = await verifiedDomain();
		sim.dns.remove(name, ["dkim"]);
		vi.setSystemTime(Date.now() + VERIFICATION_WINDOW + HOUR);
		const at = row.createdAt + VERIFICATION_WINDOW + HOUR;
		const failed = await recheckAt(account.id, id, at);
		expect(failed).toMatchObject({
			dkimStatus: "failed",
			releasedAt: null,
			nextCheckAt: at + 5 * MINUTE,
		});
		expect(sim.domains.get(name)).toBeDefined();
		const later = await recheckAt(account.id, id, at + 30 * DAY);
		expect(later?.nextCheckAt).toBeLessThanOrEqual(at + 30 * DAY + 6 * HOUR);
	});
});
