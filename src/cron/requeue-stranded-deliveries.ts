/**
 * Safety net for webhook events: a delivery left `pending` with no queue message is queued
 * again once its event is an hour old. The events are written in a D1 batch and their deliveries
 * queued right after it (src/domain/webhook-events.ts); should that queue send fail, the emitter's
 * retry finds the event already written and emits nothing, so without this the delivery would
 * wait forever. An hour is well past a delivery's first attempt, so a delivery still on its way
 * is rarely doubled, and a doubled one is harmless: the consumer skips a delivery that is done
 * or waiting for its own retry (src/domain/webhook-delivery.ts), and a receiver de-duplicates on
 * `webhook-id` anyway.
 *
 * Still `pending` after an hour also describes a delivery deferred while its endpoint fails (a
 * deferral is not an attempt and writes nothing, src/queues/webhooks.ts): it is queued once more
 * too, and the consumer tries it or defers it again. A disabled endpoint's deliveries are left
 * alone: enabling it queues them.
 *
 * It walks the events by id (UUIDv7, from the event's time) in windows of five minutes, from
 * where its last run stopped (`cron_cursors`), each window one statement that takes the enabled
 * endpoints one by one and reads the window's range of each one's deliveries (their key), so
 * every delivery is read once, ever. After a gap (the cron down for days) it looks back at most
 * LOOK_BACK. An event emitted more than an hour after its own time (a notification SNS kept
 * retrying) may be behind the cursor already; its delivery is then not covered.
 */
import { and, eq, gte, lt } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { cronCursors, webhookDeliveries, webhookEndpoints } from "../db/schema.ts";
import { queueDeliveries, type WebhookMessage } from "../domain/webhook-delivery.ts";
import { idFloor, idTime } from "../lib/ids.ts";
import { DAY, HOUR, MINUTE } from "../lib/time.ts";

export const STRANDED_AFTER = HOUR;
const LOOK_BACK = 7 * DAY;
const WINDOW = 5 * MINUTE;
const CURSOR = "stranded-webhook-deliveries";

/** Windows read per run: four hours of events, so a run after a gap catches up quickly. */
const MAX_WINDOWS = 48;

export async function requeueStrandedDeliveries(
	db: Db,
	queue: Queue<WebhookMessage>,
	now = Date.now(),
): Promise<number> {
	const until = now - STRANDED_AFTER;
	const [saved] = await db
		.select({ position: cronCursors.position })
		.from(cronCursors)
		.where(eq(cronCursors.name, CURSOR));
	let from = Math.max(saved ? idTime(saved.position) : 0, now - LOOK_BACK);
	const save = (position: string) =>
		db
			.insert(cronCursors)
			.values({ name: CURSOR, position })
			.onConflictDoUpdate({ target: cronCursors.name, set: { position } });
	let requeued = 0;
	for (let window = 0; window < MAX_WINDOWS && from < until; window++) {
		const to = Math.min(from + WINDOW, until);
		const stranded = await db
			.select({ endpointId: webhookDeliveries.endpointId, eventId: webhookDeliveries.eventId })
			.from(webhookEndpoints)
			.crossJoin(webhookDeliveries)
			.where(
				and(
					eq(webhookDeliveries.endpointId, webhookEndpoints.id),
					gte(webhookDeliveries.eventId, idFloor(from)),
					lt(webhookDeliveries.eventId, idFloor(to)),
					eq(webhookEndpoints.status, "enabled"),
					eq(webhookDeliveries.status, "pending"),
				),
			);
		from = to;
		if (stranded.length === 0) continue;
		await queueDeliveries(queue, stranded);
		requeued += stranded.length;
		// Saved once a window is queued: a run that dies queues at most one window again.
		await save(idFloor(from));
	}
	// And where the run stopped: windows with nothing to queue cost no write each.
	await save(idFloor(from));
	if (requeued) console.warn(`requeued ${requeued} webhook deliveries that were never queued`);
	return requeued;
}
