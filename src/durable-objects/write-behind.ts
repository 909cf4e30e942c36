/**
 * Counts a Durable Object adds up in memory and writes to its storage in groups. Its SQLite
 * storage bills every row written, and the guard's counters took one row per send request:
 * the month's usage alone was a row for every single email. Grouped, a busy account's counter
 * is written once per `flushAt` units, and the owner's alarm writes what is left a few seconds
 * later.
 *
 * The owner writes: it may hold several counters and write them together (one row for all of
 * an hour's counts), so a counter only tells it when its pending units reach `flushAt`, then
 * hands over its entries and is cleared once they are written. The price is what a restart
 * forgets: fewer than `flushAt` units of each counter. The owner answers from storage plus the
 * pending units, so while the object lives its counts are exact.
 */
export class WriteBehind<K> {
	private readonly pending = new Map<K, number>();
	private units = 0;
	private readonly flushAt: number;
	private readonly onFull: () => void;

	/** `onFull` writes every pending count (this counter's and the owner's others). */
	constructor(flushAt: number, onFull: () => void) {
		this.flushAt = flushAt;
		this.onFull = onFull;
	}

	/** Adds to a key's pending count; has the owner write once the pending units reach `flushAt`. */
	add(key: K, amount: number): void {
		if (amount <= 0) return;
		this.pending.set(key, (this.pending.get(key) ?? 0) + amount);
		this.units += amount;
		if (this.units >= this.flushAt) this.onFull();
	}

	/** What a key has pending, not yet in storage. */
	get(key: K): number {
		return this.pending.get(key) ?? 0;
	}

	/** Takes up to `amount` back from a key's pending count; answers what it could not take. */
	take(key: K, amount: number): number {
		const taken = Math.min(this.get(key), amount);
		if (taken > 0) {
			this.pending.set(key, this.get(key) - taken);
			this.units -= taken;
		}
		return amount - taken;
	}

	entries(): [key: K, amount: number][] {
		return [...this.pending].filter(([, amount]) => amount > 0);
	}

	get isEmpty(): boolean {
		return this.units === 0;
	}

	/** Forgets every pending count: written by the owner, or no longer mattering. */
	clear(): void {
		this.pending.clear();
		this.units = 0;
	}
}
