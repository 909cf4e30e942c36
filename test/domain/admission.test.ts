import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type EarlyAdmission, settleAdmission } from "../../src/domain/admission.ts";
import type { AdmitRequest } from "../../src/domain/guard.ts";
import { guardFor } from "../../src/durable-objects/index.ts";
import type { Bindings } from "../../src/env.ts";

let n = 0;
const newGuard = () => guardFor(env as Bindings, `admission-test-${Date.now()}-${n++}`);

/** Asks the real guard as the send path does before its checks. */
async function askEarly(
	guard: ReturnType<typeof newGuard>,
	request: AdmitRequest,
): Promise<EarlyAdmission> {
	return { plan: request.plan, recipients: request.recipients, answer: await guard.admit(request) };
}

describe("settleAdmission (the guard asked before the checks, settled after them)", () => {
	it("gives back the recipients the checks refused and keeps the rest counted", async () => {
		const guard = newGuard();
		const now = Date.now();
		const early = await askEarly(guard, { plan: "pro", recipients: 10, now });
		const settled = await settleAdmission(guard, early, { plan: "pro", recipients: 7 }, now);
		expect(settled).toMatchObject({ admission: { kind: "admitted" }, surplus: 3 });
		// The caller gives the surplus back alongside storing the emails.
		await guard.release({ recipients: settled.surplus, at: now });
		expect(await guard.usage()).toBe(7);
	});

	it("counts nothing for a request whose emails all go through BYOC, and keeps its rate token", async () => {
		const guard = newGuard();
		const now = Date.now();
		const early = await askEarly(guard, { plan: "pro", recipients: 4, now });
		const settled = await settleAdmission(guard, early, { plan: "pro", recipients: 0 }, now);
		expect(settled.surplus).toBe(4);
		expect(settled.admission).toMatchObject({ kind: "admitted", used: 0, quota: 0 });
	});

	it("answers BYOC with the request rate alone when the early answer was a suspension or the quota", async () => {
		const guard = newGuard();
		const now = Date.now();
		await guard.admit({ plan: "growth", recipients: 25_000, now });
		const early = await askEarly(guard, { plan: "growth", recipients: 1, now });
		expect(early.answer.kind).toBe("quota_exceeded");
		const settled = await settleAdmission(guard, early, { plan: "growth", recipients: 0 }, now);
		expect(settled).toMatchObject({ admission: { kind: "admitted" }, surplus: 0 });
		expect(await guard.usage()).toBe(25_000);
	});

	it("asks again with the exact count when the early count alone went over the quota", async () => {
		const guard = newGuard();
		const now = Date.now();
		await guard.admit({ plan: "growth", recipients: 24_995, now });
		const early = await askEarly(guard, { plan: "growth", recipients: 8, now });
		expect(early.answer.kind).toBe("quota_exceeded");
		const settled = await settleAdmission(guard, early, { plan: "growth", recipients: 5 }, now);
		expect(settled).toMatchObject({ admission: { kind: "admitted", used: 25_000 }, surplus: 0 });
		const tooMany = await askEarly(guard, { plan: "growth", recipients: 2, now });
		const still = await settleAdmission(guard, tooMany, { plan: "growth", recipients: 2 }, now);
		expect(still.admission.kind).toBe("quota_exceeded");
	});

	it("asks again at the plan D1 has when the cached credential showed another", async () => {
		const guard = newGuard();
		const now = Date.now();
		await guard.admit({ plan: "pro", recipients: 25_000, now });
		// Cached as Pro, downgraded to Growth meanwhile: Growth's quota (25,000) is full.
		const early = await askEarly(guard, { plan: "pro", recipients: 3, now });
		expect(early.answer.kind).toBe("admitted");
		const settled = await settleAdmission(guard, early, { plan: "growth", recipients: 3 }, now);
		expect(settled.admission).toMatchObject({ kind: "quota_exceeded", quota: 25_000 });
		expect(await guard.usage()).toBe(25_000);
	});
});
