/**
 * The send endpoints' request and response shapes (`POST /emails`, `/emails/batch`), Resend's
 * wire format plus our additions (`warnings`); the stored email's are in log-schemas.ts, an
 * attachment's in attachment-schema.ts.
 * Limits, stated once here and in the README:
 * - at most 50 recipients in `to` + `cc` + `bcc` (SES's own limit per message);
 * - at most 1 MiB of content per email (subject + html + text + headers, UTF-8), which keeps
 *   every stored email well inside D1's 2 MB row limit;
 * - at most 15 custom headers, each a printable-ASCII value of at most 870 characters (SES's);
 * - attachments (src/domain/attachments.ts): the whole message at most 40 MB in base64 (SES's
 *   limit; 413 beyond), file names at most 255 characters, SES's refused extensions refused,
 *   at most 100 files an email;
 * - request bodies at most 45 MiB (413 beyond): one message at SES's limit with its JSON. A
 *   batch's attachments share it, which keeps a request well inside a Worker's 128 MB memory
 *   (the body, its parsed form and the decoded files are all held at once).
 */
import { z } from "@hono/zod-openapi";
import { contentBytes, MAX_ATTACHMENTS } from "../../domain/attachments.ts";
import { parseMailbox } from "../../lib/addresses.ts";
import { MAX_SCHEDULED_AT_LENGTH, parseScheduledAt } from "../../lib/schedule-time.ts";
import { EMAIL_ID_TAG } from "../../services/ses.ts";
import { commonErrors, errorResponse } from "../common-schemas.ts";
import { Attachment } from "./attachment-schema.ts";

export const MAX_RECIPIENTS = 50;
export const MAX_EMAIL_CONTENT_BYTES = 1024 * 1024;
export const MAX_REQUEST_BYTES = 45 * 1024 * 1024;
export const MAX_BATCH_SIZE = 100;

const NO_LINE_BREAKS = /^[^\r\n]*$/;
/**
 * SES v2's own rules for custom headers (MessageHeader): names are 1 to 126 printable ASCII
 * characters except the colon (RFC 5322 field names), values 1 to 870 printable ASCII
 * characters, at most 15 headers. Anything else SES refuses after we accepted it.
 */
const HEADER_NAME = /^[!-9;-~]+$/;
const HEADER_VALUE = /^[ -~]+$/;
export const MAX_HEADERS = 15;
/** Headers SES builds itself from the request's fields; setting them twice is refused. */
const RESERVED_HEADERS = new Set([
	"from",
	"to",
	"cc",
	"bcc",
	"subject",
	"reply-to",
	"sender",
	"return-path",
	"date",
	"message-id",
	"mime-version",
	"content-type",
	"content-transfer-encoding",
]);
const TAG_PART = /^[A-Za-z0-9_-]{1,256}$/;

const mailbox = z.string().superRefine((value, ctx) => {
	if (!parseMailbox(value)) {
		ctx.addIssue({
			code: "custom",
			message: `${JSON.stringify(value)} is not a valid email address (use "a@example.com" or "Name <a@example.com>").`,
		});
	}
});

const mailboxes = z
	.union([mailbox, z.array(mailbox)])
	.transform((v) => (Array.isArray(v) ? v : [v]))
	.openapi({ type: "array", items: { type: "string" }, description: "One address or a list" });

/** `scheduled_at`, parsed to epoch ms (src/lib/schedule-time.ts). */
export const ScheduledAt = z
	.string()
	.max(MAX_SCHEDULED_AT_LENGTH, `must be at most ${MAX_SCHEDULED_AT_LENGTH} characters`)
	.transform((text, ctx) => {
		const parsed = parseScheduledAt(text, Date.now());
		if (parsed.kind === "invalid") {
			// The error already names the field (describeZodError), so the message need not.
			ctx.addIssue({ code: "custom", message: parsed.message.replace(/^`scheduled_at` /, "") });
			return z.NEVER;
		}
		return parsed.at;
	})
	.openapi({
		type: "string",
		description:
			'ISO 8601 with a zone, or natural language ("in 1 hour", "tomorrow at 9am UTC"); at most 30 days ahead',
		example: "in 1 hour",
	});

const unsupported = (what: string) =>
	z
		.unknown()
		.refine((v) => v === undefined, `${what} is not supported by SendFleet yet.`)
		.optional()
		.openapi({ description: "Not supported yet; leave it out" });

export const SendEmailBody = z
	.strictObject({
		from: z
			.string({ error: "is required" })
			.pipe(mailbox)
			.openapi({ example: "Acme <onboarding@acme.com>" }),
		to: mailboxes.refine((v) => v.length > 0, "needs at least one recipient"),
		cc: mailboxes.nullish(),
		bcc: mailboxes.nullish(),
		reply_to: mailboxes.nullish(),
		subject: z
			.string({ error: "is required" })
			.min(1, "is required")
			.max(998, "must be at most 998 characters")
			.regex(NO_LINE_BREAKS, "must not contain line breaks"),
		html: z.string().nullish(),
		text: z.string().nullish(),
		headers: z
			.record(
				z.string(),
				z
					.string()
					.min(1, "header values must not be empty")
					.max(870, "header values are at most 870 characters (SES's limit)")
					.regex(NO_LINE_BREAKS, "header values must not contain line breaks")
					.regex(
						HEADER_VALUE,
						"header values must be printable ASCII (SES refuses others); encode other text as an RFC 2047 encoded-word",
					),
			)
			.superRefine((headers, ctx) => {
				const names = Object.keys(headers);
				if (names.length > MAX_HEADERS) {
					ctx.addIssue({
						code: "custom",
						message: `at most ${MAX_HEADERS} custom headers (SES's limit); this email has ${names.length}`,
					});
				}
				for (const name of names) {
					if (!HEADER_NAME.test(name)) {
						ctx.addIssue({
							code: "custom",
							path: [name],
							message: "header names are printable ASCII without spaces or colons",
						});
					} else if (name.length > 126) {
						ctx.addIssue({
							code: "custom",
							path: [name],
							message: "header names are at most 126 characters (SES's limit)",
						});
					} else if (RESERVED_HEADERS.has(name.toLowerCase())) {
						ctx.addIssue({
							code: "custom",
							path: [name],
							message: "this header is set from the email's own fields (from, to, subject…)",
						});
					}
				}
			})
			.nullish(),
		tags: z
			.array(
				z.strictObject({
					name: z
						.string()
						.regex(TAG_PART, "tag names are 1-256 ASCII letters, digits, _ or -")
						.refine((n) => n !== EMAIL_ID_TAG, `${EMAIL_ID_TAG} is reserved`),
					value: z.string().regex(TAG_PART, "tag values are 1-256 ASCII letters, digits, _ or -"),
				}),
			)
			.max(40, "at most 40 tags")
			.nullish(),
		attachments: z
			.array(Attachment)
			.max(MAX_ATTACHMENTS, `at most ${MAX_ATTACHMENTS} attachments an email`)
			.nullish(),
		scheduled_at: ScheduledAt.nullish(),
		template: unsupported("`template`"),
		topic_id: unsupported("`topic_id`"),
	})
	.superRefine((email, ctx) => {
		if (!email.html && !email.text) {
			ctx.addIssue({ code: "custom", message: "Provide `html` or `text` (or both).", path: [] });
		}
		const recipients = email.to.length + (email.cc?.length ?? 0) + (email.bcc?.length ?? 0);
		if (recipients > MAX_RECIPIENTS) {
			ctx.addIssue({
				code: "custom",
				message: `An email can have at most ${MAX_RECIPIENTS} recipients in \`to\`, \`cc\` and \`bcc\` together; this one has ${recipients}.`,
				path: [],
			});
		}
		const size = contentBytes(email);
		if (size > MAX_EMAIL_CONTENT_BYTES) {
			ctx.addIssue({
				code: "custom",
				message: `The email's content is ${size} bytes; the limit is ${MAX_EMAIL_CONTENT_BYTES} bytes (subject, html, text and headers together).`,
				path: [],
			});
		}
	})
	.transform(({ scheduled_at, ...email }) => ({ ...email, scheduledAt: scheduled_at }))
	.openapi("SendEmailRequest");

export const Warning = z
	.object({ code: z.string(), message: z.string() })
	.openapi("Warning", { description: "A non-blocking deliverability problem and its fix" });

export const SendEmailResponse = z
	.object({ id: z.string(), warnings: z.array(Warning) })
	.openapi("SendEmailResponse");

export const SendBatchResponse = z
	.object({
		data: z.array(SendEmailResponse),
		errors: z
			.array(z.object({ index: z.number().int(), message: z.string() }))
			.optional()
			.openapi({
				description:
					"With `x-batch-validation: permissive`; in strict mode only when BYOC emails were refused by your SES after others were sent",
			}),
	})
	.openapi("SendBatchResponse");

/** What POST /emails and /emails/batch can answer besides success, for the OpenAPI document. */
export const sendErrors = {
	...commonErrors,
	400: errorResponse("Malformed Idempotency-Key"),
	403: errorResponse(
		"Invalid key, domain not verified, plan or approval missing, or account suspended",
	),
	409: errorResponse(
		"Idempotency-Key reused with another body, or its first request still running",
	),
	413: errorResponse(
		"Request body over 45 MiB, or a message over SES's 40 MB with its attachments",
	),
	429: errorResponse(
		"Over the request rate (rate_limit_exceeded) or the monthly quota (monthly_quota_exceeded)",
	),
	503: errorResponse("Briefly unavailable; nothing was accepted"),
} as const;

/** The optional `Idempotency-Key` header of the send endpoints (enforced by its middleware). */
export const idempotencyHeader = {
	"idempotency-key": z.string().optional().openapi({
		description: "Replays the first response for 24 hours; 1–256 printable ASCII characters",
	}),
};
