-- Hand-edited after drizzle-kit: WITHOUT ROWID (drizzle cannot say it). Every event of an
-- account with an endpoint writes an event, a delivery per endpoint and its attempts; each is
-- now one b-tree entry, keyed by how it is read, with no index beside it (src/db/schema.ts).
-- Nothing references these tables, so they are rebuilt and their rows copied.
CREATE TABLE `__new_webhook_events` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__new_webhook_events`("id", "account_id", "type", "payload", "created_at") SELECT "id", "account_id", "type", "payload", "created_at" FROM `webhook_events`;--> statement-breakpoint
DROP TABLE `webhook_events`;--> statement-breakpoint
ALTER TABLE `__new_webhook_events` RENAME TO `webhook_events`;--> statement-breakpoint
CREATE TABLE `__new_webhook_deliveries` (
	`endpoint_id` text NOT NULL,
	`event_id` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`first_attempt_at` integer,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`endpoint_id`, `event_id`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__new_webhook_deliveries`("endpoint_id", "event_id", "status", "attempts", "next_attempt_at", "first_attempt_at", "created_at") SELECT "endpoint_id", "event_id", "status", "attempts", "next_attempt_at", "first_attempt_at", "created_at" FROM `webhook_deliveries`;--> statement-breakpoint
DROP TABLE `webhook_deliveries`;--> statement-breakpoint
ALTER TABLE `__new_webhook_deliveries` RENAME TO `webhook_deliveries`;--> statement-breakpoint
CREATE TABLE `__new_webhook_attempts` (
	`id` text NOT NULL,
	`endpoint_id` text NOT NULL,
	`event_id` text NOT NULL,
	`http_status` integer NOT NULL,
	`response` text NOT NULL,
	`duration_ms` integer NOT NULL,
	`error` text,
	`sent_at` integer NOT NULL,
	PRIMARY KEY(`endpoint_id`, `event_id`, `id`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__new_webhook_attempts`("id", "endpoint_id", "event_id", "http_status", "response", "duration_ms", "error", "sent_at") SELECT "id", "endpoint_id", "event_id", "http_status", "response", "duration_ms", "error", "sent_at" FROM `webhook_attempts`;--> statement-breakpoint
DROP TABLE `webhook_attempts`;--> statement-breakpoint
ALTER TABLE `__new_webhook_attempts` RENAME TO `webhook_attempts`;
