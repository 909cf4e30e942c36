ALTER TABLE `emails` ADD `delivered_to` text;--> statement-breakpoint
ALTER TABLE `emails` ADD `revision` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Pending emails carry their confirmed deliveries on the row from now on (the lifecycle's state).
UPDATE `emails` SET `delivered_to` = (
	SELECT json_group_array(DISTINCT `recipient`) FROM `email_events`
	WHERE `email_events`.`email_id` = `emails`.`id` AND `email_events`.`type` = 'delivered'
		AND `email_events`.`recipient` IS NOT NULL
) WHERE `status` = 'pending' AND `last_event` <> 'queued';
