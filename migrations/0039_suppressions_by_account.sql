-- Hand-edited after drizzle-kit: suppressions keyed by (account, id) WITHOUT ROWID (drizzle
-- cannot say it), so a hard bounce's or a complaint's address writes two b-tree entries, its
-- key and the index by address, where a rowid, the id's key and the index by account made it
-- four. The list pages on the key. Nothing refers to this table, and D1 ignores
-- PRAGMA foreign_keys, so drizzle-kit's pair is left out.
CREATE TABLE `__new_suppressions` (
	`id` text NOT NULL,
	`account_id` text NOT NULL,
	`email` text NOT NULL,
	`origin` text NOT NULL,
	`source_id` text,
	`reason` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `id`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__new_suppressions`("id", "account_id", "email", "origin", "source_id", "reason", "created_at") SELECT "id", "account_id", "email", "origin", "source_id", "reason", "created_at" FROM `suppressions`;--> statement-breakpoint
DROP TABLE `suppressions`;--> statement-breakpoint
ALTER TABLE `__new_suppressions` RENAME TO `suppressions`;--> statement-breakpoint
CREATE UNIQUE INDEX `suppressions_account_email` ON `suppressions` (`account_id`,`email`);