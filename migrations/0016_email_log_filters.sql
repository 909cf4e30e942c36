CREATE TABLE `email_recipients` (
	`email_id` text NOT NULL,
	`address` text NOT NULL,
	`account_id` text NOT NULL,
	PRIMARY KEY(`email_id`, `address`),
	FOREIGN KEY (`email_id`) REFERENCES `emails`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `email_recipients_lookup` ON `email_recipients` (`account_id`,`address`,`email_id`);--> statement-breakpoint
CREATE TABLE `email_tags` (
	`email_id` text NOT NULL,
	`tag` text NOT NULL,
	`account_id` text NOT NULL,
	PRIMARY KEY(`email_id`, `tag`),
	FOREIGN KEY (`email_id`) REFERENCES `emails`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `email_tags_lookup` ON `email_tags` (`account_id`,`tag`,`email_id`);--> statement-breakpoint
CREATE INDEX `emails_account_status` ON `emails` (`account_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `emails_account_last_event` ON `emails` (`account_id`,`last_event`,`id`);--> statement-breakpoint
CREATE INDEX `emails_account_domain` ON `emails` (`account_id`,`domain_id`,`id`);