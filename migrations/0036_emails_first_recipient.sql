-- An email's first recipient moves from a row of email_recipients to a column of its own row,
-- found by the to filter through a partial index: the index entry is written once, like the
-- lookup row, but removed free when the purge deletes the email, where the lookup row's delete
-- was a row written. Emails stored before keep first_recipient NULL and all their lookup rows,
-- so the index starts empty and this migration rewrites no row.
ALTER TABLE `emails` ADD `first_recipient` text;--> statement-breakpoint
CREATE INDEX `emails_account_recipient` ON `emails` (`account_id`,`first_recipient`) WHERE "emails"."first_recipient" IS NOT NULL;