/**
 * Every reason the product's rules refuse a request, as a closed, tagged set. Domain functions
 * return these; `src/routes/refusal-errors.ts` is the one place that turns them into API errors,
 * so the domain never knows HTTP and each reason is worded once.
 */
import type { Plan, SubscriptionStatus } from "../db/schema.ts";
import type { RateLimitState } from "./guard.ts";

export type Refusal =
	| { code: "invalid_from" }
	/** The sender's domain (or a parent) is not a domain of this account. */
	| { code: "unknown_sending_domain"; domain: string }
	| { code: "domain_not_verified"; domain: string; missing: string[] }
	/** A `sending_access` key limited to one domain, used for another. */
	| { code: "key_restricted_to_domain"; domain: string }
	| { code: "verification_required"; for: "sending" | "subscribing" }
	| { code: "plan_required"; plan: Plan; subscriptionStatus: SubscriptionStatus }
	| { code: "account_suspended"; reason: string | null; figures: Record<string, unknown> | null }
	| { code: "recipient_suppressed"; recipients: string[] }
	| { code: "rate_limited"; rate: RateLimitState; retryAfterSeconds: number }
	| { code: "quota_exceeded"; used: number; quota: number; requested: number; resetsAt: number }
	/** A dependency is down; nothing was accepted or changed. */
	| { code: "unavailable"; what: "account_guard" | "storage" }
	| { code: "billing_not_configured"; detail: string }
	| {
			code: "billing_unavailable";
			doing: string;
			status: number | null;
			type: string;
			message: string;
	  }
	| { code: "subscription_exists"; plan: Plan; subscriptionStatus: SubscriptionStatus }
	| { code: "account_not_found" }
	/** The account's owner has not followed the link mailed to their address yet. */
	| { code: "email_not_verified"; for: "verification_request" | "subscribing"; email: string };

export type Rejected = { kind: "rejected"; reason: Refusal };
export const rejected = (reason: Refusal): Rejected => ({ kind: "rejected", reason });
