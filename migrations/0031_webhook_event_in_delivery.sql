-- Hand-edited after drizzle-kit: an event's id, type and payload move into each of its
-- deliveries, so an event costs no row of its own (src/db/schema.ts). The deliveries are
-- rebuilt WITHOUT ROWID (drizzle cannot say it) with the new columns in the table's order,
-- each joined to its event; a delivery whose event is gone was never listed nor delivered and is
-- left behind. Nothing references either table.
CREATE TABLE `__new_webhook_deliveries` (
	`endpoint_id` text NOT NULL,
	`event_id` text NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`first_attempt_at` integer,
	`created_at` integer NOT NULL,
	`attempt_log` text,
	PRIMARY KEY(`endpoint_id`, `event_id`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__new_webhook_deliveries`("endpoint_id", "event_id", "type", "payload", "status", "attempts", "next_attempt_at", "first_attempt_at", "created_at", "attempt_log") SELECT d."endpoint_id", d."event_id", e."type", e."payload", d."status", d."attempts", d."next_attempt_at", d."first_attempt_at", e."created_at", d."attempt_log" FROM `webhook_deliveries` AS d JOIN `webhook_events` AS e ON e."id" = d."event_id";--> statement-breakpoint
DROP TABLE `webhook_deliveries`;--> statement-breakpoint
ALTER TABLE `__new_webhook_deliveries` RENAME TO `webhook_deliveries`;--> statement-breakpoint
DROP TABLE `webhook_events`;
