/**
 * The webhook events the send path writes itself, before any email has a lifecycle: a send
 * refused for suppressed recipients (no email was stored) and a newly scheduled email.
 */
import { uuidv7 } from "../lib/ids.ts";
import type { EmailToStore } from "./email-storage.ts";
import type { OutwardEvent } from "./webhooks.ts";

/** The fields of a request's email the refusal event reports. */
interface RefusedEmail {
	from: string;
	to: string[];
	subject: string;
	tags?: { name: string; value: string }[] | null;
}

/** `email.suppressed` for a send refused up front: no email was stored, so no `email_id`. */
export function suppressedRefusalEvent(
	accountId: string,
	input: RefusedEmail,
	blocked: string[],
	now: number,
): OutwardEvent {
	return {
		accountId,
		type: "email.suppressed",
		key: `refused:${uuidv7(now)}`,
		at: now,
		data: {
			email_id: null,
			created_at: new Date(now).toISOString(),
			from: input.from,
			to: input.to,
			subject: input.subject,
			tags: Object.fromEntries((input.tags ?? []).map((tag) => [tag.name, tag.value])),
			suppressed: {
				type: "suppression_list",
				message: "Refused: recipients are on the account's suppression list",
				recipients: blocked,
			},
		},
	};
}

/** `email.scheduled`: Resend's email data with when it is due. */
export function scheduledEvent(row: EmailToStore["row"], now: number): OutwardEvent {
	return {
		accountId: row.accountId,
		type: "email.scheduled",
		key: `scheduled:${row.id}`,
		at: now,
		data: {
			email_id: row.id,
			created_at: new Date(now).toISOString(),
			from: row.from,
			to: row.to,
			subject: row.subject,
			tags: Object.fromEntries((row.tags ?? []).map((tag) => [tag.name, tag.value])),
			scheduled_at: new Date(row.scheduledAt ?? now).toISOString(),
		},
	};
}
