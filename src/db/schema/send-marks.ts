import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * SES's acceptance of recent emails, recorded for many emails in one row instead of a write of
 * each email's row (src/db/queries/send-marks.ts says how and why). One row per send group and
 * consumer write: `results` maps each email id to `[ses_message_id, sent_at]`. No rowid: a
 * row is its key, so an insert writes one row. The minute's tally folds the marks into their
 * emails and deletes them, so the table holds a few minutes of sends.
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

/** SES's message id and when SES accepted the email (epoch ms). */
export type SendResult = [sesMessageId: string, sentAt: number];
