-- Hand-edited after drizzle-kit, which wrote only the DROP INDEX: the daily figures become a table
-- WITHOUT ROWID (drizzle cannot say it), so a row is one b-tree entry, its key, and the index of
-- days goes, so a day's first figure writes one row instead of three. The purge finds old days
-- account by account on the key (src/db/queries/retention.ts).
DROP INDEX `account_day_counts_day`;--> statement-breakpoint
CREATE TABLE `__new_account_day_counts` (
	`account_id` text NOT NULL,
	`day` integer NOT NULL,
	`figure` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`account_id`, `day`, `figure`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__new_account_day_counts`("account_id", "day", "figure", "count") SELECT "account_id", "day", "figure", "count" FROM `account_day_counts`;--> statement-breakpoint
DROP TABLE `account_day_counts`;--> statement-breakpoint
ALTER TABLE `__new_account_day_counts` RENAME TO `account_day_counts`;
