import { describe, expect, it } from "vitest";
import {
	BULK_LOOKAHEAD_MS,
	createPaceSchedule,
	createSharedPacer,
	GRANT_MS,
	type Grant,
	type PaceService,
	type Reservation,
	type Slot,
	THROTTLE_PAUSE_MS,
} from "../../src/lib/pace.ts";

const clock = (start = 1_000_000) => {
	let t = start;
	return { now: () => t, advance: (ms: number) => (t += ms) };
};

describe("the send pace schedule (the SendPacer's state)", () => {
	it("holds the rate over many concurrent reservations: grants never overlap", () => {
		const c = clock();
		const schedule = createPaceSchedule(1000, c.now);
		const grants: Grant[] = [];
		// Ten express consumers ask at the same instant, each for a run of 100 recipients.
		for (let i = 0; i < 10; i++)
			grants.push(schedule.reserve({ lane: "express", recipients: 100 }));
		let end = c.now();
		for (const g of grants) {
			expect(g.startAt).toBeGreaterThanOrEqual(end);
			end = g.startAt + g.recipients * g.msPerRecipient;
		}
		// 1,000 recipients at 1,000/s: the last slot ends a second after the first began.
		expect(grants.reduce((n, g) => n + g.recipients, 0)).toBe(1000);
		expect(end - c.now()).toBeCloseTo(1000, 5);
	});

	it("grants at most GRANT_MS of sends at once, but never less than the next email's recipients", () => {
		const schedule = createPaceSchedule(1000, clock().now);
		expect(schedule.reserve({ lane: "express", recipients: 10_000 }).recipients).toBe(GRANT_MS);
		const slow = createPaceSchedule(14, clock().now);
		expect(slow.reserve({ lane: "express", recipients: 100, atLeast: 50 }).recipients).toBe(50);
		expect(slow.reserve({ lane: "express", recipients: 100 }).recipients).toBe(3);
	});

	it("serves express ahead of bulk: bulk holds at most BULK_LOOKAHEAD_MS ahead, express always gets the next slots", () => {
		const c = clock();
		const schedule = createPaceSchedule(1000, c.now);
		// A bulk backlog: bulk consumers keep asking until they are told to come back later.
		const bulk: Grant[] = [];
		for (;;) {
			const g = schedule.reserve({ lane: "bulk", recipients: 100 });
			if (g.recipients === 0) {
				// Told to come back when the horizon is within the lookahead again.
				expect(g.startAt).toBeGreaterThan(c.now());
				break;
			}
			bulk.push(g);
		}
		const horizon = Math.max(...bulk.map((g) => g.startAt + g.recipients * g.msPerRecipient));
		expect(horizon - c.now()).toBeLessThanOrEqual(BULK_LOOKAHEAD_MS + 100);

		const express = schedule.reserve({ lane: "express", recipients: 1 });
		expect(express.recipients).toBe(1);
		expect(express.startAt).toBe(horizon);
		expect(express.startAt - c.now()).toBeLessThanOrEqual(BULK_LOOKAHEAD_MS + 100);
		// Express keeps being granted while bulk waits.
		for (let i = 0; i < 5; i++)
			expect(schedule.reserve({ lane: "express", recipients: 50 }).recipients).toBe(50);
		expect(schedule.reserve({ lane: "bulk", recipients: 100 }).recipients).toBe(0);
	});

	it("halves the rate at each throttle (to a floor of a sixteenth), pauses everyone, and climbs back with successes", () => {
		const c = clock();
		const schedule = createPaceSchedule(1000, c.now);
		const throttled = schedule.reserve({ lane: "bulk", recipients: 10, throttled: 1 });
		expect(schedule.rate).toBe(500);
		expect(throttled.msPerRecipient).toBe(2);
		expect(throttled.startAt).toBe(c.now() + THROTTLE_PAUSE_MS);
		// The pause applies to express too: the throttle slows every consumer.
		const express = schedule.reserve({ lane: "express", recipients: 1 });
		expect(express.startAt).toBeGreaterThanOrEqual(c.now() + THROTTLE_PAUSE_MS);
		schedule.reserve({ lane: "express", recipients: 1, throttled: 10 });
		expect(schedule.rate).toBe(1000 / 16);
		schedule.reserve({ lane: "express", recipients: 1, succeeded: 3 });
		expect(schedule.rate).toBe(1000 / 16 + 300);
		schedule.reserve({ lane: "express", recipients: 1, succeeded: 100 });
		expect(schedule.rate).toBe(1000);
	});
});

describe("a consumer run's shared pacer", () => {
	const recordingService = (schedule = createPaceSchedule(1000)) => {
		const calls: Reservation[] = [];
		const service: PaceService = {
			reserve: async (r) => {
				calls.push(r);
				return schedule.reserve(r);
			},
		};
		return { service, calls };
	};

	it("reserves the run's recipients in chunks, not one call per email, and spaces the emails at the rate", async () => {
		const { service, calls } = recordingService();
		const pacer = createSharedPacer(service, "express", 100);
		const started = Date.now();
		await Promise.all(Array.from({ length: 100 }, () => pacer.take(1)));
		expect(calls).toHaveLength(1);
		expect(calls[0]).toMatchObject({ lane: "express", recipients: 100, atLeast: 1 });
		// 100 recipients at 1,000/s: the last slot starts 99 ms after the first.
		expect(Date.now() - started).toBeGreaterThanOrEqual(90);
	});

	it("reports SES's answers with the next reservation; a throttle drops the rest of the grant once", async () => {
		const { service, calls } = recordingService();
		const pacer = createSharedPacer(service, "bulk", 50);
		const [a, b, c] = await Promise.all([pacer.take(1), pacer.take(1), pacer.take(1)]);
		pacer.succeeded();
		pacer.throttled(a as Slot);
		const d = await pacer.take(1);
		expect(calls).toHaveLength(2);
		// The throttled send's recipient is wanted again.
		expect(calls[1]).toMatchObject({ lane: "bulk", succeeded: 1, throttled: 1, recipients: 48 });
		// Sends in flight under the dropped grant, throttled too, are reported but pause nobody again.
		pacer.throttled(b as Slot);
		pacer.throttled(c as Slot);
		await pacer.take(1);
		expect(calls).toHaveLength(2);
		pacer.throttled(d);
		await pacer.take(1);
		expect(calls).toHaveLength(3);
		expect(calls[2]).toMatchObject({ throttled: 3 });
	});

	it("waits and asks again while bulk is behind", async () => {
		const c = { t: Date.now() };
		let asked = 0;
		const service: PaceService = {
			reserve: async () =>
				++asked === 1
					? { recipients: 0, startAt: Date.now() + 30, msPerRecipient: 1 }
					: { recipients: 5, startAt: Date.now(), msPerRecipient: 1 },
		};
		await createSharedPacer(service, "bulk", 5).take(2);
		expect(asked).toBe(2);
		expect(Date.now() - c.t).toBeGreaterThanOrEqual(25);
	});
});
