/** Stored emails in the API's wire format (snake_case, ISO times), as Resend shows them. */
import type { z } from "@hono/zod-openapi";
import type { listColumns } from "../../db/queries/email-list.ts";
import type { EmailRow } from "../../db/queries/emails.ts";
import { toIso, toIsoOrNull } from "../../lib/time.ts";
import type { EmailListItem, EmailSchema } from "./log-schemas.ts";

type ListRow = { [K in Exclude<keyof typeof listColumns, "place" | "sendMark">]: EmailRow[K] };

export function presentEmailListItem(row: ListRow): z.infer<typeof EmailListItem> {
	return {
		object: "email",
		id: row.id,
		from: row.from,
		to: row.to,
		cc: row.cc,
		bcc: row.bcc,
		reply_to: row.replyTo,
		subject: row.subject,
		status: row.status,
		last_event: row.lastEvent,
		created_at: toIso(row.createdAt),
		sent_at: toIsoOrNull(row.sentAt),
		delivered_at: toIsoOrNull(row.deliveredAt),
		scheduled_at: toIsoOrNull(row.scheduledAt),
		failure_reason: row.failureReason,
		attachments: row.attachmentCount,
	};
}

/**
 * The timeline starts with the moments kept on the email itself (queued, accepted by SES),
 * followed by the row's timeline (failures and, from SNS, deliveries, bounces, complaints) in
 * the order they happened (SES's notifications may arrive in another). A scheduled email
 * starts with its `scheduled` entry instead of `queued`.
 */
export function presentEmail(row: EmailRow): z.infer<typeof EmailSchema> {
	const own = [
		...(row.scheduledAt === null
			? [{ type: "queued", recipient: null, at: toIso(row.createdAt), details: null }]
			: []),
		...(row.sentAt === null
			? []
			: [
					{
						type: "sent",
						recipient: null,
						at: toIso(row.sentAt),
						details: { ses_message_id: row.sesMessageId },
					},
				]),
	];
	return {
		...presentEmailListItem(row),
		html: row.html,
		text: row.text,
		headers: row.headers,
		tags: row.tags ?? [],
		events: [
			...own,
			...[...(row.timeline ?? [])]
				.sort((a, b) => a.at - b.at)
				.map((e) => ({
					type: e.type,
					recipient: e.recipient,
					at: toIso(e.at),
					details: e.details,
				})),
		],
	};
}
