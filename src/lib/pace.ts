/**
 * Pacing sends to SES's maximum send rate, which SES counts in recipients per second (a message
 * to 50 recipients uses 50), account-wide: so the pace is kept in ONE place for every consumer
 * of every send lane, the SendPacer Durable Object (src/durable-objects/send-pacer.ts), whose
 * state is `createPaceSchedule` below. Consumers reserve slots from it in chunks
 * (`createSharedPacer`: one call per GRANT_MS of SES time, not one per email) and space their
 * sends within each chunk.
 *
 * The schedule is a single horizon: the end of the last slot granted. A grant starts at the
 * horizon (or now) and pushes it by recipients / rate, so grants never overlap and the rate holds
 * however many consumers ask at once. Express is served ahead of bulk: a bulk reservation is
 * granted only while the horizon is less than BULK_LOOKAHEAD_MS ahead (otherwise it is told when
 * to ask again), so an express reservation, always granted at the horizon, waits at most that
 * and one bulk grant, whatever the bulk backlog.
 *
 * SES throttling anyway slows every consumer: reported with the next reservation, each
 * throttle halves the rate (down to a floor of a sixteenth) and pushes the horizon by
 * THROTTLE_PAUSE_MS; each success climbs back by a tenth of the maximum (additive increase,
 * multiplicative decrease, as TCP does), so a brief throttle costs seconds, not a parked backlog.
 */
import type { Lane } from "../domain/lanes.ts";

/** How long every sender waits after SES said "too many requests". */
export const THROTTLE_PAUSE_MS = 250;
/** How far ahead of now bulk may hold slots: the longest an express email waits for bulk. */
export const BULK_LOOKAHEAD_MS = 250;
/** The most SES time one grant covers: bounds both the calls per second and a wasted grant. */
export const GRANT_MS = 250;

export interface Reservation {
	lane: Lane;
	/** Recipients the consumer means to send (the rest of its run); it may get fewer. */
	recipients: number;
	/** The recipients of its next email: a grant is never smaller (one email is not split). */
	atLeast?: number;
	/** SES answers since the last reservation: successes and throttles. */
	succeeded?: number;
	throttled?: number;
}

/**
 * `recipients` slots, one every `msPerRecipient` from `startAt`. Zero recipients: bulk is
 * behind; ask again at `startAt`.
 */
export interface Grant {
	recipients: number;
	startAt: number;
	msPerRecipient: number;
}

/** What the SendPacer answers (its RPC method). */
export interface PaceService {
	reserve(reservation: Reservation): Promise<Grant>;
}

export interface PaceSchedule {
	reserve(reservation: Reservation): Grant;
	/** The current rate, recipients per second. */
	readonly rate: number;
}

export function createPaceSchedule(maxPerSecond: number, now = () => Date.now()): PaceSchedule {
	const max = Math.max(maxPerSecond, 0.001);
	const floor = max / 16;
	let rate = max;
	let horizon = 0;
	return {
		reserve(r) {
			const t = now();
			rate = Math.min(max, rate + ((r.succeeded ?? 0) * max) / 10);
			if (r.throttled) {
				rate = Math.max(floor, rate / 2 ** r.throttled);
				horizon = Math.max(horizon, t + THROTTLE_PAUSE_MS);
			}
			const msPerRecipient = 1000 / rate;
			const start = Math.max(horizon, t);
			if (r.lane === "bulk" && start - t > BULK_LOOKAHEAD_MS) {
				return { recipients: 0, startAt: start - BULK_LOOKAHEAD_MS, msPerRecipient };
			}
			const cap = Math.max(1, Math.floor(GRANT_MS / msPerRecipient), r.atLeast ?? 1);
			const recipients = Math.min(Math.max(r.recipients, r.atLeast ?? 1, 1), cap);
			horizon = start + recipients * msPerRecipient;
			return { recipients, startAt: start, msPerRecipient };
		},
		get rate() {
			return rate;
		},
	};
}

/** One consumer run's view of the pace: waits for each email's slot, reports SES's answers. */
export interface Pacer {
	/** Waits until `recipients` more may be sent; answers the slot, for `throttled`. */
	take(recipients: number): Promise<Slot>;
	/**
	 * SES throttled the send made in `slot`: the pacer is told with the next reservation and, if
	 * the slot's grant is still in use, the rest of it is dropped (once per grant: the other
	 * sends already in flight under it are answered the same, and pause nobody twice).
	 */
	throttled(slot: Slot): void;
	/** SES accepted: told to the pacer with the next reservation. */
	succeeded(): void;
}

/** Which grant a send's slot came from, and how many recipients it covered. */
export interface Slot {
	grant: number;
	recipients: number;
}

const sleepUntil = (at: number, now: () => number) => {
	const ms = at - now();
	return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
};

/**
 * A run's pacer over the shared one: slots come from `service` in grants for the run's
 * remaining `recipients`, one reservation at a time; the emails in flight (up to six) take
 * consecutive slots of the grant. A grant left unused at the end of the run (or dropped at a
 * throttle) is at most GRANT_MS of SES time.
 */
export function createSharedPacer(
	service: PaceService,
	lane: Lane,
	recipients: number,
	now = () => Date.now(),
): Pacer {
	let wanted = recipients;
	let grantNumber = 0;
	let next = 0;
	let left = 0;
	let msPerRecipient = 0;
	const reports = { succeeded: 0, throttled: 0 };
	let turn: Promise<unknown> = Promise.resolve();

	const slot = async (n: number): Promise<{ start: number; slot: Slot }> => {
		// Slots more than a grant's length in the past are given up rather than spent in a burst
		// on top of the grants made since.
		if (now() - next > GRANT_MS) left = 0;
		while (left < n) {
			const ask = { lane, recipients: Math.max(wanted, n), atLeast: n, ...reports };
			reports.succeeded = 0;
			reports.throttled = 0;
			const grant = await service.reserve(ask);
			if (grant.recipients === 0) {
				await sleepUntil(grant.startAt, now);
				continue;
			}
			({ startAt: next, recipients: left, msPerRecipient } = grant);
			grantNumber++;
		}
		const start = Math.max(next, now());
		next = start + n * msPerRecipient;
		left -= n;
		wanted = Math.max(0, wanted - n);
		return { start, slot: { grant: grantNumber, recipients: n } };
	};

	return {
		async take(n) {
			const count = Math.max(n, 1);
			const taken = turn.then(() => slot(count));
			turn = taken.catch(() => undefined);
			const { start, slot: given } = await taken;
			await sleepUntil(start, now);
			return given;
		},
		throttled(given) {
			reports.throttled++;
			wanted += given.recipients;
			if (given.grant === grantNumber) left = 0;
		},
		succeeded() {
			reports.succeeded++;
		},
	};
}
