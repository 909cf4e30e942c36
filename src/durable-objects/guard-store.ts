/**
 * The AccountGuard's storage: its SQLite tables, what it reads of them kept in memory, and its
 * two busiest counters (the recipients admitted against the month's quota, the hour's sends)
 * written in groups.
 *
 * Both counters live in the hour's bucket row, so a quiet account's email (admitted, then sent
 * within the same few seconds) writes one row, not one per counter; the month's usage is the
 * sum of its hours' `admitted` (plus the `usage` row that counted it before, until that month
 * leaves the storage). Buckets are kept from the start of last month for that sum; the
 * reputation figures read only the hours of their window.
 *
 * The object is the only writer of its storage, so the copies in memory stay exact while it
 * lives, and a new instance starts from storage. The send path's admission therefore reads no
 * row at all in the common case and writes one row per 100 recipients (src/durable-objects/
 * write-behind.ts says what a restart can forget: fewer than 100 recipients of the month's usage,
 * fewer than 100 sends, never a bounce, a complaint or a suspension).
 */
import type { ReputationFigures } from "../domain/reputation.ts";
import { REPUTATION_WINDOW_HOURS } from "../domain/reputation.ts";
import { HOUR } from "../lib/time.ts";
import { WriteBehind } from "./write-behind.ts";

/** Pending units that make a counter write at once (a batch of 100 recipients writes at once). */
export const GROUP_UNITS = 100;
/** How soon the alarm writes what is pending. */
export const GROUP_DELAY_MS = 10_000;

export const hourOf = (t: number) => Math.floor(t / HOUR);
export const monthOf = (t: number) => new Date(t).toISOString().slice(0, 7);

/** When the month `months` after the one `t` is in begins (UTC; 0: its own, -1: the one before). */
export function monthStart(t: number, months = 0): number {
	const d = new Date(t);
	return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1);
}

/** The first hour of the month `t` is in, and of the next one. */
const hoursOfMonth = (t: number): [from: number, to: number] => [
	hourOf(monthStart(t)),
	hourOf(monthStart(t, 1)),
];

type BucketColumn = "sends" | "hard_bounces" | "complaints";

export class GuardStore {
	private readonly state = new Map<string, unknown>();
	/** Each month's stored usage, by a time in it (`monthOf`). */
	private readonly storedUsage = new Map<string, number>();
	private storedFigures: { from: number; figures: ReputationFigures } | null = null;
	/** Recipients admitted, by hour. */
	private readonly admitted = new WriteBehind<number>(GROUP_UNITS, () => this.flush());
	/** Recipients SES accepted, by hour. */
	private readonly sends = new WriteBehind<number>(GROUP_UNITS, () => this.flush());

	private readonly storage: DurableObjectStorage;

	constructor(storage: DurableObjectStorage) {
		this.storage = storage;
		this.sql(`CREATE TABLE IF NOT EXISTS buckets (
			hour INTEGER PRIMARY KEY, sends INTEGER NOT NULL DEFAULT 0,
			hard_bounces INTEGER NOT NULL DEFAULT 0, complaints INTEGER NOT NULL DEFAULT 0,
			admitted INTEGER NOT NULL DEFAULT 0)`);
		const buckets = String(
			this.sql("SELECT sql FROM sqlite_master WHERE name = 'buckets'").one().sql,
		);
		// An object created before the usage moved into the buckets.
		if (!buckets.includes("admitted")) {
			this.sql("ALTER TABLE buckets ADD COLUMN admitted INTEGER NOT NULL DEFAULT 0");
		}
		// Each month's usage before it moved into the buckets; read until the month is pruned.
		this.sql(
			"CREATE TABLE IF NOT EXISTS usage (month TEXT PRIMARY KEY, recipients INTEGER NOT NULL)",
		);
		this.sql("CREATE TABLE IF NOT EXISTS seen_events (key TEXT PRIMARY KEY, at INTEGER NOT NULL)");
		this.sql("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
	}

	/** Every statement goes through here (the benchmark counts the rows it reads and writes). */
	private sql(query: string, ...bindings: (string | number | null)[]) {
		return this.storage.sql.exec(query, ...bindings);
	}

	getState<T>(key: string): T | null {
		if (!this.state.has(key)) {
			const row = this.sql("SELECT value FROM state WHERE key = ?", key).toArray()[0];
			this.state.set(key, row ? JSON.parse(String(row.value)) : null);
		}
		return (this.state.get(key) ?? null) as T | null;
	}

	setState(key: string, value: unknown) {
		if (value === null) this.sql("DELETE FROM state WHERE key = ?", key);
		else
			this.sql(
				"INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)",
				key,
				JSON.stringify(value),
			);
		this.state.set(key, value);
	}

	/** A month's usage in storage: its hours' admitted recipients and its old `usage` row. */
	private stored(at: number): number {
		const month = monthOf(at);
		let recipients = this.storedUsage.get(month);
		if (recipients === undefined) {
			const [from, to] = hoursOfMonth(at);
			const row = this.sql(
				"SELECT COALESCE((SELECT SUM(admitted) FROM buckets WHERE hour >= ? AND hour < ?), 0) + COALESCE((SELECT recipients FROM usage WHERE month = ?), 0) AS n",
				from,
				to,
				month,
			).one();
			recipients = Number(row.n ?? 0);
			this.storedUsage.set(month, recipients);
		}
		return recipients;
	}

	/** The pending admitted recipients of the hours of the month `at` is in. */
	private pendingHours(at: number): [hour: number, recipients: number][] {
		const [from, to] = hoursOfMonth(at);
		return this.admitted.entries().filter(([hour]) => hour >= from && hour < to);
	}

	/** The usage of the month `at` is in, in recipients: what storage holds and what is pending. */
	used(at: number): number {
		return this.pendingHours(at).reduce((sum, [, n]) => sum + n, this.stored(at));
	}

	/** Counts recipients admitted at `at` against its month's quota. */
	addUsage(at: number, recipients: number) {
		this.admitted.add(hourOf(at), recipients);
	}

	/**
	 * Gives back recipients admitted in the month `at` is in: first from the pending ones, the
	 * rest from storage (never below what it holds), written at once.
	 */
	releaseUsage(at: number, recipients: number) {
		let rest = recipients;
		for (const [hour] of this.pendingHours(at)) rest = this.admitted.take(hour, rest);
		rest = Math.min(rest, this.stored(at));
		if (rest <= 0) return;
		this.sql(
			"INSERT INTO buckets (hour, admitted) VALUES (?, ?) ON CONFLICT(hour) DO UPDATE SET admitted = admitted + excluded.admitted",
			hourOf(at),
			-rest,
		);
		this.storedUsage.set(monthOf(at), this.stored(at) - rest);
	}

	addSends(hour: number, recipients: number) {
		this.sends.add(hour, recipients);
	}

	/** Bounces and complaints are written as they come: each one can decide a suspension. */
	addToBucket(hour: number, column: BucketColumn, amount: number) {
		if (amount <= 0) return;
		this.sql(
			`INSERT INTO buckets (hour, ${column}) VALUES (?, ?) ON CONFLICT(hour) DO UPDATE SET ${column} = ${column} + excluded.${column}`,
			hour,
			amount,
		);
		this.storedFigures = null;
	}

	/** The figures of the hours from `from` on, the pending sends included. */
	figures(from: number): ReputationFigures {
		if (this.storedFigures?.from !== from) {
			const row = this.sql(
				"SELECT COALESCE(SUM(sends), 0) AS sends, COALESCE(SUM(hard_bounces), 0) AS hb, COALESCE(SUM(complaints), 0) AS c FROM buckets WHERE hour >= ?",
				from,
			).toArray()[0];
			this.storedFigures = {
				from,
				figures: {
					sends: Number(row?.sends ?? 0),
					hardBounces: Number(row?.hb ?? 0),
					complaints: Number(row?.c ?? 0),
				},
			};
		}
		let pendingSends = 0;
		for (const [hour, recipients] of this.sends.entries()) {
			if (hour >= from) pendingSends += recipients;
		}
		const stored = this.storedFigures.figures;
		return { ...stored, sends: stored.sends + pendingSends };
	}

	/** True the first time a key is seen (keys are kept while their event is in the window). */
	firstSight(key: string, at: number): boolean {
		return (
			this.sql("INSERT OR IGNORE INTO seen_events (key, at) VALUES (?, ?)", key, at).rowsWritten > 0
		);
	}

	/**
	 * Forgets every bucket's figures, written or pending (a reinstatement restarts the window);
	 * the month's usage stays.
	 */
	clearBuckets() {
		this.sends.clear();
		this.sql("DELETE FROM buckets WHERE admitted = 0");
		this.sql(
			"UPDATE buckets SET sends = 0, hard_bounces = 0, complaints = 0 WHERE sends <> 0 OR hard_bounces <> 0 OR complaints <> 0",
		);
		this.storedFigures = null;
	}

	get hasPending(): boolean {
		return !(this.admitted.isEmpty && this.sends.isEmpty);
	}

	/**
	 * Writes every pending count, one row per hour for both counters, in one transaction;
	 * answers whether there was any.
	 */
	flush(): boolean {
		const byHour = new Map<number, { admitted: number; sends: number }>();
		const of = (hour: number) => {
			const counts = byHour.get(hour) ?? { admitted: 0, sends: 0 };
			byHour.set(hour, counts);
			return counts;
		};
		for (const [hour, n] of this.admitted.entries()) of(hour).admitted += n;
		for (const [hour, n] of this.sends.entries()) of(hour).sends += n;
		if (byHour.size === 0) return false;
		// Written first: if the write throws, the counts stay pending for the next flush.
		this.storage.transactionSync(() => {
			for (const [hour, counts] of byHour) {
				this.sql(
					"INSERT INTO buckets (hour, admitted, sends) VALUES (?, ?, ?) ON CONFLICT(hour) DO UPDATE SET admitted = admitted + excluded.admitted, sends = sends + excluded.sends",
					hour,
					counts.admitted,
					counts.sends,
				);
			}
		});
		for (const [hour, counts] of byHour) {
			const month = monthOf(hour * HOUR);
			const stored = this.storedUsage.get(month);
			if (stored !== undefined) this.storedUsage.set(month, stored + counts.admitted);
		}
		this.admitted.clear();
		this.sends.clear();
		this.storedFigures = null;
		return true;
	}

	/**
	 * Drops the figures that left the 7-day window, and the usage of months before last month.
	 * Answers when there will be something to drop again: in an hour while it holds figures or
	 * event keys; with only usage left, when its oldest month leaves (the month after next
	 * begins), so an idle account's object does not wake hourly for two months; null when empty.
	 */
	prune(now: number): number | null {
		const oldest = hourOf(now) - REPUTATION_WINDOW_HOURS + 1;
		const lastMonth = hourOf(monthStart(now, -1));
		this.sql(
			"DELETE FROM buckets WHERE hour < ? AND (admitted = 0 OR hour < ?)",
			oldest,
			Math.min(oldest, lastMonth),
		);
		this.sql("DELETE FROM seen_events WHERE at < ?", oldest * HOUR);
		this.sql("DELETE FROM usage WHERE month < ?", monthOf(lastMonth * HOUR));
		this.storedFigures = null;
		this.storedUsage.clear();
		const left = this.sql(
			"SELECT EXISTS (SELECT 1 FROM buckets WHERE sends <> 0 OR hard_bounces <> 0 OR complaints <> 0) OR EXISTS (SELECT 1 FROM seen_events) AS figures, (SELECT MIN(hour) FROM buckets) AS oldest",
		).one();
		if (left.figures) return now + HOUR;
		if (left.oldest === null) return null;
		return monthStart(Number(left.oldest) * HOUR, 2);
	}
}
