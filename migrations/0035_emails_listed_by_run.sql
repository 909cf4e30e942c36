-- The list's index of the account's emails by domain holds one entry per run: a batch's emails
-- from one domain are one run, listed from its first email by seq (src/db/queries/email-runs.ts),
-- so a batched email no longer writes an index entry of its own. Emails stored before are each
-- a run of one (`in_run` NULL), so every one of them keeps its entry in the new index.
DROP INDEX `emails_account_domain`;--> statement-breakpoint
ALTER TABLE `emails` ADD `in_run` integer;--> statement-breakpoint
ALTER TABLE `emails` ADD `run_end` integer;--> statement-breakpoint
CREATE INDEX `emails_account_runs` ON `emails` (`account_id`,`domain_id`) WHERE "emails"."in_run" IS NULL;
