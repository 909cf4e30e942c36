-- The list's status and last_event indexes leave out the common end states (status `sent`,
-- last_event `delivered`): a delivered email then costs no index row at its delivery (an entry
-- removed is not billed), and GET /emails finds those two states by filtering the account's
-- newest emails (emails_account). docs/scaling.md has the tradeoff.
DROP INDEX `emails_account_status`;--> statement-breakpoint
DROP INDEX `emails_account_last_event`;--> statement-breakpoint
CREATE INDEX `emails_account_status` ON `emails` (`account_id`,`status`,`id`) WHERE "emails"."status" <> 'sent';--> statement-breakpoint
CREATE INDEX `emails_account_last_event` ON `emails` (`account_id`,`last_event`,`id`) WHERE "emails"."last_event" <> 'delivered';