CREATE TABLE `account_day_counts` (
	`account_id` text NOT NULL,
	`day` integer NOT NULL,
	`figure` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`account_id`, `day`, `figure`)
);
--> statement-breakpoint
DROP INDEX `emails_account_sent`;--> statement-breakpoint
ALTER TABLE `emails` ADD `timeline` text;--> statement-breakpoint
ALTER TABLE `emails` ADD `write_token` text;--> statement-breakpoint
-- Data: each email's timeline rows move into the row (oldest first), keyed as the recorder keys them.
UPDATE `emails` SET `timeline` = (
	SELECT json_group_array(json(`entry`)) FROM (
		SELECT json_object(
			'type', e.`type`,
			'recipient', e.`recipient`,
			'details', json(e.`details`),
			'at', e.`occurred_at`,
			'key', coalesce(e.`dedupe_key`, e.`id`)
		) AS `entry`
		FROM `email_events` e WHERE e.`email_id` = `emails`.`id`
		ORDER BY e.`occurred_at`, e.`id`
	)
) WHERE EXISTS (SELECT 1 FROM `email_events` e WHERE e.`email_id` = `emails`.`id`);--> statement-breakpoint
-- Data: the daily figures GET /account/metrics counted from those rows and from sent_at.
INSERT INTO `account_day_counts` (`account_id`, `day`, `figure`, `count`)
SELECT `account_id`, `occurred_at` / 86400000,
	CASE `type` WHEN 'delivered' THEN 'delivered' WHEN 'bounced' THEN 'hard_bounced'
		WHEN 'soft_bounced' THEN 'soft_bounced' WHEN 'complained' THEN 'complained' ELSE 'failed' END,
	count(*)
FROM `email_events`
WHERE `type` IN ('delivered', 'bounced', 'soft_bounced', 'complained', 'failed', 'rejected', 'rendering_failed')
GROUP BY 1, 2, 3;--> statement-breakpoint
INSERT INTO `account_day_counts` (`account_id`, `day`, `figure`, `count`)
SELECT `account_id`, `sent_at` / 86400000, 'sent',
	sum(json_array_length(`to_addresses`) + coalesce(json_array_length(`cc_addresses`), 0) + coalesce(json_array_length(`bcc_addresses`), 0))
FROM `emails` WHERE `sent_at` IS NOT NULL
GROUP BY 1, 2;
