CREATE TABLE `suppressions` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`email` text NOT NULL,
	`origin` text NOT NULL,
	`source_id` text,
	`reason` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `suppressions_account_email` ON `suppressions` (`account_id`,`email`);--> statement-breakpoint
CREATE INDEX `suppressions_account` ON `suppressions` (`account_id`,`id`);--> statement-breakpoint
CREATE TABLE `unmatched_notifications` (
	`id` text PRIMARY KEY NOT NULL,
	`sns_message_id` text NOT NULL,
	`topic_arn` text NOT NULL,
	`ses_message_id` text,
	`type` text,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL
);
