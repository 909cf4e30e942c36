import { describe, expect, it } from "vitest";
import type { Admission, GuardPort } from "../../src/domain/guard.ts";
import { routeByAdmission } from "../../src/domain/lane-routing.ts";
import { BULK_AFTER_RECIPIENTS, createLaneMeter, LANE_WINDOW_MS } from "../../src/domain/lanes.ts";

const T0 = Date.UTC(2026, 10, 29, 9, 0, 0);

describe("the lane meter (recipients admitted in the trailing window)", () => {
	it("keeps a quiet account express: singles and one full batch stay at or under the threshold", () => {
		const meter = createLaneMeter();
		for (let i = 0; i < 50; i++) expect(meter.admit(1, T0 + i * 100)).toBe("express");
		expect(meter.admit(BULK_AFTER_RECIPIENTS - 50, T0 + 5_000)).toBe("express");
		expect(meter.recent(T0 + 5_000)).toBe(BULK_AFTER_RECIPIENTS);
	});

	it("sends an account bulk from the request that takes it past the threshold, and keeps it there while it keeps sending", () => {
		const meter = createLaneMeter();
		expect(meter.admit(100, T0)).toBe("express");
		expect(meter.admit(100, T0 + 100)).toBe("bulk");
		for (let i = 1; i <= 30; i++) expect(meter.admit(100, T0 + i * 1_000)).toBe("bulk");
	});

	it("counts a single request over the threshold as bulk at once", () => {
		expect(createLaneMeter().admit(BULK_AFTER_RECIPIENTS + 1, T0)).toBe("bulk");
	});

	it("slides: once the window has passed since the burst, the account is express again", () => {
		const meter = createLaneMeter();
		meter.admit(100, T0);
		expect(meter.admit(100, T0 + 500)).toBe("bulk");
		// Still inside the window: the 200 are still counted.
		expect(meter.admit(1, T0 + LANE_WINDOW_MS - 1_000)).toBe("bulk");
		// The burst's second has left the window; only the last single remains.
		expect(meter.recent(T0 + LANE_WINDOW_MS)).toBe(1);
		expect(meter.admit(1, T0 + LANE_WINDOW_MS)).toBe("express");
	});
});

describe("routeByAdmission", () => {
	const fakeQueue = () => {
		const sent: unknown[] = [];
		const queue = {
			send: async (body: unknown) => {
				sent.push(body);
			},
			sendBatch: async (batch: Iterable<{ body: unknown }>) => {
				for (const m of batch) sent.push(m.body);
			},
		} as unknown as Queue<unknown>;
		return { queue, sent };
	};
	const guardAnswering = (lanes: ("express" | "bulk" | undefined)[]): GuardPort => ({
		admit: async (): Promise<Admission> => ({
			kind: "admitted",
			rate: { limit: 1, remaining: 1, resetSeconds: 0 },
			used: 0,
			quota: 1,
			lane: lanes.shift(),
		}),
		hit: async () => ({ ok: true, rate: { limit: 1, remaining: 1, resetSeconds: 0 } }),
		release: async () => {},
	});

	it("queues each request's emails on the lane its admission answered (express by default)", async () => {
		const express = fakeQueue();
		const bulk = fakeQueue();
		const routed = routeByAdmission(guardAnswering(["express", "bulk", undefined]), {
			express: express.queue,
			bulk: bulk.queue,
		});
		await routed.queue.send("before any admission");
		await routed.guard.admit({ plan: "pro", recipients: 1 });
		await routed.queue.sendBatch([{ body: "first" }]);
		await routed.guard.admit({ plan: "pro", recipients: 200 });
		await routed.queue.sendBatch([{ body: "second" }, { body: "third" }]);
		await routed.guard.admit({ plan: "pro", recipients: 1 });
		await routed.queue.send("no lane answered");
		expect(express.sent).toEqual(["before any admission", "first", "no lane answered"]);
		expect(bulk.sent).toEqual(["second", "third"]);
	});
});
