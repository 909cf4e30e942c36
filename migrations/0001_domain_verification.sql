ALTER TABLE `domains` ADD `mail_from_domain` text;--> statement-breakpoint
ALTER TABLE `domains` ADD `diagnosis` text;--> statement-breakpoint
ALTER TABLE `domains` ADD `verified_at` integer;--> statement-breakpoint
ALTER TABLE `domains` ADD `next_check_at` integer;--> statement-breakpoint
ALTER TABLE `domains` ADD `check_attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `domains_next_check` ON `domains` (`next_check_at`) WHERE "domains"."next_check_at" IS NOT NULL;