CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`plan` text DEFAULT 'free' NOT NULL,
	`verification_status` text DEFAULT 'none' NOT NULL,
	`suspended_at` integer,
	`suspension_reason` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`permission` text NOT NULL,
	`domain_id` text,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_token_hash` ON `api_keys` (`token_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_account` ON `api_keys` (`account_id`,`id`);--> statement-breakpoint
CREATE TABLE `domains` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`region` text NOT NULL,
	`ownership_status` text DEFAULT 'not_started' NOT NULL,
	`dkim_status` text DEFAULT 'not_started' NOT NULL,
	`spf_status` text DEFAULT 'not_started' NOT NULL,
	`mail_from_status` text DEFAULT 'not_started' NOT NULL,
	`dmarc_status` text DEFAULT 'not_started' NOT NULL,
	`verification_token` text,
	`dkim_tokens` text,
	`created_at` integer NOT NULL,
	`last_checked_at` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `domains_name` ON `domains` (`name`);--> statement-breakpoint
CREATE INDEX `domains_account` ON `domains` (`account_id`,`id`);--> statement-breakpoint
CREATE TABLE `email_events` (
	`id` text PRIMARY KEY NOT NULL,
	`email_id` text NOT NULL,
	`account_id` text NOT NULL,
	`type` text NOT NULL,
	`recipient` text,
	`details` text,
	`occurred_at` integer NOT NULL,
	`dedupe_key` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `email_events_email` ON `email_events` (`email_id`,`occurred_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `email_events_dedupe` ON `email_events` (`dedupe_key`) WHERE "email_events"."dedupe_key" IS NOT NULL;--> statement-breakpoint
CREATE TABLE `emails` (
	`id` text PRIMARY KEY NOT NULL,
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
	`headers` text,
	`tags` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`last_event` text DEFAULT 'queued' NOT NULL,
	`ses_message_id` text,
	`failure_reason` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`delivered_at` integer
);
--> statement-breakpoint
CREATE INDEX `emails_account` ON `emails` (`account_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `emails_ses_message_id` ON `emails` (`ses_message_id`) WHERE "emails"."ses_message_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `emails_queued` ON `emails` (`created_at`) WHERE "emails"."last_event" = 'queued';