/**
 * The plan table: every limit a plan implies, in one place (product page "What's included").
 * Shared SES sending needs an approved account on Growth or Pro with a subscription in good
 * standing; a past-due, unpaid or cancelled subscription stops it.
 */
import type { Plan, SubscriptionStatus, VerificationStatus } from "../db/schema.ts";
import type { Refusal } from "./refusals.ts";

export interface PlanLimits {
	/** Display name and monthly price in USD. */
	name: string;
	priceUsd: number;
	/** Recipients per calendar month (UTC); 0 means no Shared SES sending. */
	monthlyEmails: number;
	/** Days of email logs kept. */
	logRetentionDays: number;
	/** API requests per second per account, refilling a token bucket… */
	requestsPerSecond: number;
	/** …of this many tokens, so a dashboard page's burst of calls goes through. */
	requestBurst: number;
	/**
	 * Domains the account may hold (each is an identity in the shared SES account, which allows
	 * 10,000 per region)…
	 */
	maxDomains: number;
	/** …of which this many may wait for verification at once (each holds its name up to 72 h). */
	maxPendingDomains: number;
}

export const PLAN_LIMITS: Record<Plan, PlanLimits> = {
	free: {
		name: "Free",
		priceUsd: 0,
		monthlyEmails: 0,
		logRetentionDays: 90,
		requestsPerSecond: 5,
		requestBurst: 20,
		// Adding a Shared SES domain needs a plan, as sending does.
		maxDomains: 0,
		maxPendingDomains: 0,
	},
	growth: {
		name: "Growth",
		priceUsd: 15,
		monthlyEmails: 25_000,
		logRetentionDays: 90,
		requestsPerSecond: 10,
		requestBurst: 40,
		maxDomains: 5,
		maxPendingDomains: 2,
	},
	pro: {
		name: "Pro",
		priceUsd: 59,
		monthlyEmails: 100_000,
		logRetentionDays: 90,
		requestsPerSecond: 50,
		requestBurst: 200,
		maxDomains: 20,
		maxPendingDomains: 5,
	},
};

/** Subscription states in which the customer has paid for the current period. */
const IN_GOOD_STANDING: ReadonlySet<SubscriptionStatus> = new Set(["active", "trialing"]);

export interface SendingAccount {
	plan: Plan;
	verificationStatus: VerificationStatus;
	subscriptionStatus: SubscriptionStatus;
}

/** Why this account may not send through Shared SES, or null when it may. */
export function sharedSesRefusal(account: SendingAccount): Refusal | null {
	if (account.verificationStatus !== "approved") {
		return { code: "verification_required", for: "sending" };
	}
	if (account.plan === "free" || !IN_GOOD_STANDING.has(account.subscriptionStatus)) {
		return {
			code: "plan_required",
			plan: account.plan,
			subscriptionStatus: account.subscriptionStatus,
		};
	}
	return null;
}
