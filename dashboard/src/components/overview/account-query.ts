/**
 * The account (plan, subscription, verification, usage, suspension) under one query key, read
 * by the Overview, Verification Request and Billing pages, so a change made on one page (a
 * request sent, a plan bought) refreshes the others.
 */
import { queryOptions } from "@tanstack/react-query";
import { api, type Schemas } from "../../api.ts";

export type Account = Schemas["Account"];

export const accountQuery = queryOptions({
	queryKey: ["account"],
	queryFn: () => api.account.get(),
});

/** Stripe states in which the plan is paid for, as the API's sending check counts them. */
export const planInGoodStanding = (account: Account) =>
	account.plan !== "free" &&
	(account.subscription.status === "active" || account.subscription.status === "trialing");
