/**
 * What the account's guard answers a send request, as the product's refusals: a suspension, the
 * request rate or the monthly quota. A request with BYOC emails only asks for the request rate.
 */
import type { Plan } from "../db/schema.ts";
import type { Admission, GuardPort } from "./guard.ts";
import type { Refusal } from "./refusals.ts";
import { describeFigures } from "./reputation.ts";

/** What a request with BYOC emails only asks of the guard: a token of the request rate. */
export async function rateOnly(guard: GuardPort, plan: Plan, now: number): Promise<Admission> {
	const { ok, rate } = await guard.hit(plan, now);
	return ok
		? { kind: "admitted", rate, used: 0, quota: 0 }
		: { kind: "rate_limited", rate, retryAfterSeconds: 1 };
}

export function admissionRefusal(admission: Exclude<Admission, { kind: "admitted" }>): Refusal {
	switch (admission.kind) {
		case "suspended":
			return {
				code: "account_suspended",
				reason: admission.suspension.reason,
				figures: describeFigures(admission.suspension.figures),
			};
		case "rate_limited":
			return {
				code: "rate_limited",
				rate: admission.rate,
				retryAfterSeconds: admission.retryAfterSeconds,
			};
		case "quota_exceeded":
			return { code: "quota_exceeded", ...admission };
	}
}
