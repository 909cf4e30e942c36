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
 * endpoints one by one and reads the window's range of each one's deliveries (their key). After
 * a gap (the cron down for days) it looks back at most LOOK_BACK.
 *
 * An event can be emitted long after its own time, which its id keeps so that the same cause is
 * one event: a notification the feedback queue retried for an hour, a suspension recorded by a
 * later request, a notification replayed from the dead letters. Its delivery may land behind the
 * first walk. So a second walk, with a cursor of its own, goes over the week behind the first one
 * again, an hour of events a run (the week every 14 hours), and starts over when it reaches it.
 * A delivery is read every 14 hours in its first week, a cost in rows read only ($0.001 a
 * million), and a deferred one is queued once more each time (harmless, as above).
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
const LATE_CURSOR = "stranded-webhook-deliveries-late";

/** Windows read per run: four hours of events, so a run after a gap catches up quickly. */
const MAX_WINDOWS = 48;
/** The second walk's windows a run: an hour of events. */
const LATE_WINDOWS = 12;

export async function requeueStrandedDeliveries(
	db: Db,
	queue: Queue<WebhookMessage>,
	now = Date.now(),
): Promise<number> {
	const oldest = now - LOOK_BACK;
	const [first, late] = await Promise.all([position(db, CURSOR), position(db, LATE_CURSOR)]);
	const firstFrom = Math.max(first ?? 0, oldest);
	const lateFrom = late === undefined || late < oldest || late >= firstFrom ? oldest : late;
	const requeued =
		(await walk(db, queue, CURSOR, firstFrom, now - STRANDED_AFTER, MAX_WINDOWS)) +
		(await walk(db, queue, LATE_CURSOR, lateFrom, firstFrom, LATE_WINDOWS));
	if (requeued) console.warn(`requeued ${requeued} webhook deliveries that were never queued`);
	return requeued;
}

/** Where a walk's last run stopped, as a time. */
async function position(db: Db, name: string): Promise<number | undefined> {
	const [saved] = await db
		.select({ position: cronCursors.position })
		.from(cronCursors)
		.where(eq(cronCursors.name, name));
	return saved ? idTime(saved.position) : undefined;
}

/** Queues the stranded deliveries of events from `from` to `until`, `maxWindows` at most. */
async function walk(
	db: Db,
	queue: Queue<WebhookMessage>,
	cursor: string,
	from: number,
	until: number,
	maxWindows: number,
): Promise<number> {
	const save = (position: string) =>
		db
			.insert(cronCursors)
			.values({ name: cursor, position })
			.onConflictDoUpdate({ target: cronCursors.name, set: { position } });
	let requeued = 0;
	for (let window = 0; window < maxWindows && from < until; window++) {
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
	return requeued;
}
