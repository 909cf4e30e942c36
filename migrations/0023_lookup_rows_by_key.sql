-- Hand-edited after drizzle-kit: WITHOUT ROWID (drizzle cannot say it), so a lookup row is one
-- b-tree entry: its key, which is the lookup (src/db/schema.ts).
CREATE TABLE `__new_email_recipients` (
	`email_id` text NOT NULL,
	`address` text NOT NULL,
	`account_id` text NOT NULL,
	PRIMARY KEY(`account_id`, `address`, `email_id`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__new_email_recipients`("email_id", "address", "account_id") SELECT "email_id", "address", "account_id" FROM `email_recipients`;--> statement-breakpoint
DROP TABLE `email_recipients`;--> statement-breakpoint
ALTER TABLE `__new_email_recipients` RENAME TO `email_recipients`;--> statement-breakpoint
CREATE TABLE `__new_email_tags` (
	`email_id` text NOT NULL,
	`tag` text NOT NULL,
	`account_id` text NOT NULL,
	PRIMARY KEY(`account_id`, `tag`, `email_id`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__new_email_tags`("email_id", "tag", "account_id") SELECT "email_id", "tag", "account_id" FROM `email_tags`;--> statement-breakpoint
DROP TABLE `email_tags`;--> statement-breakpoint
ALTER TABLE `__new_email_tags` RENAME TO `email_tags`;