/**
 * Send lanes: per-account fair scheduling of the send pipeline (issue 15).
 *
 * Every accepted email goes to one of two send queues. An account that had more than
 * BULK_AFTER_RECIPIENTS recipients admitted in the trailing LANE_WINDOW_MS goes to `bulk`;
 * every other account to `express`. Both queues' consumers ask one pacer for their SES slots
 * (src/durable-objects/send-pacer.ts) and express is served ahead of bulk there, so a quiet
 * account's password reset is never behind a noisy account's campaign, while the noisy
 * accounts share bulk in arrival order and keep SES busy at its rate.
 *
 * The numbers: 100 recipients in 10 s is one full batch request (or a hundred singles), about
 * a tenth of a second of SES at 1,000/s. Below it an account cannot delay an express email by
 * more than that even if all its mail lands at once; above it, it is a campaign that the express
 * lane's users should never wait behind. Ten seconds is long enough that a backlog sent as a
 * stream of batches stays in bulk from its second request on, and short enough that an account
 * that sent a campaign this morning is express again for its next receipt.
 *
 * The window is counted by the account's guard (src/durable-objects/account-guard.ts), which
 * sees every admitted request anyway: in memory, no SQLite write; a restart just resets it (the
 * account's next emails go express until it crosses the threshold again: at most one more
 * threshold's worth in the fast lane).
 *
 * Where the lane is decided: `admit` answers it with the admission the request path asks for
 * anyway, and src/domain/sending.ts stores the request's emails on that lane's queue, so the
 * request path makes no extra remote call.
 *
 * Bulk is BULK_LANES queues, an account's campaigns always on the same one (`bulkLaneOf`, a hash
 * of its id). Each queue is consumed in order, so one queue would send a second account's
 * campaign only after the whole of the first's; on separate queues their consumers run side by
 * side and share the pacer's bulk slots, which they ask for in turn. Two campaigns that hash to
 * the same queue still go one after the other (one chance in BULK_LANES).
 */
export type Lane = "express" | "bulk";

/** The send queues: express, and the bulk lane's queues, an account's chosen by `bulkLaneOf`. */
export interface LaneQueues<Body> {
	express: Queue<Body>;
	bulk: Queue<Body>[];
}

/** The bulk queues an account's campaigns are spread over (wrangler.toml has one each). */
export const BULK_LANES = 4;

/** The bulk queue of an account: FNV-1a of its id, so the same account always takes the same. */
export function bulkLaneOf(accountId: string, lanes = BULK_LANES): number {
	let hash = 0x811c9dc5;
	for (let i = 0; i < accountId.length; i++) {
		hash ^= accountId.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193);
	}
	return (hash >>> 0) % lanes;
}

/** The queue an account's emails take in `lane`. */
export function laneQueue<Body>(queues: LaneQueues<Body>, lane: Lane, accountId: string) {
	if (lane === "express") return queues.express;
	return queues.bulk[bulkLaneOf(accountId, queues.bulk.length)] as Queue<Body>;
}

/** Recipients admitted in the window above which an account's mail goes bulk. */
export const BULK_AFTER_RECIPIENTS = 100;
/** The trailing window the recipients are counted over. */
export const LANE_WINDOW_MS = 10_000;
/** The window's resolution: it slides by whole seconds. */
const SLOT_MS = 1_000;

/**
 * Recipients admitted in the trailing window, in per-second slots (at most ten numbers per
 * account); `admit` adds a request's recipients and answers the lane its emails take.
 */
export interface LaneMeter {
	admit(recipients: number, now: number): Lane;
	/** Recipients counted in the window ending at `now`. */
	recent(now: number): number;
}

export function createLaneMeter(
	threshold = BULK_AFTER_RECIPIENTS,
	windowMs = LANE_WINDOW_MS,
): LaneMeter {
	const slots = new Map<number, number>();
	const slotOf = (t: number) => Math.floor(t / SLOT_MS);
	const slide = (now: number) => {
		const oldest = slotOf(now) - Math.ceil(windowMs / SLOT_MS) + 1;
		for (const slot of slots.keys()) if (slot < oldest) slots.delete(slot);
	};
	const recent = (now: number) => {
		slide(now);
		let sum = 0;
		for (const n of slots.values()) sum += n;
		return sum;
	};
	return {
		admit(recipients, now) {
			const total = recent(now) + recipients;
			slots.set(slotOf(now), (slots.get(slotOf(now)) ?? 0) + recipients);
			return total > threshold ? "bulk" : "express";
		},
		recent,
	};
}
