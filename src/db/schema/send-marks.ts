import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { EmailEvent, EmailStatus } from "./email-statuses.ts";
import type { TimelineRow } from "./emails.ts";

/**
 * SES's acceptance of emails, and their delivery, recorded for many emails in one row instead
 * of a write of each email's row (src/db/queries/send-marks.ts says how and why). One row per
 * send group and write: `results` maps each email id to `[ses_message_id, sent_at]`, or with
 * the delivery's change as a third element. No rowid: a row is its key, so an insert writes
 * one row. A mark of sends only lasts minutes (its emails' next writes, or the tally, store it,
 * then it is deleted); a mark of deliveries stays with its emails until the retention purge.
 */
export const sendMarks = sqliteTable(
	"send_marks",
	{
		/**
		 * The emails' `send_group`: its creation time in ms times 1,024, plus a random part. Named
		 * apart from `emails.send_group`, so an unqualified column in a correlated subquery
		 * (drizzle leaves a one-table query's columns unqualified) can only mean the email's.
		 */
		sendGroup: integer("group_key").notNull(),
		/** Random: one row per consumer write. */
		part: integer("part").notNull(),
		results: text("results", { mode: "json" }).notNull().$type<Record<string, SendResult>>(),
	},
	(t) => [primaryKey({ columns: [t.sendGroup, t.part] })],
);

/** SES's message id and when SES accepted the email (epoch ms); then what its delivery changed. */
export type SendResult = [sesMessageId: string, sentAt: number, delivery?: MarkedDelivery];

/**
 * What a delivery notification changed in an email whose send was in a mark: the fields the
 * recorder would have written, and the timeline entries it added.
 */
export interface MarkedDelivery {
	status: EmailStatus;
	lastEvent: EmailEvent;
	deliveredAt: number | null;
	deliveredTo: string[];
	timeline: TimelineRow[];
}
