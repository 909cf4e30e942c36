CREATE TABLE `notices` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`to_address` text NOT NULL,
	`subject` text NOT NULL,
	`text_body` text NOT NULL,
	`email_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`dispatched_at` integer,
	`problem` text
);
--> statement-breakpoint
CREATE INDEX `notices_undispatched` ON `notices` (`created_at`) WHERE "notices"."dispatched_at" IS NULL;