/**
 * The shared SES account holds at most 10,000 identities per region: near that, new domains
 * are refused (and an alert is logged) rather than failing in SES. Its own file, because it
 * fills the domains table.
 */
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../../simulator/app.ts";
import { IDENTITY_REFUSE_AT } from "../../src/domain/domain-registration.ts";
import { api } from "../helpers/api.ts";
import { createAccount, createApiKey, db } from "../helpers/factories.ts";
import { installSimulator } from "../helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(() => {
	({ sim, restore } = installSimulator());
});
afterEach(() => restore());

/** `n` verified domains of one other account, written in one statement. */
async function fillDomains(n: number) {
	const other = await createAccount();
	await db().run(sql`
		WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${n})
		INSERT INTO domains (id, account_id, name, region, ownership_status, dkim_status, created_at)
		SELECT ${other.id} || '-' || i, ${other.id}, 'fill' || i || '.example.net', 'us-east-1',
			'verified', 'verified', 0 FROM seq`);
}

describe("the shared SES account's identity limit", () => {
	it("refuses new domains with 503 once the account holds the threshold, creating no identity", async () => {
		const account = await createAccount();
		const key = (await createApiKey(account.id)).token;
		await fillDomains(IDENTITY_REFUSE_AT - 1);
		const below = await api("POST", "/domains", { key, body: { name: "last.example.com" } });
		expect(below.status, JSON.stringify(below.json)).toBe(201);

		const res = await api("POST", "/domains", { key, body: { name: "over.example.com" } });
		expect(res.json).toMatchObject({ statusCode: 503, name: "service_unavailable" });
		expect(sim.domains.get("over.example.com")).toBeUndefined();
	});
});
