/**
 * What Growth and Pro include, as the product page states them. The API has no plan catalogue
 * to read (Stripe holds the prices, src/domain/plans.ts the limits), so the cards say it here.
 */
export type PaidPlan = "growth" | "pro";

export interface PlanOffer {
	id: PaidPlan;
	name: string;
	priceUsd: number;
	monthlyEmails: number;
	features: string[];
}

export const PLAN_OFFERS: PlanOffer[] = [
	{
		id: "growth",
		name: "Growth",
		priceUsd: 15,
		monthlyEmails: 25_000,
		features: [
			"90 days of email log history",
			"10 API requests per second (bursts of 40)",
			"Up to 5 domains",
		],
	},
	{
		id: "pro",
		name: "Pro",
		priceUsd: 59,
		monthlyEmails: 100_000,
		features: [
			"90 days of email log history",
			"50 API requests per second (bursts of 200)",
			"Up to 20 domains",
		],
	},
];

export const PLAN_NAMES: Record<string, string> = { free: "Free", growth: "Growth", pro: "Pro" };

/**
 * Stripe states in which the account still has a subscription, so checkout answers 409 and
 * changes go through the customer portal (the API's own list, src/domain/billing.ts).
 */
export const HAS_SUBSCRIPTION = new Set(["active", "trialing", "past_due", "unpaid", "paused"]);
