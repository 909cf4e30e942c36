/**
 * Every reason the product's rules refuse a request, as a closed, tagged set. Domain functions
 * return these; `src/routes/refusal-errors.ts` is the one place that turns them into API errors,
 * so the domain never knows HTTP and each reason is worded once.
 */
import type { Plan, SubscriptionStatus } from "../db/schema.ts";
import type { RateLimitState } from "./guard.ts";

export type Refusal =
	/** The API key was deleted while the request was on its way (a warm key, confirmed in flight). */
	| { code: "invalid_api_key" }
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
	/** An attachment could not be used: its `path` failed, or SES refuses its extension. */
	| { code: "attachment_unavailable"; index: number; filename: string; reason: string }
	/** The message with its attachments in base64 is over SES's 40 MB. */
	| { code: "message_too_large"; size: number; max: number }
	/** `scheduled_at` on a BYOC domain: nothing of a BYOC email is stored to send later. */
	| { code: "cannot_schedule_byoc"; domain: string }
	/** Rescheduling or canceling an email that is no longer waiting for its time. */
	| { code: "email_not_scheduled"; lastEvent: string }
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
	| {
			code: "domain_limit_reached";
			limit: "domains" | "pending_domains";
			max: number;
			plan: Plan;
			path: "shared" | "byoc";
	  }
	/** Held by another account, under another account's verified domain, or reserved: one answer. */
	| { code: "domain_unavailable"; domain: string }
	/** A claim that never verified lapsed after 72 hours; its SES identity is gone. */
	| { code: "domain_released"; domain: string }
	/** The shared SES account is near its limit of identities; new domains wait. */
	| { code: "domain_capacity_reached" }
	/** A domain is on one path: the name is already this account's on the other one. */
	| { code: "domain_on_other_path"; domain: string; path: "shared" | "byoc" }
	// BYOC: the account's own AWS account (src/domain/byoc.ts, src/domain/byoc-sending.ts).
	/** The domain sends through BYOC and the account has no AWS connection. */
	| { code: "byoc_not_connected"; domain?: string }
	/**
	 * This deployment lacks what a connection needs: `BYOC_SECRET_KEY` to keep access keys, or
	 * `SENDFLEET_AWS_ACCOUNT_ID` for a role to trust.
	 */
	| { code: "byoc_not_configured"; what: "BYOC_SECRET_KEY" | "SENDFLEET_AWS_ACCOUNT_ID" }
	/** STS refused to let us assume the role (trust policy, external id, or no such role). */
	| {
			code: "byoc_role_refused";
			roleArn: string;
			externalId: string;
			awsAccountId: string;
			message: string;
	  }
	/** The credentials work but lack an IAM permission; `action` names it (e.g. `ses:GetAccount`). */
	| { code: "byoc_permission_missing"; action: string; message: string }
	/** The access key is unknown, revoked or wrong. */
	| { code: "byoc_credentials_invalid"; message: string }
	/** A send found the connection not working (it is now shown as broken). */
	| { code: "byoc_connection_broken"; reason: string }
	/** The customer's SES is at its sending rate or daily quota. */
	| { code: "byoc_throttled"; message: string; retryAfterSeconds: number }
	/** The customer's SES refused this email (unverified sender or, in the sandbox, recipient). */
	| { code: "byoc_rejected"; message: string; sandbox: boolean }
	/** The customer's SES could not be reached or failed; nothing was sent. */
	| { code: "byoc_unavailable"; region: string; message: string };

export type Rejected = { kind: "rejected"; reason: Refusal };
export const rejected = (reason: Refusal): Rejected => ({ kind: "rejected", reason });
