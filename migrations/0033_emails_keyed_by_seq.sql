-- Hand-edited after drizzle-kit: `emails` keyed by `seq`, its rowid, computed from each id as
-- src/db/queries/email-seq.ts does (`windowStart`: the id's time and counter times eight) plus
-- the row's place among the ids that share them, so the text id needs no index of its own.
-- `email_attachments` loses its foreign key to `emails.id` first (an unindexed column cannot
-- be one), so dropping the old `emails` deletes nothing through it. D1 ignores
-- PRAGMA foreign_keys, so drizzle-kit's pair is left out.
CREATE TABLE `__new_email_attachments` (
	`id` text NOT NULL,
	`email_id` text NOT NULL,
	`account_id` text NOT NULL,
	`filename` text NOT NULL,
	`content_type` text NOT NULL,
	`size` integer NOT NULL,
	`content_id` text,
	`r2_key` text NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`email_id`, `position`)
);
--> statement-breakpoint
INSERT INTO `__new_email_attachments`("id", "email_id", "account_id", "filename", "content_type", "size", "content_id", "r2_key", "position") SELECT "id", "email_id", "account_id", "filename", "content_type", "size", "content_id", "r2_key", "position" FROM `email_attachments`;--> statement-breakpoint
DROP TABLE `email_attachments`;--> statement-breakpoint
ALTER TABLE `__new_email_attachments` RENAME TO `email_attachments`;--> statement-breakpoint
CREATE TABLE `__new_emails` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`account_id` text NOT NULL,
	`domain_id` text NOT NULL,
	`from_address` text NOT NULL,
	`to_addresses` text NOT NULL,
	`cc_addresses` text,
	`bcc_addresses` text,
	`reply_to` text,
	`subject` text NOT NULL,
	`html` text,
	`text_body` text,
	`body` blob,
	`headers` text,
	`tags` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`last_event` text DEFAULT 'queued' NOT NULL,
	`ses_message_id` text,
	`failure_reason` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`delivered_at` integer,
	`delivered_to` text,
	`revision` integer DEFAULT 0 NOT NULL,
	`webhooks` integer DEFAULT true NOT NULL,
	`scheduled_at` integer,
	`attachment_count` integer DEFAULT 0 NOT NULL,
	`timeline` text,
	`write_token` text,
	`state_key` text
);
--> statement-breakpoint
INSERT INTO `__new_emails`("seq", "id", "account_id", "domain_id", "from_address", "to_addresses", "cc_addresses", "bcc_addresses", "reply_to", "subject", "html", "text_body", "body", "headers", "tags", "status", "last_event", "ses_message_id", "failure_reason", "created_at", "sent_at", "delivered_at", "delivered_to", "revision", "webhooks", "scheduled_at", "attachment_count", "timeline", "write_token", "state_key") SELECT "window" + row_number() OVER (PARTITION BY "window" ORDER BY "id") - 1, "id", "account_id", "domain_id", "from_address", "to_addresses", "cc_addresses", "bcc_addresses", "reply_to", "subject", "html", "text_body", "body", "headers", "tags", "status", "last_event", "ses_message_id", "failure_reason", "created_at", "sent_at", "delivered_at", "delivered_to", "revision", "webhooks", "scheduled_at", "attachment_count", "timeline", "write_token", "state_key" FROM (SELECT *, ((instr('0123456789abcdef', substr("id", 1, 1)) - 1) * 576460752303423488 + (instr('0123456789abcdef', substr("id", 2, 1)) - 1) * 36028797018963968 + (instr('0123456789abcdef', substr("id", 3, 1)) - 1) * 2251799813685248 + (instr('0123456789abcdef', substr("id", 4, 1)) - 1) * 140737488355328 + (instr('0123456789abcdef', substr("id", 5, 1)) - 1) * 8796093022208 + (instr('0123456789abcdef', substr("id", 6, 1)) - 1) * 549755813888 + (instr('0123456789abcdef', substr("id", 7, 1)) - 1) * 34359738368 + (instr('0123456789abcdef', substr("id", 8, 1)) - 1) * 2147483648 + (instr('0123456789abcdef', substr("id", 10, 1)) - 1) * 134217728 + (instr('0123456789abcdef', substr("id", 11, 1)) - 1) * 8388608 + (instr('0123456789abcdef', substr("id", 12, 1)) - 1) * 524288 + (instr('0123456789abcdef', substr("id", 13, 1)) - 1) * 32768 + (instr('0123456789abcdef', substr("id", 16, 1)) - 1) * 2048 + (instr('0123456789abcdef', substr("id", 17, 1)) - 1) * 128 + (instr('0123456789abcdef', substr("id", 18, 1)) - 1) * 8) AS "window" FROM `emails`);--> statement-breakpoint
DROP TABLE `emails`;--> statement-breakpoint
ALTER TABLE `__new_emails` RENAME TO `emails`;--> statement-breakpoint
CREATE INDEX `emails_account_state` ON `emails` (`account_id`,`state_key`) WHERE "emails"."state_key" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `emails_account_domain` ON `emails` (`account_id`,`domain_id`);--> statement-breakpoint
CREATE INDEX `emails_scheduled` ON `emails` (`scheduled_at`) WHERE "emails"."last_event" = 'scheduled';--> statement-breakpoint
-- The tally's cursor at an email's id becomes that id's window's first (src/cron/tally-day-figures.ts).
UPDATE `cron_cursors` SET `position` = substr(`position`, 1, 19) || '8000-000000000000' WHERE `name` = 'day-figures' AND substr(`position`, 15, 1) = '7';
