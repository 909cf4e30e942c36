CREATE TABLE `cron_cursors` (
	`name` text PRIMARY KEY NOT NULL,
	`position` text NOT NULL
);
--> statement-breakpoint
DROP INDEX `emails_queued`;