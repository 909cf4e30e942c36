CREATE TABLE `email_attachments` (
	`id` text NOT NULL,
	`email_id` text NOT NULL,
	`account_id` text NOT NULL,
	`filename` text NOT NULL,
	`content_type` text NOT NULL,
	`size` integer NOT NULL,
	`content_id` text,
	`r2_key` text NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`email_id`, `position`),
	FOREIGN KEY (`email_id`) REFERENCES `emails`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `emails` ADD `scheduled_at` integer;--> statement-breakpoint
ALTER TABLE `emails` ADD `attachment_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `emails_scheduled` ON `emails` (`scheduled_at`,`id`) WHERE "emails"."last_event" = 'scheduled';