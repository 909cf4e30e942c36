-- An email's first tag moves to a column of its own row, as its first recipient did (0036):
-- the tag filter finds it through a partial index, whose entry the purge's delete removes
-- unbilled, where the email_tags row's delete was a row written. Emails stored before keep
-- first_tag NULL and all their email_tags rows; nothing is rewritten.
ALTER TABLE `emails` ADD `first_tag` text;--> statement-breakpoint
CREATE INDEX `emails_account_tag` ON `emails` (`account_id`,`first_tag`) WHERE "emails"."first_tag" IS NOT NULL;