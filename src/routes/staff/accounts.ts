/**
 * Staff: accounts (search by name or owner email, filter the suspended ones), one account with
 * its verification request, usage, 7-day figures and suspension history, and reinstatement.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import {
	type AccountRow,
	findAccount,
	findOwnerEmail,
	latestVerificationRequest,
	listAccountActions,
} from "../../db/queries/accounts.ts";
import { PLANS, VERIFICATION_STATUSES } from "../../db/schema.ts";
import { suspensionDepsFromEnv } from "../../deps.ts";
import { PLAN_LIMITS } from "../../domain/plans.ts";
import { reinstateAccount } from "../../domain/suspension.ts";
import { guardFor } from "../../durable-objects/index.ts";
import { createRouter } from "../../env.ts";
import { ApiError, notFound } from "../../lib/errors.ts";
import { toIso, toIsoOrNull } from "../../lib/time.ts";
import { presentFigures, ReputationFiguresSchema } from "../account/reputation.ts";
import { presentVerificationRequest, VerificationRequestSchema } from "../account/schemas.ts";
import {
	errorResponse,
	IdParam,
	listQuery,
	listResponse,
	staffErrors,
	toList,
} from "../common-schemas.ts";
import { listAccountsWithOwners } from "./account-queries.ts";

const StaffAccount = z
	.object({
		id: z.string(),
		name: z.string(),
		owner_email: z
			.string()
			.nullable()
			.openapi({ description: "The user who signed up; null for accounts made without one" }),
		plan: z.enum(PLANS),
		verification_status: z.enum(VERIFICATION_STATUSES),
		subscription_status: z.string(),
		suspended_at: z.string().nullable(),
		suspension_reason: z.string().nullable(),
		suspension_details: z.record(z.string(), z.unknown()).nullable(),
		created_at: z.string(),
	})
	.openapi("StaffAccount");

const AccountAction = z.object({
	action: z.enum(["suspended", "reinstated"]),
	reason: z.string(),
	details: z.record(z.string(), z.unknown()).nullable(),
	actor_user_id: z.string().nullable(),
	at: z.string(),
});

const AccountDetail = StaffAccount.extend({
	current_period_end: z.string().nullable(),
	verification_request: z.union([VerificationRequestSchema, z.null()]).openapi({
		description: "The account's latest request, whatever its status",
	}),
	usage: z.object({
		emails_this_month: z
			.number()
			.int()
			.openapi({ description: "Recipients this calendar month (UTC), as the quota counts them" }),
		monthly_quota: z.number().int(),
	}),
	reputation: ReputationFiguresSchema.openapi({
		description: "The rolling 7-day figures the account's guard judges it on",
	}),
	actions: z.array(AccountAction),
}).openapi("StaffAccountDetail");

const present = (a: AccountRow, ownerEmail: string | null): z.infer<typeof StaffAccount> => ({
	id: a.id,
	name: a.name,
	owner_email: ownerEmail,
	plan: a.plan,
	verification_status: a.verificationStatus,
	subscription_status: a.subscriptionStatus,
	suspended_at: toIsoOrNull(a.suspendedAt),
	suspension_reason: a.suspensionReason,
	suspension_details: a.suspensionDetails,
	created_at: toIso(a.createdAt),
});

const list = createRoute({
	method: "get",
	path: "/accounts",
	summary:
		"Accounts, newest first; `search` in the name or owner email, `suspended=true` for the suspended ones",
	request: {
		query: listQuery({
			search: z
				.string()
				.trim()
				.max(254)
				.optional()
				.openapi({ description: "Part of the account's name or its owner's email, any case" }),
			suspended: z
				.enum(["true", "false"])
				.optional()
				.transform((v) => v === "true"),
		}),
	},
	responses: {
		200: {
			description: "A page of accounts",
			content: { "application/json": { schema: listResponse(StaffAccount) } },
		},
		...staffErrors,
	},
});

const show = createRoute({
	method: "get",
	path: "/accounts/{id}",
	summary: "One account: owner, verification request, usage, 7-day figures and suspension history",
	request: { params: IdParam },
	responses: {
		200: {
			description: "The account",
			content: { "application/json": { schema: AccountDetail } },
		},
		404: errorResponse("No such account"),
		...staffErrors,
	},
});

const reinstate = createRoute({
	method: "post",
	path: "/accounts/{id}/reinstate",
	summary: "Lift a suspension; the 7-day window restarts so the same events cannot repeat it",
	request: {
		params: IdParam,
		body: {
			required: true,
			content: {
				"application/json": {
					schema: z.strictObject({
						note: z.string({ error: "is required: record why" }).trim().min(1).max(2000),
					}),
				},
			},
		},
	},
	responses: {
		200: { description: "Reinstated", content: { "application/json": { schema: StaffAccount } } },
		404: errorResponse("No such account"),
		409: errorResponse("Not suspended"),
		...staffErrors,
		403: errorResponse("Not staff, or the caller's own account"),
	},
});

export const accountsReview = createRouter()
	.openapi(list, async (c) => {
		const { search, ...page } = c.req.valid("query");
		const result = await listAccountsWithOwners(createDb(c.env.DB), {
			...page,
			search: search || undefined,
		});
		return c.json(
			toList(result, (row) => present(row.account, row.ownerEmail)),
			200,
		);
	})
	.openapi(show, async (c) => {
		const db = createDb(c.env.DB);
		const id = c.req.valid("param").id;
		const account = await findAccount(db, id);
		if (!account) throw notFound("Account");
		const guard = guardFor(c.env, account.id);
		const [ownerEmail, request, actions, { figures, windowStart }, used] = await Promise.all([
			findOwnerEmail(db, account.id),
			latestVerificationRequest(db, account.id),
			listAccountActions(db, account.id),
			guard.reputation(),
			guard.usage(),
		]);
		return c.json(
			{
				...present(account, ownerEmail ?? null),
				current_period_end: toIsoOrNull(account.currentPeriodEnd),
				verification_request: request ? presentVerificationRequest(request) : null,
				usage: { emails_this_month: used, monthly_quota: PLAN_LIMITS[account.plan].monthlyEmails },
				reputation: presentFigures(figures, windowStart),
				actions: actions.map((a) => ({
					action: a.action,
					reason: a.reason,
					details: a.details,
					actor_user_id: a.actorUserId,
					at: toIso(a.createdAt),
				})),
			},
			200,
		);
	})
	.openapi(reinstate, async (c) => {
		const db = createDb(c.env.DB);
		const account = await findAccount(db, c.req.valid("param").id);
		if (!account) throw notFound("Account");
		if (account.id === c.get("caller").accountId) {
			throw new ApiError(
				"forbidden",
				"Staff may not reinstate their own account; another staff member must.",
			);
		}
		const outcome = await reinstateAccount(suspensionDepsFromEnv(c.env, account.id), account, {
			userId: c.get("caller").userId ?? "unknown",
			note: c.req.valid("json").note,
		});
		if (outcome.kind === "not_suspended") {
			throw new ApiError("conflict", "This account is not suspended.");
		}
		const ownerEmail = await findOwnerEmail(db, account.id);
		return c.json(
			present(
				{ ...account, suspendedAt: null, suspensionReason: null, suspensionDetails: null },
				ownerEmail ?? null,
			),
			200,
		);
	});
