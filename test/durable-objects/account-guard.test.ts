import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AccountGuard } from "../../src/durable-objects/account-guard.ts";
import { GuardStore } from "../../src/durable-objects/guard-store.ts";
import { guardFor } from "../../src/durable-objects/index.ts";
import type { Bindings } from "../../src/env.ts";
import { DAY, HOUR } from "../../src/lib/time.ts";

let n = 0;
const newGuard = () => guardFor(env as Bindings, `guard-test-${Date.now()}-${n++}`);
const bounces = (count: number, at: number, prefix = "b") =>
	Array.from({ length: count }, (_, i) => ({
		key: `${prefix}${i}`,
		kind: "hard_bounce" as const,
		at,
	}));

describe("AccountGuard", () => {
	it("admits within the monthly quota and counts recipients, refusing the request that would overshoot", async () => {
		const guard = newGuard();
		expect(await guard.admit({ plan: "growth", recipients: 24_990 })).toMatchObject({
			kind: "admitted",
			used: 24_990,
			quota: 25_000,
		});
		const over = await guard.admit({ plan: "growth", recipients: 11 });
		expect(over).toMatchObject({
			kind: "quota_exceeded",
			used: 24_990,
			quota: 25_000,
			requested: 11,
		});
		expect(await guard.admit({ plan: "growth", recipients: 10 })).toMatchObject({
			kind: "admitted",
			used: 25_000,
		});
		expect(await guard.usage()).toBe(25_000);
	});

	it("lets exactly 50 of 100 concurrent one-recipient requests through when 50 units remain", async () => {
		const guard = newGuard();
		await guard.admit({ plan: "pro", recipients: 99_950 });
		const results = await Promise.all(
			Array.from({ length: 100 }, () => guard.admit({ plan: "pro", recipients: 1 })),
		);
		expect(results.filter((r) => r.kind === "admitted")).toHaveLength(50);
		expect(results.filter((r) => r.kind === "quota_exceeded")).toHaveLength(50);
		expect(await guard.usage()).toBe(100_000);
	});

	it("answers the send lane with each admission: express while quiet, bulk past 100 recipients in 10 s, express again once the window has slid", async () => {
		const guard = newGuard();
		const t = Date.now();
		expect(await guard.admit({ plan: "pro", recipients: 1, now: t })).toMatchObject({
			kind: "admitted",
			lane: "express",
		});
		expect(await guard.admit({ plan: "pro", recipients: 99, now: t + 10 })).toMatchObject({
			lane: "express",
		});
		expect(await guard.admit({ plan: "pro", recipients: 100, now: t + 20 })).toMatchObject({
			lane: "bulk",
		});
		expect(await guard.admit({ plan: "pro", recipients: 1, now: t + 11_000 })).toMatchObject({
			lane: "express",
		});
		// Another account's guard has its own window.
		expect(await newGuard().admit({ plan: "pro", recipients: 1, now: t + 30 })).toMatchObject({
			lane: "express",
		});
	});

	it("counts sends when SES accepts them, and admission alone counts none", async () => {
		const guard = newGuard();
		await guard.admit({ plan: "pro", recipients: 7 });
		expect((await guard.reputation()).figures.sends).toBe(0);
		const at = Date.now();
		// Once per email is the recorder's to keep (test/queues/send.test.ts); the guard adds up.
		expect(
			await guard.recordSends(
				[
					{ recipients: 2, at },
					{ recipients: 1, at },
				],
				at,
			),
		).toEqual({ counted: 3, unrecorded: null });
		expect((await guard.reputation()).figures.sends).toBe(3);
		await guard.release({ recipients: 4, at });
		expect(await guard.usage()).toBe(3);
	});

	it("suspends at 2 hard bounces in 50 sends, not in 49, and counts each event key once", async () => {
		const at = Date.now();
		const below = newGuard();
		await below.recordSends([{ recipients: 49, at }], at);
		expect((await below.recordFeedback(bounces(2, at), at)).unrecorded).toBeNull();

		const guard = newGuard();
		await guard.recordSends([{ recipients: 50, at }], at);
		expect(await guard.recordFeedback(bounces(1, at), at)).toEqual({
			unrecorded: null,
			counted: 1,
			warning: null,
		});
		expect(await guard.recordFeedback(bounces(1, at), at)).toEqual({
			unrecorded: null,
			counted: 0,
			warning: null,
		});
		const second = await guard.recordFeedback(bounces(2, at), at);
		expect(second.counted).toBe(1);
		expect(second.unrecorded).toMatchObject({
			figures: { sends: 50, hardBounces: 2, complaints: 0 },
		});
		expect(await guard.admit({ plan: "pro", recipients: 1 })).toMatchObject({
			kind: "suspended",
		});
	});

	it("suspends when the sends that reach 50 are counted after the bounces that cross the limit", async () => {
		// SES's bounce notifications can arrive before the send consumer counts its batch.
		const at = Date.now();
		const guard = newGuard();
		expect((await guard.recordFeedback(bounces(3, at), at)).unrecorded).toBeNull();
		const counted = await guard.recordSends([{ recipients: 50, at }], at);
		expect(counted).toMatchObject({
			counted: 50,
			unrecorded: { figures: { sends: 50, hardBounces: 3, complaints: 0 } },
		});
		expect(await guard.standing()).toMatchObject({ figures: { sends: 50, hardBounces: 3 } });
		// Told once: counting more sends does not announce it again.
		expect((await guard.recordSends([{ recipients: 1, at }], at)).unrecorded).toMatchObject({
			figures: { hardBounces: 3 },
		});
		await guard.markSuspensionRecorded(at);
		expect((await guard.recordSends([{ recipients: 1, at }], at)).unrecorded).toBeNull();
	});

	it("warns once per 7 days when a rate passes 75% of its threshold, and again after a reinstatement", async () => {
		const at = Date.now();
		const guard = newGuard();
		await guard.recordSends([{ recipients: 100, at }], at);
		// 2% of 4%: nothing; 3%: 75% of the limit.
		expect((await guard.recordFeedback(bounces(2, at), at)).warning).toBeNull();
		const warned = await guard.recordFeedback(bounces(1, at, "third"), at);
		expect(warned.warning).toEqual({
			rate: "bounce_rate",
			at,
			figures: { sends: 100, hardBounces: 3, complaints: 0 },
		});
		expect(warned.unrecorded).toBeNull();
		// Closer still to the limit (4 in 101) an hour later: not again within the window.
		await guard.recordSends([{ recipients: 1, at }], at);
		const closer = await guard.recordFeedback(bounces(1, at, "fourth"), at + HOUR);
		expect(closer).toMatchObject({ counted: 1, unrecorded: null, warning: null });
		// A reinstatement starts a new window: the next crossing warns again.
		await guard.reinstate(at + 2 * HOUR);
		const later = at + 3 * HOUR;
		await guard.recordSends([{ recipients: 100, at: later }], later);
		const again = await guard.recordFeedback(bounces(3, later, "after"), later);
		expect(again.warning).toMatchObject({ rate: "bounce_rate", at: later });
	});

	it("reinstatement lifts the suspension and restarts the window, so old events do not suspend again", async () => {
		const at = Date.now();
		const guard = newGuard();
		await guard.recordSends([{ recipients: 50, at }], at);
		await guard.recordFeedback(bounces(5, at), at);
		expect((await guard.reputation()).suspension).not.toBeNull();
		const lifted = await guard.reinstate(at + HOUR);
		expect(lifted?.figures.hardBounces).toBe(5);
		expect(await guard.reputation(at + HOUR)).toMatchObject({
			suspension: null,
			figures: { sends: 0, hardBounces: 0, complaints: 0 },
		});
		// A late redelivery of events from before the reinstatement counts for nothing.
		expect(await guard.recordFeedback(bounces(5, at, "late"), at + HOUR)).toEqual({
			unrecorded: null,
			counted: 0,
			warning: null,
		});
		expect((await guard.admit({ plan: "pro", recipients: 1, now: at + HOUR })).kind).toBe(
			"admitted",
		);
	});

	it("limits the request rate with a token bucket per plan", async () => {
		const guard = newGuard();
		const now = Date.now();
		const results = [];
		for (let i = 0; i < 21; i++) results.push(await guard.hit("free", now));
		expect(results.slice(0, 20).every((r) => r.ok)).toBe(true);
		expect(results[20]).toEqual({ ok: false, rate: { limit: 20, remaining: 0, resetSeconds: 4 } });
		// Five tokens a second come back.
		expect((await guard.hit("free", now + 1000)).ok).toBe(true);
	});

	it("writes the month's usage in groups: a row once 100 recipients are pending, the rest by its alarm, and answers the pending ones meanwhile", async () => {
		const guard = newGuard();
		const now = Date.now();
		const stored = () =>
			runInDurableObject(guard, (_instance: AccountGuard, state) =>
				Number(
					state.storage.sql.exec("SELECT COALESCE(SUM(admitted), 0) AS n FROM buckets").one().n,
				),
			);
		for (let i = 0; i < 99; i++) await guard.admit({ plan: "pro", recipients: 1, now });
		expect(await stored()).toBe(0);
		expect(await guard.usage(now)).toBe(99);
		// The 100th pending recipient writes them all at once.
		expect(await guard.admit({ plan: "pro", recipients: 1, now })).toMatchObject({ used: 100 });
		expect(await stored()).toBe(100);
		await guard.admit({ plan: "pro", recipients: 5, now });
		await guard.release({ recipients: 2, at: now });
		expect(await guard.usage(now)).toBe(103);
		// The flush alarm is set while anything is pending, and writes it.
		await runInDurableObject(guard, async (_instance: AccountGuard, state) => {
			expect(await state.storage.getAlarm()).not.toBeNull();
		});
		expect(await runDurableObjectAlarm(guard)).toBe(true);
		expect(await stored()).toBe(103);
		expect(await guard.usage(now)).toBe(103);
	});

	it("keeps a month's pending usage in that month when the next one starts", async () => {
		const guard = newGuard();
		// The alarm keeps last month's usage: the months around this month's first minute.
		const today = new Date();
		const lastMinute = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1) - 60_000;
		await guard.admit({ plan: "pro", recipients: 3, now: lastMinute });
		await guard.admit({ plan: "pro", recipients: 4, now: lastMinute + 2 * 60_000 });
		expect(await runDurableObjectAlarm(guard)).toBe(true);
		expect(await guard.usage(lastMinute)).toBe(3);
		expect(await guard.usage(lastMinute + 2 * 60_000)).toBe(4);
		// Each in its own hour's bucket, on either side of the month's first hour.
		await runInDurableObject(guard, (_instance: AccountGuard, state) => {
			expect(
				state.storage.sql.exec("SELECT hour, admitted FROM buckets ORDER BY hour").toArray(),
			).toEqual([
				{ hour: Math.floor(lastMinute / HOUR), admitted: 3 },
				{ hour: Math.floor((lastMinute + 2 * 60_000) / HOUR), admitted: 4 },
			]);
		});
	});

	it("writes sends SES accepted in groups too, counting the pending ones in its figures", async () => {
		const guard = newGuard();
		const at = Date.now();
		const storedSends = () =>
			runInDurableObject(guard, (_instance: AccountGuard, state) =>
				Number(
					state.storage.sql.exec("SELECT COALESCE(SUM(sends), 0) AS s FROM buckets").toArray()[0]
						?.s,
				),
			);
		await guard.recordSends([{ recipients: 40, at }], at);
		expect(await storedSends()).toBe(0);
		expect((await guard.reputation(at)).figures.sends).toBe(40);
		await guard.recordSends([{ recipients: 60, at }], at);
		expect(await storedSends()).toBe(100);
		await guard.recordSends([{ recipients: 7, at }], at);
		expect(await runDurableObjectAlarm(guard)).toBe(true);
		expect(await storedSends()).toBe(107);
		expect((await guard.reputation(at)).figures.sends).toBe(107);
	});

	it("writes a quiet account's email, its admission and its send, as one row", async () => {
		const guard = newGuard();
		const now = Date.now();
		await guard.admit({ plan: "pro", recipients: 1, now });
		await guard.recordSends([{ recipients: 1, at: now }], now);
		const written = await runInDurableObject(guard, (instance: AccountGuard, state) => {
			const exec = state.storage.sql.exec.bind(state.storage.sql);
			let rows = 0;
			state.storage.sql.exec = ((query: string, ...bindings: SqlStorageValue[]) => {
				const cursor = exec(query, ...bindings);
				cursor.toArray();
				rows += cursor.rowsWritten;
				return cursor;
			}) as typeof state.storage.sql.exec;
			try {
				(instance as unknown as { store: { flush(): void } }).store.flush();
			} finally {
				state.storage.sql.exec = exec;
			}
			return rows;
		});
		expect(written).toBe(1);
		expect(await guard.usage(now)).toBe(1);
		expect((await guard.reputation(now)).figures.sends).toBe(1);
	});

	it("counts an object's usage stored before it moved into the buckets, and adds the column", async () => {
		const guard = newGuard();
		const now = Date.now();
		const month = new Date(now).toISOString().slice(0, 7);
		const used = await runInDurableObject(guard, (_instance: AccountGuard, state) => {
			const sql = state.storage.sql;
			// The storage as the object left it before: no `admitted`, the month's usage in `usage`.
			sql.exec("DROP TABLE buckets");
			sql.exec(
				"CREATE TABLE buckets (hour INTEGER PRIMARY KEY, sends INTEGER NOT NULL DEFAULT 0, hard_bounces INTEGER NOT NULL DEFAULT 0, complaints INTEGER NOT NULL DEFAULT 0)",
			);
			sql.exec("INSERT INTO buckets (hour, sends) VALUES (?, 9)", Math.floor(now / HOUR));
			sql.exec("INSERT INTO usage (month, recipients) VALUES (?, 40)", month);
			const store = new GuardStore(state.storage);
			store.addUsage(now, 2);
			store.flush();
			store.releaseUsage(now, 1);
			return [store.used(now), new GuardStore(state.storage).used(now), store.figures(0).sends];
		});
		expect(used).toEqual([41, 41, 9]);
	});

	it("gives back stored usage at once, never below what the month holds", async () => {
		const guard = newGuard();
		const now = Date.now();
		await guard.admit({ plan: "pro", recipients: 3, now });
		expect(await runDurableObjectAlarm(guard)).toBe(true);
		await guard.release({ recipients: 2, at: now });
		expect(await guard.usage(now)).toBe(1);
		await guard.release({ recipients: 5, at: now });
		expect(await guard.usage(now)).toBe(0);
		// Nothing pending: what was given back is in storage already.
		const stored = await runInDurableObject(guard, (_instance: AccountGuard, state) =>
			Number(state.storage.sql.exec("SELECT SUM(admitted) AS n FROM buckets").one().n),
		);
		expect(stored).toBe(0);
		await guard.admit({ plan: "pro", recipients: 4, now });
		expect(await guard.usage(now)).toBe(4);
	});

	it("keeps the month's usage through a reinstatement, which forgets the figures", async () => {
		const guard = newGuard();
		const now = Date.now();
		await guard.admit({ plan: "pro", recipients: 6, now });
		await guard.recordSends([{ recipients: 6, at: now }], now);
		await guard.recordFeedback(bounces(1, now));
		expect(await runDurableObjectAlarm(guard)).toBe(true);
		await guard.reinstate(now + 1);
		expect(await guard.usage(now)).toBe(6);
		expect((await guard.reputation(now + 1)).figures).toMatchObject({ sends: 0, hardBounces: 0 });
	});

	it("prunes the usage of months before last month, and keeps this month's past its figures' 7 days", async () => {
		const guard = newGuard();
		const now = Date.now();
		const today = new Date(now);
		const threeMonthsAgo = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 3, 15);
		const lastMonth = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 15);
		await guard.recordSends([{ recipients: 1, at: now }]);
		await runInDurableObject(guard, (_instance: AccountGuard, state) => {
			for (const at of [threeMonthsAgo, lastMonth]) {
				state.storage.sql.exec(
					"INSERT INTO buckets (hour, admitted, sends) VALUES (?, 7, 70)",
					Math.floor(at / HOUR),
				);
			}
		});
		expect(await runDurableObjectAlarm(guard)).toBe(true);
		expect([await guard.usage(threeMonthsAgo), await guard.usage(lastMonth)]).toEqual([0, 7]);
		// Its sends are out of the window: the figures do not count them.
		expect((await guard.reputation(now)).figures.sends).toBe(1);
	});

	it("wakes hourly while it holds figures, and with only usage left, when that can be pruned", async () => {
		const guard = newGuard();
		const now = Date.now();
		await guard.admit({ plan: "pro", recipients: 2, now });
		const alarmAt = () =>
			runInDurableObject(guard, (_instance: AccountGuard, state) => state.storage.getAlarm());
		// The flush, then the first prune: no figures, no event keys, only this month's usage.
		expect(await runDurableObjectAlarm(guard)).toBe(true);
		const today = new Date();
		const monthAfterNext = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 2, 1);
		expect(await alarmAt()).toBe(monthAfterNext);
		expect(await guard.usage(now)).toBe(2);
		// Sends again: its figures are pruned hourly again, from the write on.
		await guard.recordSends([{ recipients: 2, at: now }], now);
		expect(await runDurableObjectAlarm(guard)).toBe(true);
		expect(await alarmAt()).toBeLessThanOrEqual(Date.now() + HOUR);

		const other = newGuard();
		await other.recordSends([{ recipients: 1, at: now }], now);
		expect(await runDurableObjectAlarm(other)).toBe(true);
		const next = await runInDurableObject(other, (_instance: AccountGuard, state) =>
			state.storage.getAlarm(),
		);
		expect(next).toBeGreaterThan(Date.now() + HOUR - 60_000);
		expect(next).toBeLessThanOrEqual(Date.now() + HOUR);
	});

	it("prunes buckets and event keys older than 7 days in its alarm", async () => {
		const guard = newGuard();
		const old = Date.now() - 8 * DAY;
		await guard.recordSends([{ recipients: 10, at: Date.now() }]);
		await guard.recordFeedback([{ key: "recent", kind: "complaint", at: Date.now() }]);
		await runInDurableObject(guard, async (_instance: AccountGuard, state) => {
			state.storage.sql.exec(
				"INSERT INTO buckets (hour, sends) VALUES (?, 500)",
				Math.floor(old / HOUR),
			);
			state.storage.sql.exec("INSERT INTO seen_events (key, at) VALUES ('old', ?)", old);
		});
		expect(await runDurableObjectAlarm(guard)).toBe(true);
		await runInDurableObject(guard, async (_instance: AccountGuard, state) => {
			const buckets = state.storage.sql.exec("SELECT SUM(sends) AS s FROM buckets").toArray();
			expect(buckets[0]?.s).toBe(10);
			// Only the recent complaint's key is left.
			expect(state.storage.sql.exec("SELECT COUNT(*) AS n FROM seen_events").toArray()[0]?.n).toBe(
				1,
			);
			expect(await state.storage.getAlarm()).not.toBeNull();
		});
	});
});
