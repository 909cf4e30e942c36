/** Staff: accounts (filter the suspended ones), their suspension history, and reinstatement. */
import { createRoute, z } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import {
	type AccountRow,
	findAccount,
	listAccountActions,
	listAccounts,
} from "../../db/queries/accounts.ts";
import { PLANS, VERIFICATION_STATUSES } from "../../db/schema.ts";
import { suspensionDepsFromEnv } from "../../deps.ts";
import { reinstateAccount } from "../../domain/suspension.ts";
import { createRouter } from "../../env.ts";
import { ApiError, notFound } from "../../lib/errors.ts";
import { toIso, toIsoOrNull } from "../../lib/time.ts";
import {
	errorResponse,
	IdParam,
	listQuery,
	listResponse,
	staffErrors,
	toList,
} from "../common-schemas.ts";

const StaffAccount = z
	.object({
		id: z.string(),
		name: z.string(),
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

const present = (a: AccountRow): z.infer<typeof StaffAccount> => ({
	id: a.id,
	name: a.name,
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
	summary: "Accounts, newest first; `suspended=true` for the suspended ones",
	request: {
		query: listQuery({
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
	summary: "One account with its suspension history",
	request: { params: IdParam },
	responses: {
		200: {
			description: "The account",
			content: {
				"application/json": { schema: StaffAccount.extend({ actions: z.array(AccountAction) }) },
			},
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
		const page = await listAccounts(createDb(c.env.DB), c.req.valid("query"));
		return c.json(toList(page, present), 200);
	})
	.openapi(show, async (c) => {
		const db = createDb(c.env.DB);
		const account = await findAccount(db, c.req.valid("param").id);
		if (!account) throw notFound("Account");
		const actions = await listAccountActions(db, account.id);
		return c.json(
			{
				...present(account),
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
		return c.json(
			present({ ...account, suspendedAt: null, suspensionReason: null, suspensionDetails: null }),
			200,
		);
	});
