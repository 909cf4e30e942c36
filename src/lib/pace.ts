/**
 * Paces sends to SES's maximum send rate, which SES counts in recipients per second (a message
 * to 50 recipients uses 50), and slows down when SES throttles anyway: the rate halves at each
 * throttle (down to a floor) with a short pause, and climbs back by a tenth of the maximum at
 * each success, so a brief throttle costs seconds, not a parked backlog (additive increase,
 * multiplicative decrease, as TCP does).
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long every sender waits after SES said "too many requests". */
export const THROTTLE_PAUSE_MS = 250;

export interface Pacer {
	/** Waits until `recipients` more may be sent. */
	take(recipients: number): Promise<void>;
	/** SES throttled: pause briefly and halve the rate. */
	throttled(): void;
	/** SES accepted: recover the rate step by step. */
	succeeded(): void;
	/** The current rate, recipients per second. */
	readonly rate: number;
}

export function createPacer(maxPerSecond: number, now = () => Date.now()): Pacer {
	const max = Math.max(maxPerSecond, 0.001);
	const floor = max / 16;
	let rate = max;
	let nextStart = now();
	return {
		async take(recipients) {
			const start = Math.max(nextStart, now());
			nextStart = start + (Math.max(recipients, 1) * 1000) / rate;
			const wait = start - now();
			if (wait > 0) await sleep(wait);
		},
		throttled() {
			rate = Math.max(floor, rate / 2);
			nextStart = Math.max(nextStart, now() + THROTTLE_PAUSE_MS);
		},
		succeeded() {
			rate = Math.min(max, rate + max / 10);
		},
		get rate() {
			return rate;
		},
	};
}
