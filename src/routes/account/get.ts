import { createRoute, z } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { findAccount, latestVerificationRequest } from "../../db/queries/accounts.ts";
import { PLANS, SUBSCRIPTION_STATUSES, VERIFICATION_STATUSES } from "../../db/schema.ts";
import { PLAN_LIMITS, sharedSesRefusal } from "../../domain/plans.ts";
import { guardFor } from "../../durable-objects/index.ts";
import { createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { toIsoOrNull } from "../../lib/time.ts";
import { commonErrors } from "../common-schemas.ts";
import { refusalError } from "../refusal-errors.ts";
import { presentVerificationRequest, VerificationRequestSchema } from "./schemas.ts";

const AccountSchema = z
	.object({
		object: z.literal("account"),
		id: z.string(),
		name: z.string(),
		plan: z.enum(PLANS),
		subscription: z.object({
			status: z.enum(SUBSCRIPTION_STATUSES),
			current_period_end: z.string().nullable(),
		}),
		verification: z.object({
			status: z.enum(VERIFICATION_STATUSES),
			request: z.union([VerificationRequestSchema, z.null()]),
		}),
		usage: z.object({
			month_start: z.string(),
			emails_this_month: z
				.number()
				.int()
				.openapi({ description: "Recipients, as the quota counts them" }),
			monthly_quota: z.number().int(),
		}),
		suspension: z.object({
			suspended: z.boolean(),
			reason: z.string().nullable(),
			since: z.string().nullable(),
		}),
		can_send: z.boolean(),
		cannot_send_reason: z.string().nullable(),
	})
	.openapi("Account");

const route = createRoute({
	method: "get",
	path: "/",
	summary: "The account: plan, subscription, verification, usage against quota, suspension",
	responses: {
		200: { description: "The account", content: { "application/json": { schema: AccountSchema } } },
		...commonErrors,
	},
});

const monthStart = (now: Date) => Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);

export const getAccount = createRouter().openapi(route, async (c) => {
	const db = createDb(c.env.DB);
	const { accountId } = c.get("caller");
	const since = monthStart(new Date());
	// Usage comes from the account's guard, which meters the quota (one counter, no D1 scan).
	const [account, request, used] = await Promise.all([
		findAccount(db, accountId),
		latestVerificationRequest(db, accountId),
		guardFor(c.env, accountId).usage(),
	]);
	if (!account) throw notFound("Account");
	const refusal = sharedSesRefusal(account);
	const refusalMessage = refusal && refusalError(refusal).message;
	const suspended = account.suspendedAt !== null;
	return c.json(
		{
			object: "account" as const,
			id: account.id,
			name: account.name,
			plan: account.plan,
			subscription: {
				status: account.subscriptionStatus,
				current_period_end: toIsoOrNull(account.currentPeriodEnd),
			},
			verification: {
				status: account.verificationStatus,
				request: request ? presentVerificationRequest(request) : null,
			},
			usage: {
				month_start: new Date(since).toISOString(),
				emails_this_month: used,
				monthly_quota: PLAN_LIMITS[account.plan].monthlyEmails,
			},
			suspension: {
				suspended,
				reason: account.suspensionReason,
				since: toIsoOrNull(account.suspendedAt),
			},
			can_send: !refusal && !suspended,
			cannot_send_reason:
				refusalMessage ?? (suspended ? `Suspended: ${account.suspensionReason}` : null),
		},
		200,
	);
});
