CREATE TABLE `byoc_connections` (
	`account_id` text PRIMARY KEY NOT NULL,
	`method` text NOT NULL,
	`region` text NOT NULL,
	`role_arn` text,
	`sealed_keys` text,
	`access_key_hint` text,
	`broken_reason` text,
	`broken_at` integer,
	`production_access` integer NOT NULL,
	`sending_enabled` integer NOT NULL,
	`max_send_rate` real NOT NULL,
	`max_24_hour_send` real NOT NULL,
	`checked_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
DROP INDEX `domains_name`;--> statement-breakpoint
ALTER TABLE `domains` ADD `sending_path` text DEFAULT 'shared' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `domains_shared_name` ON `domains` (`name`) WHERE "domains"."released_at" IS NULL AND "domains"."sending_path" = 'shared';--> statement-breakpoint
CREATE UNIQUE INDEX `domains_account_name` ON `domains` (`account_id`,`name`) WHERE "domains"."released_at" IS NULL;