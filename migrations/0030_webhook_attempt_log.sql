-- A delivery's attempts move into its own row (`attempt_log`, a JSON array, oldest first), so
-- recording an attempt writes the delivery's row only: one row an attempt instead of two.
ALTER TABLE `webhook_deliveries` ADD `attempt_log` text;--> statement-breakpoint
-- Each delivery's attempts, the newest 100 (src/db/schema.ts MAX_LOGGED_ATTEMPTS), oldest first,
-- with the fields the API lists.
UPDATE `webhook_deliveries` SET `attempt_log` = (
	SELECT json_group_array(json_object(
		'id', a.`id`, 'httpStatus', a.`http_status`, 'response', a.`response`,
		'durationMs', a.`duration_ms`, 'error', a.`error`, 'sentAt', a.`sent_at`))
	FROM (
		SELECT * FROM (
			SELECT * FROM `webhook_attempts` AS x
			WHERE x.`endpoint_id` = `webhook_deliveries`.`endpoint_id`
				AND x.`event_id` = `webhook_deliveries`.`event_id`
			ORDER BY x.`id` DESC LIMIT 100
		) ORDER BY `id`
	) AS a
)
WHERE EXISTS (
	SELECT 1 FROM `webhook_attempts` AS y
	WHERE y.`endpoint_id` = `webhook_deliveries`.`endpoint_id`
		AND y.`event_id` = `webhook_deliveries`.`event_id`
);--> statement-breakpoint
DROP TABLE `webhook_attempts`;
