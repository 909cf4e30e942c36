/**
 * `GET /emails` and `GET /emails/:id`: the stored email in Resend's wire format plus our
 * additions (`status`, the event timeline, the attachments' count), and the list's filters.
 */
import { z } from "@hono/zod-openapi";
import { EMAIL_EVENTS, EMAIL_STATUSES } from "../../db/schema.ts";
import { parseMailbox } from "../../lib/addresses.ts";
import { UUID_PATTERN } from "../../lib/ids.ts";
import { listQuery } from "../common-schemas.ts";

const EmailEventSchema = z.object({
	type: z.string(),
	recipient: z.string().nullable(),
	at: z.string(),
	details: z.record(z.string(), z.unknown()).nullable(),
});

const emailFields = {
	object: z.literal("email"),
	id: z.string(),
	from: z.string(),
	to: z.array(z.string()),
	cc: z.array(z.string()).nullable(),
	bcc: z.array(z.string()).nullable(),
	reply_to: z.array(z.string()).nullable(),
	subject: z.string(),
	status: z.enum(EMAIL_STATUSES),
	last_event: z.enum(EMAIL_EVENTS),
	created_at: z.string(),
	sent_at: z.string().nullable(),
	delivered_at: z.string().nullable(),
	scheduled_at: z.string().nullable(),
	failure_reason: z.string().nullable(),
	/** Ours: how many files it carries (GET /emails/:id/attachments lists them). */
	attachments: z.number().int(),
};

export const EmailListItem = z.object(emailFields).openapi("EmailListItem");

export const EmailSchema = z
	.object({
		...emailFields,
		html: z.string().nullable(),
		text: z.string().nullable(),
		headers: z.record(z.string(), z.string()).nullable(),
		tags: z.array(z.object({ name: z.string(), value: z.string() })),
		events: z.array(EmailEventSchema),
	})
	.openapi("Email");

const isoTime = (name: string) =>
	z
		.string()
		.refine(
			(v) =>
				/^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/.test(
					v,
				) && !Number.isNaN(Date.parse(v)),
			"must be an ISO 8601 date or time with a zone, e.g. 2026-01-31 or 2026-01-31T09:00:00Z",
		)
		.transform((v) => Date.parse(v))
		.optional()
		.openapi({ type: "string", format: "date-time", description: name });

/**
 * `GET /emails` filters, all optional and combined with AND; each is served by an index so a
 * page costs about the same whatever the account's size (src/db/queries/email-list.ts).
 */
export const EmailListQuery = listQuery({
	status: z
		.enum(EMAIL_STATUSES, { error: `must be one of ${EMAIL_STATUSES.join(", ")}` })
		.optional(),
	last_event: z
		.enum(EMAIL_EVENTS, { error: `must be one of ${EMAIL_EVENTS.join(", ")}` })
		.optional(),
	to: z
		.string()
		.transform((v, ctx) => {
			const address = parseMailbox(v)?.address.toLowerCase();
			if (!address) {
				ctx.addIssue({ code: "custom", message: "must be one email address" });
				return z.NEVER;
			}
			return address;
		})
		.optional()
		.openapi({
			type: "string",
			description: "A recipient (to, cc or bcc), matched exactly and case-insensitively",
			example: "customer@example.org",
		}),
	domain_id: z
		.string()
		.regex(UUID_PATTERN, "must be a domain id as returned by GET /domains")
		.optional()
		.openapi({ description: "Emails sent from this domain (by id; a deleted domain's too)" }),
	tag: z
		.string()
		.regex(/^[A-Za-z0-9_-]{1,256}:[A-Za-z0-9_-]{1,256}$/, "must be `name:value`")
		.optional()
		.openapi({
			description: "Emails with this tag, as `name:value` (exact)",
			example: "category:receipt",
		}),
	created_after: isoTime("Created at or after this time (inclusive)"),
	created_before: isoTime("Created before this time (exclusive)"),
}).refine(
	(q) =>
		q.created_after === undefined ||
		q.created_before === undefined ||
		q.created_after < q.created_before,
	{ message: "`created_after` must be earlier than `created_before`.", path: ["created_after"] },
);
