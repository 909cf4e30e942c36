-- SES's acceptance of recent emails, recorded for a group of emails in one row instead of a
-- write of each email's row (src/db/queries/send-marks.ts). Keyed by how it is read, with no
-- rowid (drizzle cannot say so; the schema's comment does): one row written per insert.
CREATE TABLE `send_marks` (
	`group_key` integer NOT NULL,
	`part` integer NOT NULL,
	`results` text NOT NULL,
	PRIMARY KEY(`group_key`, `part`)
) WITHOUT ROWID;
--> statement-breakpoint
-- Null for rows stored before (and for emails not queued at acceptance): written as before.
ALTER TABLE `emails` ADD `send_group` integer;
