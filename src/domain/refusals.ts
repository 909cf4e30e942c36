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
	| { code: "email_not_verified"; for: "verification_request" | "subscribing"; email: string }
	// Adding domains (src/domain/domain-registration.ts, src/domain/domain-lifecycle.ts).
	/** Adding a Shared SES domain needs what sending needs: approval first… */
	| { code: "domains_need_approval" }
	/** …then a Growth or Pro plan in good standing. */
	| { code: "domains_need_plan"; plan: Plan; subscriptionStatus: SubscriptionStatus }
	| { code: "domain_limit_reached"; limit: "domains" | "pending_domains"; max: number; plan: Plan }
	/** Held by another account, under another account's verified domain, or reserved: one answer. */
	| { code: "domain_unavailable"; domain: string }
	/** A claim that never verified lapsed after 72 hours; its SES identity is gone. */
	| { code: "domain_released"; domain: string }
	/** The shared SES account is near its limit of identities; new domains wait. */
	| { code: "domain_capacity_reached" };

export type Rejected = { kind: "rejected"; reason: Refusal };
export const rejected = (reason: Refusal): Rejected => ({ kind: "rejected", reason });
