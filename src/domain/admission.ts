/**
 * What the account's guard answers a send request, as the product's refusals: a suspension, the
 * request rate or the monthly quota. A request with BYOC emails only asks for the request rate.
 *
 * The guard is asked early, alongside the request's D1 lookups, so the request path waits for
 * one round trip instead of two: it counts every recipient the request names, at the plan the
 * credential showed. `settleAdmission` then corrects that to what the checks let through:
 * recipients refused by their own checks, or sent through BYOC, are given back (off the
 * critical path, with the storage); a plan that changed meanwhile or a quota refusal that the
 * exact count might pass is asked again (rare). The cost: a request refused by its own checks
 * still takes a token of the request rate, and for an instant the quota counts recipients a
 * concurrent request may have been refused for.
 */
import type { Plan } from "../db/schema.ts";
import type { Admission, GuardPort } from "./guard.ts";

/** What the guard was asked before the checks, and what it answered. */
export interface EarlyAdmission {
	plan: Plan;
	recipients: number;
	answer: Admission;
}

/** What the request needs once its emails are checked. */
export interface AdmissionNeed {
	plan: Plan;
	/** Recipients of the emails that go through Shared SES (0: BYOC emails only). */
	recipients: number;
}

/** The admission that applies, and the recipients the early count must give back. */
export async function settleAdmission(
	guard: GuardPort,
	early: EarlyAdmission,
	need: AdmissionNeed,
	now: number,
): Promise<{ admission: Admission; surplus: number }> {
	const { answer } = early;
	const counted = answer.kind === "admitted" ? early.recipients : 0;
	if (need.recipients === 0) {
		if (answer.kind === "admitted") {
			return { admission: { ...answer, used: 0, quota: 0 }, surplus: counted };
		}
		if (answer.kind === "rate_limited") return { admission: answer, surplus: 0 };
		// Over quota or suspended: neither concerns BYOC, which needs a token of the request rate
		// alone. Over quota, the token was taken; a suspension is answered before the rate.
		if (answer.kind === "quota_exceeded") {
			return { admission: { kind: "admitted", rate: answer.rate, used: 0, quota: 0 }, surplus: 0 };
		}
		return { admission: await rateOnly(guard, need.plan, now), surplus: 0 };
	}
	const askAgain =
		need.plan !== early.plan ||
		(answer.kind === "quota_exceeded" && need.recipients < early.recipients);
	if (!askAgain) return { admission: answer, surplus: counted - need.recipients };
	if (counted) await guard.release({ recipients: counted, at: now });
	const admission = await guard.admit({ plan: need.plan, recipients: need.recipients, now });
	return { admission, surplus: 0 };
}

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
