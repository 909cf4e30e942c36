ALTER TABLE `users` ADD `email_verified_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `verification_token_hash` text;--> statement-breakpoint
ALTER TABLE `users` ADD `verification_expires_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `staff_grant` text;--> statement-breakpoint
ALTER TABLE `users` ADD `last_login_ip` text;--> statement-breakpoint
CREATE UNIQUE INDEX `users_verification_token` ON `users` (`verification_token_hash`) WHERE "users"."verification_token_hash" IS NOT NULL;