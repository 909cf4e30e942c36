/**
 * Billing: who may subscribe, what a Stripe subscription means for an account's plan, and the
 * checkout. Plan limits themselves live in ./plans.ts; what each Stripe webhook event does to an
 * account is ./stripe-events.ts.
 *
 * Checkout is for approved accounts without a subscription to manage; changing or cancelling
 * one happens in Stripe's customer portal. Each account has one Stripe customer, created on its
 * first checkout and stored before the customer ever reaches Stripe, so every later event can be
 * matched to the account by its customer.
 */
import type Stripe from "stripe";
import type { Db } from "../db/client.ts";
import { type BillingAccount, linkStripeCustomer } from "../db/queries/billing.ts";
import { type Plan, SUBSCRIPTION_STATUSES, type SubscriptionStatus } from "../db/schema.ts";
import type { StripeClient, StripeResult, StripeSettings } from "../services/stripe.ts";
import { PLAN_LIMITS } from "./plans.ts";
import { type Refusal, type Rejected, rejected } from "./refusals.ts";

export const PAID_PLANS = ["growth", "pro"] as const satisfies readonly Plan[];
export type PaidPlan = (typeof PAID_PLANS)[number];
export type PlanPrices = StripeSettings["prices"];

/** Statuses in which the account has a subscription to manage (in the portal, not a checkout). */
const MANAGED: ReadonlySet<SubscriptionStatus> = new Set([
	"active",
	"trialing",
	"past_due",
	"unpaid",
	"paused",
]);

/** Statuses after which a subscription never comes back. */
const ENDED: ReadonlySet<SubscriptionStatus> = new Set(["none", "canceled", "incomplete_expired"]);

/** Whether a subscription in `status` has ended for good. */
export const hasEnded = (status: SubscriptionStatus) => ENDED.has(status);

export function billingUnavailable(
	doing: string,
	error: Extract<StripeResult<unknown>, { kind: "error" }>,
): Refusal {
	return {
		code: "billing_unavailable",
		doing,
		status: error.status,
		type: error.type,
		message: error.message,
	};
}

/** Why this account may not start a checkout, or null when it may. */
export function checkoutRefusal(account: BillingAccount): Refusal | null {
	if (account.verificationStatus !== "approved") {
		return { code: "verification_required", for: "subscribing" };
	}
	if (MANAGED.has(account.subscriptionStatus)) {
		return {
			code: "subscription_exists",
			plan: account.plan,
			subscriptionStatus: account.subscriptionStatus,
		};
	}
	return null;
}

export function planForPrice(priceId: string, prices: PlanPrices): PaidPlan | null {
	return PAID_PLANS.find((plan) => prices[plan] !== "" && prices[plan] === priceId) ?? null;
}

/** The id of a Stripe field that is either an id or the expanded object. */
export const idOf = (value: string | { id: string } | null | undefined): string | null =>
	value == null ? null : typeof value === "string" ? value : value.id;

export const isSubscriptionStatus = (s: string): s is SubscriptionStatus =>
	(SUBSCRIPTION_STATUSES as readonly string[]).includes(s);

export interface SubscriptionState {
	subscriptionId: string;
	customerId: string;
	plan: Plan;
	status: SubscriptionStatus;
	/** Milliseconds; the latest period end of the subscription's items. */
	currentPeriodEnd: number | null;
}

/**
 * What a Stripe subscription means here. The plan comes from the price of its items; an ended
 * subscription is the Free plan. A price that is neither plan's maps to Free (and is logged by
 * the caller): we never grant a plan we cannot name.
 */
export function readSubscription(
	sub: Stripe.Subscription,
	prices: PlanPrices,
): { ok: true; state: SubscriptionState; unknownPrices: string[] } | { ok: false; reason: string } {
	const customerId = idOf(sub.customer);
	if (!customerId) return { ok: false, reason: `subscription ${sub.id} has no customer` };
	if (!isSubscriptionStatus(sub.status)) {
		return { ok: false, reason: `subscription ${sub.id} has unknown status ${sub.status}` };
	}
	const items = sub.items.data;
	const priceIds = items.map((item) => item.price.id);
	const paid = priceIds.map((id) => planForPrice(id, prices)).find((plan) => plan !== null);
	const ends = items.map((item) => item.current_period_end).filter((t) => typeof t === "number");
	return {
		ok: true,
		state: {
			subscriptionId: sub.id,
			customerId,
			plan: ENDED.has(sub.status) ? "free" : (paid ?? "free"),
			status: sub.status,
			currentPeriodEnd: ends.length ? Math.max(...ends) * 1000 : null,
		},
		unknownPrices: paid ? [] : priceIds,
	};
}

/**
 * Whether `incoming` may replace another subscription as the account's current one, given the
 * other one's status as Stripe has it now (src/domain/stripe-events.ts, "Which subscription").
 */
export function mayReplace(
	currentStatus: SubscriptionStatus,
	incoming: SubscriptionState,
): boolean {
	return !MANAGED.has(currentStatus) && !ENDED.has(incoming.status);
}

export interface BillingDeps {
	db: Db;
	stripe: StripeClient;
	prices: PlanPrices;
}

/** Starts a Checkout for `plan`, creating the account's Stripe customer on first use. */
export async function startCheckout(
	deps: BillingDeps,
	account: BillingAccount,
	plan: PaidPlan,
	urls: { successUrl: string; cancelUrl: string },
): Promise<{ kind: "ok"; url: string } | Rejected> {
	const priceId = deps.prices[plan];
	if (!priceId) {
		return rejected({
			code: "billing_not_configured",
			detail: `the ${PLAN_LIMITS[plan].name} plan has no Stripe price`,
		});
	}
	let customerId = account.stripeCustomerId;
	if (!customerId) {
		const created = await deps.stripe.createCustomer({ accountId: account.id, name: account.name });
		if (created.kind === "error") {
			return rejected(billingUnavailable("creating the customer", created));
		}
		// Stored before the customer reaches Stripe's pages, so every event finds the account. A
		// checkout that then fails keeps it: it is this account's customer, reused next time.
		customerId = await linkStripeCustomer(deps.db, account.id, created.value.id);
		if (customerId !== created.value.id) {
			console.warn("stripe: account", account.id, "already had customer", customerId);
		}
		if (!customerId) return rejected({ code: "account_not_found" });
	}
	const session = await deps.stripe.createCheckoutSession({
		customerId,
		accountId: account.id,
		priceId,
		...urls,
	});
	if (session.kind === "error") {
		return rejected(billingUnavailable("creating the Checkout Session", session));
	}
	return { kind: "ok", url: session.value.url };
}
