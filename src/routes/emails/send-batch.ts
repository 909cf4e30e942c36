/**
 * `POST /emails/batch`: up to 100 emails in one request. Resend's `x-batch-validation` header
 * picks the mode: `strict` (default) accepts all or none; `permissive` accepts the valid ones
 * and lists the others in `errors` by index.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { sendingDepsFromEnv } from "../../deps.ts";
import { MAX_ATTACHMENTS_PER_REQUEST } from "../../domain/attachments.ts";
import type { EmailInput } from "../../domain/email-input.ts";
import { acceptEmails } from "../../domain/sending.ts";
import { type AppEnv, createRouter, describeZodError } from "../../env.ts";
import { ApiError } from "../../lib/errors.ts";
import { setRateLimitHeaders } from "../../lib/rate-limit.ts";
import { refusalError } from "../refusal-errors.ts";
import {
	idempotencyHeader,
	MAX_BATCH_SIZE,
	SendBatchResponse,
	SendEmailBody,
	sendErrors,
} from "./schemas.ts";

const BatchBody = z
	.array(SendEmailBody, { error: "The body must be a JSON array of emails." })
	.min(1, "The batch is empty.")
	.max(MAX_BATCH_SIZE, `A batch holds at most ${MAX_BATCH_SIZE} emails.`);

const BatchHeaders = z.object({
	"x-batch-validation": z.enum(["strict", "permissive"]).default("strict"),
	...idempotencyHeader,
});

const route = createRoute({
	method: "post",
	path: "/batch",
	summary: "Send up to 100 emails in one request",
	request: {
		headers: BatchHeaders,
		body: { required: true, content: { "application/json": { schema: BatchBody } } },
	},
	responses: {
		200: {
			description: "Accepted",
			content: { "application/json": { schema: SendBatchResponse } },
		},
		...sendErrors,
	},
});

type Item = { index: number; email: EmailInput } | { index: number; message: string };

/** Validates each entry on its own, so a permissive batch can name every bad one. */
function validateEach(raw: unknown): Item[] {
	if (!Array.isArray(raw))
		throw new ApiError("validation_error", "The body must be a JSON array of emails.");
	if (raw.length === 0 || raw.length > MAX_BATCH_SIZE) {
		throw new ApiError(
			"validation_error",
			`A batch holds 1 to ${MAX_BATCH_SIZE} emails; this one has ${raw.length}.`,
		);
	}
	return raw.map((entry, index) => {
		const parsed = SendEmailBody.safeParse(entry);
		return parsed.success
			? { index, email: parsed.data }
			: { index, message: describeZodError(parsed.error, `[${index}]`) };
	});
}

async function sendBatch(c: Context<AppEnv>, items: Item[], mode: "strict" | "permissive") {
	const valid = items.filter((i): i is { index: number; email: EmailInput } => "email" in i);
	const files = valid.reduce((n, { email }) => n + (email.attachments?.length ?? 0), 0);
	if (files > MAX_ATTACHMENTS_PER_REQUEST) {
		throw new ApiError(
			"validation_error",
			`A batch carries at most ${MAX_ATTACHMENTS_PER_REQUEST} attachments in all; this one has ${files}. Split it into smaller batches.`,
		);
	}
	const invalid = items.filter((i): i is { index: number; message: string } => "message" in i);
	const firstInvalid = invalid[0];
	if (mode === "strict" && firstInvalid)
		throw new ApiError("validation_error", firstInvalid.message);

	const caller = c.get("caller");
	const check = c.get("keyCheck");
	const outcome = await acceptEmails(
		sendingDepsFromEnv(c.env, caller.accountId, (work) => c.executionCtx.waitUntil(work)),
		check ? { cached: caller, check } : caller,
		valid.map((v) => v.email),
		mode === "strict" ? "all-or-nothing" : "each-on-its-own",
	);
	if (outcome.kind === "rejected") throw refusalError(outcome.reason);
	const { results, rate, committed } = outcome;
	setRateLimitHeaders(c, rate);
	const data: { id: string; warnings: { code: string; message: string }[] }[] = [];
	const errors = invalid.map(({ index, message }) => ({ index, message }));
	results.forEach((result, i) => {
		const index = valid[i]?.index ?? i;
		if (result.kind === "accepted") data.push({ id: result.id, warnings: result.warnings });
		else {
			const error = refusalError(result.reason);
			// Strict: nothing was kept, so the first refusal answers the request. Once some email
			// was stored or sent (a BYOC email refused by the customer's SES after others went),
			// every result is reported in place, whatever the mode.
			if (mode === "strict" && !committed) {
				throw new ApiError(error.name, `[${index}] ${error.message}`, error.extra, error.headers);
			}
			errors.push({ index, message: error.message });
		}
	});
	errors.sort((a, b) => a.index - b.index);
	return c.json(mode === "permissive" || errors.length ? { data, errors } : { data }, 200);
}

export const sendEmailBatch = createRouter().openapi(
	route,
	(c) =>
		sendBatch(
			c,
			c.req.valid("json").map((email, index) => ({ index, email })),
			c.req.valid("header")["x-batch-validation"],
		),
	// A permissive batch with bad entries fails the route's schema: validate entry by entry.
	(result, c) => {
		if (result.success) return;
		if (result.target === "json" && c.req.header("x-batch-validation") === "permissive") {
			return c.req.json().then((raw: unknown) => sendBatch(c, validateEach(raw), "permissive"));
		}
		throw new ApiError("validation_error", describeZodError(result.error));
	},
);
