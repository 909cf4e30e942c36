-- An endpoint is disabled once it has answered no 2xx for 72 h (src/domain/webhook-delivery.ts).
-- That used to be decided by reading the endpoint's attempts, up to 90 days of them; the
-- endpoint now keeps about when it last succeeded, written at most hourly.
ALTER TABLE `webhook_endpoints` ADD `last_success_at` integer;
--> statement-breakpoint
-- Existing endpoints count as having succeeded now, rather than reading every attempt here:
-- at worst an endpoint that was already failing is disabled up to 72 h later than it would be.
UPDATE `webhook_endpoints` SET `last_success_at` = CAST(strftime('%s', 'now') AS INTEGER) * 1000;
