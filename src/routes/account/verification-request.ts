/**
 * The owner's side of manual approval: submit a verification request (one open at a time; a new
 * one after a rejection), and see the latest one with the staff's decision.
 */
import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { latestVerificationRequest, submitVerificationRequest } from "../../db/queries/accounts.ts";
import { unverifiedOwnerRefusal } from "../../domain/email-verification.ts";
import { createRouter } from "../../env.ts";
import { ApiError, notFound } from "../../lib/errors.ts";
import { uuidv7 } from "../../lib/ids.ts";
import { commonErrors, errorResponse } from "../common-schemas.ts";
import { refusalError } from "../refusal-errors.ts";
import {
	presentVerificationRequest,
	VerificationRequestBody,
	VerificationRequestSchema,
} from "./schemas.ts";

const submit = createRoute({
	method: "post",
	path: "/verification-request",
	summary: "Ask for Shared SES access (manual review, 1–2 business days)",
	request: {
		body: { required: true, content: { "application/json": { schema: VerificationRequestBody } } },
	},
	responses: {
		201: {
			description: "Submitted",
			content: { "application/json": { schema: VerificationRequestSchema } },
		},
		409: errorResponse("A request is already pending, or the account is approved"),
		...commonErrors,
		403: errorResponse(
			"Invalid API key, or the owner's email is not verified (email_not_verified)",
		),
	},
});

const latest = createRoute({
	method: "get",
	path: "/verification-request",
	summary: "The latest verification request and its outcome",
	responses: {
		200: {
			description: "The request",
			content: { "application/json": { schema: VerificationRequestSchema } },
		},
		404: errorResponse("No request yet"),
		...commonErrors,
	},
});

export const verificationRequestRoutes = createRouter()
	.openapi(submit, async (c) => {
		const body = c.req.valid("json");
		const { accountId, account } = c.get("caller");
		if (account.verificationStatus === "approved") {
			throw new ApiError("conflict", "This account is already approved for Shared SES.");
		}
		const db = createDb(c.env.DB);
		// Whoever asks (the owner's session or an API key), the owner must have proved their email.
		const unverified = await unverifiedOwnerRefusal(db, accountId, "verification_request");
		if (unverified) throw refusalError(unverified);
		const previous = await latestVerificationRequest(db, accountId);
		if (previous?.status === "pending") {
			throw new ApiError("conflict", "A verification request is already pending review.");
		}
		const now = Date.now();
		const request = {
			id: uuidv7(now),
			accountId,
			useCase: body.use_case,
			companyName: body.company_name,
			website: body.website,
			expectedMonthlyVolume: body.expected_monthly_volume,
			status: "pending" as const,
			decisionNote: null,
			decidedBy: null,
			decidedAt: null,
			createdAt: now,
		};
		await submitVerificationRequest(db, request);
		return c.json(presentVerificationRequest(request), 201);
	})
	.openapi(latest, async (c) => {
		const request = await latestVerificationRequest(createDb(c.env.DB), c.get("caller").accountId);
		if (!request) throw notFound("Verification request");
		return c.json(presentVerificationRequest(request), 200);
	});
