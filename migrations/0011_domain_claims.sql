DROP INDEX `domains_name`;--> statement-breakpoint
ALTER TABLE `domains` ADD `last_verified_at` integer;--> statement-breakpoint
ALTER TABLE `domains` ADD `ownership_checked_at` integer;--> statement-breakpoint
ALTER TABLE `domains` ADD `dkim_checked_at` integer;--> statement-breakpoint
ALTER TABLE `domains` ADD `released_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `domains_name` ON `domains` (`name`) WHERE "domains"."released_at" IS NULL;