-- GET /emails's status and last_event filters read one index keyed by the pair (state_key,
-- `<status>:<last_event>`, with `sent` keyed as `queued`), instead of one index each: an email
-- is written in it once at acceptance, where the two indexes cost two entries, and not again at
-- the send. The common end state (sent, delivered) stays out of it, as before. The backfill
-- reads the table once; the index is built after it, from the rows that have a key.
DROP INDEX `emails_account_status`;--> statement-breakpoint
DROP INDEX `emails_account_last_event`;--> statement-breakpoint
ALTER TABLE `emails` ADD `state_key` text;--> statement-breakpoint
UPDATE `emails` SET `state_key` = `status` || ':' || (CASE `last_event` WHEN 'sent' THEN 'queued' ELSE `last_event` END) WHERE NOT (`status` = 'sent' AND `last_event` = 'delivered');--> statement-breakpoint
CREATE INDEX `emails_account_state` ON `emails` (`account_id`,`state_key`,`id`) WHERE "emails"."state_key" IS NOT NULL;
