import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { bulkQueues } from "../../src/deps.ts";
import {
	BULK_AFTER_RECIPIENTS,
	BULK_LANES,
	bulkLaneOf,
	createLaneMeter,
	LANE_WINDOW_MS,
	type LaneQueues,
	laneQueue,
} from "../../src/domain/lanes.ts";
import { idsIn, type SendMessage } from "../../src/domain/send-message.ts";
import { acceptEmails } from "../../src/domain/sending.ts";
import { guardFor } from "../../src/durable-objects/index.ts";
import type { Bindings } from "../../src/env.ts";
import { uuidv7 } from "../../src/lib/ids.ts";
import { SEND_BULK_QUEUES } from "../../src/queues/index.ts";
import { createCaller, db } from "../helpers/factories.ts";

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

describe("the lane a request's emails are stored on", () => {
	const recording = () => {
		const ids: string[] = [];
		const queue = {
			sendBatch: async (batch: { body: SendMessage }[]) => {
				for (const m of batch) ids.push(...idsIn(m.body));
			},
		} as unknown as Queue<SendMessage>;
		return { queue, ids };
	};
	const send = async (busy: boolean) => {
		const { sender, caller } = await createCaller();
		const guard = guardFor(env as Bindings, sender.account.id);
		if (busy) await guard.admit({ plan: "pro", recipients: BULK_AFTER_RECIPIENTS + 1 });
		const express = recording();
		const bulk = recording();
		const outcome = await acceptEmails(
			{ db: db(), queue: express.queue, bulkQueue: bulk.queue, guard },
			caller,
			[{ from: sender.from, to: ["lane@example.org"], subject: "x", text: "x" }],
			"all-or-nothing",
		);
		const [result] = outcome.kind === "answered" ? outcome.results : [];
		return { id: result?.kind === "accepted" ? result.id : null, express, bulk };
	};

	it("is the express queue for a quiet account", async () => {
		const { id, express, bulk } = await send(false);
		expect(express.ids).toEqual([id]);
		expect(bulk.ids).toEqual([]);
	});

	it("is the bulk queue once the account's guard answers bulk", async () => {
		const { id, express, bulk } = await send(true);
		expect(bulk.ids).toEqual([id]);
		expect(express.ids).toEqual([]);
	});
});

describe("the bulk queue of an account", () => {
	it("is always the same for one account, and spreads accounts over every bulk queue", () => {
		const counts = Array.from({ length: BULK_LANES }, () => 0);
		for (let i = 0; i < 4_000; i++) {
			const account = uuidv7();
			const lane = bulkLaneOf(account);
			expect(bulkLaneOf(account)).toBe(lane);
			counts[lane] = (counts[lane] ?? 0) + 1;
		}
		// About a thousand each: no queue left out or taking most accounts.
		for (const n of counts) expect(n).toBeGreaterThan(800);
	});

	it("spreads over every bulk queue the Worker has (wrangler.toml's bindings and consumers)", () => {
		expect(bulkQueues(env as Bindings)).toHaveLength(BULK_LANES);
		expect(new Set(bulkQueues(env as Bindings)).size).toBe(BULK_LANES);
		expect(bulkQueues(env as Bindings).every(Boolean)).toBe(true);
		expect(SEND_BULK_QUEUES).toHaveLength(BULK_LANES);
	});

	it("is the one `laneQueue` answers, among as many queues as there are", () => {
		const queues = {
			express: "express",
			bulk: ["b0", "b1", "b2", "b3"],
		} as unknown as LaneQueues<SendMessage>;
		const account = uuidv7();
		expect(laneQueue(queues, "express", account)).toBe("express");
		expect(laneQueue(queues, "bulk", account)).toBe(`b${bulkLaneOf(account)}`);
		const one = { express: "express", bulk: ["only"] } as unknown as LaneQueues<SendMessage>;
		expect(laneQueue(one, "bulk", account)).toBe("only");
	});
});
