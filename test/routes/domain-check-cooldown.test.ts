/**
 * Checks of one domain are cooled down: each kind (ownership, DKIM) asks SES and DNS at most
 * once a minute, however many requests ask; sooner, the answer is the last result with when
 * the next check may run.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../../simulator/app.ts";
import { CHECK_COOLDOWN } from "../../src/domain/domain-checks.ts";
import { DomainCheckSchema } from "../../src/routes/domains/schemas.ts";
import { api } from "../helpers/api.ts";
import { client, expectJson } from "../helpers/client.ts";
import { createAccount, createApiKey } from "../helpers/factories.ts";
import { installSimulator } from "../helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(() => {
	({ sim, restore } = installSimulator());
});
afterEach(() => restore());

let counter = 0;

async function newAccount() {
	const account = await createAccount();
	return { account, key: (await createApiKey(account.id)).token };
}

async function addDomain(key: string) {
	const name = `k${Date.now().toString(36)}${counter++}.example.com`;
	const json = await expectJson(client(key).domains.$post({ json: { name } }), 201);
	return { name, id: json.id };
}

async function check(key: string, id: string, scope = "verify") {
	const res = await api("POST", `/domains/${id}/${scope}`, { key });
	expect(res.status, JSON.stringify(res.json)).toBe(200);
	return { body: DomainCheckSchema.parse(res.json), retryAfter: res.headers.get("retry-after") };
}

/** The SES and DNS-over-HTTPS requests the Worker makes from now on. */
function recordCalls() {
	const calls: string[] = [];
	const fetch = sim.fetch.bind(sim);
	sim.fetch = (request) => {
		calls.push(`${request.method} ${new URL(request.url).pathname}`);
		return fetch(request);
	};
	return calls;
}

describe("checks of one domain are cooled down", () => {
	it("answers a second check within a minute with the last result, when the next may run and retry-after, asking neither SES nor DNS", async () => {
		const { key } = await newAccount();
		const { name, id } = await addDomain(key);
		const first = await check(key, id);
		expect(first.body).toMatchObject({ checked: true, ownership_status: "pending" });
		expect(first.retryAfter).toBeNull();
		const next = Date.parse(first.body.next_check_allowed_at);
		expect(next - Date.parse(first.body.last_checked_at ?? "")).toBe(CHECK_COOLDOWN);

		sim.dns.publish(name);
		const calls = recordCalls();
		const second = await check(key, id);
		expect(calls).toEqual([]);
		expect(second.body).toMatchObject({
			checked: false,
			ownership_status: "pending",
			next_check_allowed_at: first.body.next_check_allowed_at,
		});
		const retryAfter = Number(second.retryAfter);
		expect(retryAfter).toBeGreaterThan(0);
		expect(retryAfter).toBeLessThanOrEqual(CHECK_COOLDOWN / 1000);
	});

	it("cools ownership and DKIM separately: 'verify' checks only what was not checked in the last minute", async () => {
		const { key } = await newAccount();
		const { id } = await addDomain(key);
		expect((await check(key, id, "verify-ownership")).body.checked).toBe(true);

		const calls = recordCalls();
		const dkim = await check(key, id, "verify-dkim");
		expect(dkim.body).toMatchObject({ checked: true, dkim_status: "pending" });
		expect(calls.filter((c) => !c.includes("/dns-query"))).toEqual([
			`GET /v2/email/identities/${dkim.body.name}`,
		]);

		calls.length = 0;
		const both = await check(key, id, "verify");
		expect(both.body.checked).toBe(false);
		expect(calls).toEqual([]);
	});

	it("runs one check for many requests at once", async () => {
		const { key } = await newAccount();
		const { id } = await addDomain(key);
		const calls = recordCalls();
		const answers = await Promise.all(Array.from({ length: 6 }, () => check(key, id)));
		expect(answers.filter((a) => a.body.checked)).toHaveLength(1);
		expect(calls.filter((c) => !c.includes("/dns-query"))).toHaveLength(2);
	});

	it("does not cool down after SES could not be asked", async () => {
		const { key } = await newAccount();
		const { id } = await addDomain(key);
		sim.addFault({ code: "TooManyRequestsException", match: { operation: "GetEmailIdentity" } });
		expect((await api("POST", `/domains/${id}/verify`, { key })).status).toBe(503);
		expect((await check(key, id)).body.checked).toBe(true);
	});
});
