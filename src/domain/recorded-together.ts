/**
 * SES notifications that arrive together are recorded together: one recorder batch
 * (src/domain/email-recorder.ts) for the notifications an isolate serves within a tenth of a
 * second, or while the previous batch is in D1.
 *
 * Why: SNS posts each notification on its own request, and SES publishes a send group's
 * deliveries within a second or two of each other. Recorded one by one, each delivery writes
 * its email's row; recorded together, the deliveries of one group go in one mark
 * (src/db/queries/send-marks.ts), a row for all of them. While other notifications are being
 * processed in the isolate, a batch waits `GATHER_MS` for those that follow its first (or goes
 * when the batch in flight ends): SNS waits for our answer and nobody else does, so a tenth of a
 * second costs nothing a customer sees (a webhook event or a suppression is that much later).
 * A notification alone in the isolate is recorded at once. What it gathers depends on how
 * densely one isolate receives a group's deliveries: SES reports each as the receiving server
 * accepts it, within a second or two for most, and Cloudflare spreads SNS's requests over
 * isolates.
 *
 * Each notification still settles with its own outcome, or fails with its batch (then
 * `/hooks/sns` parks it on the feedback queue, and recording it again adds nothing: every part
 * is keyed by the SNS message id).
 */
import { createGroupCommit, type GroupCommit, type KeepAlive } from "../lib/group-commit.ts";
import { SECOND } from "../lib/time.ts";
import {
	type EmailEventInput,
	type Recorded,
	type RecorderStore,
	recordEmailEvents,
} from "./email-recorder.ts";

/** Records one event, with the others that arrive meanwhile; its outcome, if decided. */
export type RecordEvent = (input: EmailEventInput) => Promise<Recorded | undefined>;

interface Item {
	input: EmailEventInput;
	recorded?: Recorded;
}

/** Events one batch carries at most: its D1 batch stays well within a request's limits. */
const MAX_EVENTS = 100;
/** How long a batch waits for more notifications, when others are in progress. */
const GATHER_MS = 100;
/** Past this a notification stops waiting and fails (and is parked), whatever its batch does. */
const WAIT_LIMIT_MS = 20 * SECOND;

/** One line per database binding and isolate, so concurrent requests share it. */
const lines = new WeakMap<object, GroupCommit<Item>>();

/** Notifications the isolate is processing (`processing`): more than one means others follow. */
let inProgress = 0;

/** Runs `work`, one notification's processing, counted as in progress meanwhile. */
export async function processing<T>(work: () => Promise<T>): Promise<T> {
	inProgress += 1;
	try {
		return await work();
	} finally {
		inProgress -= 1;
	}
}

/**
 * A `RecordEvent` that shares the isolate's line for `binding` (the D1 binding `store.db`
 * wraps), keeping its batches alive with `keepAlive` (the request's `ctx.waitUntil`).
 */
export function recordTogether(
	binding: object,
	store: RecorderStore,
	keepAlive: KeepAlive,
): RecordEvent {
	let line = lines.get(binding);
	if (!line) {
		line = createGroupCommit<Item>({
			send: async (items) => {
				const recorded = await recordEmailEvents(
					store,
					items.map((item) => item.input),
				);
				items.forEach((item, i) => {
					item.recorded = recorded[i];
				});
			},
			// One batch in flight: what arrives meanwhile waits for it and goes with the next.
			maxInFlight: 1,
			maxItems: MAX_EVENTS,
			timeoutMs: WAIT_LIMIT_MS,
			lingerMs: GATHER_MS,
			lingerIf: () => inProgress > 1,
		});
		lines.set(binding, line);
	}
	const shared = line;
	return async (input) => {
		const item: Item = { input };
		await shared([item], keepAlive);
		return item.recorded;
	};
}
