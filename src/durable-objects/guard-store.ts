/**
 * The AccountGuard's storage: its SQLite tables, what it reads of them kept in memory, and its
 * two busiest counters (the month's usage, the hour's sends) written in groups.
 *
 * The object is the only writer of its storage, so the copies in memory stay exact while it
 * lives, and a new instance starts from storage. The send path's admission therefore reads no
 * row at all in the common case and writes one row per 100 recipients (src/durable-objects/
 * write-behind.ts says what a restart can forget: fewer than 100 recipients of the month's usage,
 * fewer than 100 sends of an hour, never a bounce, a complaint or a suspension).
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

type BucketColumn = "sends" | "hard_bounces" | "complaints";

export class GuardStore {
	private readonly state = new Map<string, unknown>();
	private readonly storedUsage = new Map<string, number>();
	private storedFigures: { from: number; figures: ReputationFigures } | null = null;
	private readonly usage = new WriteBehind<string>(GROUP_UNITS, (counts) => {
		for (const [month, recipients] of counts) {
			this.sql(
				"INSERT INTO usage (month, recipients) VALUES (?, ?) ON CONFLICT(month) DO UPDATE SET recipients = recipients + excluded.recipients",
				month,
				recipients,
			);
			this.storedUsage.set(month, this.stored(month) + recipients);
		}
	});
	private readonly sends = new WriteBehind<number>(GROUP_UNITS, (counts) => {
		for (const [hour, recipients] of counts) this.addToBucket(hour, "sends", recipients);
	});

	private readonly storage: DurableObjectStorage;

	constructor(storage: DurableObjectStorage) {
		this.storage = storage;
		this.sql(`CREATE TABLE IF NOT EXISTS buckets (
			hour INTEGER PRIMARY KEY, sends INTEGER NOT NULL DEFAULT 0,
			hard_bounces INTEGER NOT NULL DEFAULT 0, complaints INTEGER NOT NULL DEFAULT 0)`);
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

	private stored(month: string): number {
		let recipients = this.storedUsage.get(month);
		if (recipients === undefined) {
			recipients = Number(
				this.sql("SELECT recipients FROM usage WHERE month = ?", month).toArray()[0]?.recipients ??
					0,
			);
			this.storedUsage.set(month, recipients);
		}
		return recipients;
	}

	/** A month's usage in recipients: what storage holds and what is pending. */
	used(month: string): number {
		return this.stored(month) + this.usage.get(month);
	}

	addUsage(month: string, recipients: number) {
		this.usage.add(month, recipients);
	}

	/** Gives recipients back: first from the pending ones, the rest from storage. */
	releaseUsage(month: string, recipients: number) {
		const rest = this.usage.take(month, recipients);
		if (rest <= 0) return;
		this.sql("UPDATE usage SET recipients = MAX(0, recipients - ?) WHERE month = ?", rest, month);
		this.storedUsage.set(month, Math.max(0, this.stored(month) - rest));
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

	/** Forgets every bucket, written or pending (a reinstatement restarts the window). */
	clearBuckets() {
		this.sends.clear();
		this.sql("DELETE FROM buckets");
		this.storedFigures = null;
	}

	get hasPending(): boolean {
		return !(this.usage.isEmpty && this.sends.isEmpty);
	}

	/** Writes every pending count. */
	flush() {
		this.usage.flush();
		this.sends.flush();
	}

	/** Drops what left the 7-day window and usage older than last month; answers buckets left. */
	prune(now: number): number {
		const oldest = hourOf(now) - REPUTATION_WINDOW_HOURS + 1;
		this.sql("DELETE FROM buckets WHERE hour < ?", oldest);
		this.sql("DELETE FROM seen_events WHERE at < ?", oldest * HOUR);
		const lastMonth = new Date(now);
		this.sql(
			"DELETE FROM usage WHERE month < ?",
			monthOf(Date.UTC(lastMonth.getUTCFullYear(), lastMonth.getUTCMonth() - 1, 1)),
		);
		this.storedFigures = null;
		this.storedUsage.clear();
		return Number(this.sql("SELECT COUNT(*) AS n FROM buckets").toArray()[0]?.n ?? 0);
	}
}
