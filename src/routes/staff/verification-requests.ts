/**
 * Staff review of verification requests: list them by status, approve or reject with a note.
 * The decision is recorded with who and when, together with the owner's notice of the outcome
 * (src/domain/verification.ts), which is then sent through SendFleet's own sending path.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { findVerificationRequest, listVerificationRequests } from "../../db/queries/accounts.ts";
import { REQUEST_STATUSES } from "../../db/schema.ts";
import { sendNotices } from "../../deps.ts";
import { decideVerification } from "../../domain/verification.ts";
import { createRouter } from "../../env.ts";
import { ApiError, notFound } from "../../lib/errors.ts";
import { presentVerificationRequest, VerificationRequestSchema } from "../account/schemas.ts";
import {
	errorResponse,
	IdParam,
	listQuery,
	listResponse,
	staffErrors,
	toList,
} from "../common-schemas.ts";

const list = createRoute({
	method: "get",
	path: "/verification-requests",
	summary: "Verification requests by status (default: pending), newest first",
	request: { query: listQuery({ status: z.enum(REQUEST_STATUSES).default("pending") }) },
	responses: {
		200: {
			description: "A page of requests",
			content: {
				"application/json": {
					schema: listResponse(VerificationRequestSchema.extend({ account_name: z.string() })),
				},
			},
		},
		...staffErrors,
	},
});

const Decision = z.object({
	request: VerificationRequestSchema,
	owner_notified: z.boolean(),
	notification_problem: z.string().nullable(),
});

const decide = (action: "approve" | "reject") =>
	createRoute({
		method: "post",
		path: `/verification-requests/{id}/${action}`,
		summary:
			action === "approve"
				? "Approve: the account may subscribe and send"
				: "Reject, with a note the owner sees",
		request: {
			params: IdParam,
			body: {
				required: action === "reject",
				content: {
					"application/json": {
						schema: z.strictObject({
							note:
								action === "reject"
									? z
											.string({ error: "is required: tell the owner why" })
											.trim()
											.min(1, "is required")
											.max(2000)
									: z.string().trim().max(2000).optional(),
						}),
					},
				},
			},
		},
		responses: {
			200: { description: "Decided", content: { "application/json": { schema: Decision } } },
			404: errorResponse("No such request"),
			409: errorResponse("Already decided"),
			...staffErrors,
			403: errorResponse("Not staff, or the request is the caller's own account's"),
		},
	});

export const verificationReview = createRouter().openapi(list, async (c) => {
	const { status, ...page } = c.req.valid("query");
	const result = await listVerificationRequests(createDb(c.env.DB), status, page);
	return c.json(
		toList(result, (row) => ({
			...presentVerificationRequest(row.request),
			account_name: row.accountName,
		})),
		200,
	);
});

for (const [action, status] of [
	["approve", "approved"],
	["reject", "rejected"],
] as const) {
	verificationReview.openapi(decide(action), async (c) => {
		const db = createDb(c.env.DB);
		const request = await findVerificationRequest(db, c.req.valid("param").id);
		if (!request) throw notFound("Verification request");
		// Approval is a second person's judgement: no one approves (or rejects) themselves.
		if (request.accountId === c.get("caller").accountId) {
			throw new ApiError(
				"forbidden",
				"Staff may not decide their own account's verification request; another staff member must.",
			);
		}
		// The body is optional for an approval: without one the validator yields nothing.
		const note = (c.req.valid("json") as { note?: string } | undefined)?.note ?? null;
		const decidedAt = Date.now();
		const decidedBy = c.get("caller").userId ?? "unknown";
		const outcome = await decideVerification(db, request, { status, note, decidedBy, decidedAt });
		if (outcome.kind === "already_decided") {
			throw new ApiError("conflict", `This request was already ${outcome.status}.`);
		}
		const waitUntil = (work: Promise<unknown>) => c.executionCtx.waitUntil(work);
		waitUntil(sendNotices(c.env, waitUntil, outcome.notice));
		return c.json(
			{
				request: presentVerificationRequest({
					...request,
					status,
					decisionNote: note,
					decidedBy,
					decidedAt,
				}),
				owner_notified: outcome.notice !== null,
				notification_problem: outcome.notice ? null : "the account has no owner to notify",
			},
			200,
		);
	});
}
