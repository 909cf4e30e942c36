import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { SendPacer } from "../../src/durable-objects/send-pacer.ts";
import type { Bindings } from "../../src/env.ts";
import { BULK_LOOKAHEAD_MS, type Grant } from "../../src/lib/pace.ts";

// A pacer of its own per test (the product uses one, named in src/durable-objects/index.ts).
let n = 0;
const newPacer = () => {
	const ns = (env as Bindings).SEND_PACER;
	return ns.get(ns.idFromName(`pacer-test-${n++}`));
};

describe("SendPacer (the one SES pace, a Durable Object)", () => {
	it("keeps SES_MAX_SEND_RATE over concurrent reservations from many consumers: no two grants overlap", async () => {
		const pacer = newPacer();
		const before = Date.now();
		const grants: Grant[] = await Promise.all(
			Array.from({ length: 20 }, (_, i) =>
				pacer.reserve({ lane: i % 2 ? "bulk" : "express", recipients: 50 }),
			),
		);
		const after = Date.now();
		const granted = grants.filter((g) => g.recipients > 0).sort((a, b) => a.startAt - b.startAt);
		expect(granted[0]?.startAt).toBeGreaterThanOrEqual(before);
		for (let i = 1; i < granted.length; i++) {
			const prev = granted[i - 1] as Grant;
			expect((granted[i] as Grant).startAt).toBeGreaterThanOrEqual(
				prev.startAt + prev.recipients * prev.msPerRecipient - 1e-6,
			);
		}
		// SES_MAX_SEND_RATE is 1,000 in the tests: one recipient a millisecond.
		expect(granted[0]?.msPerRecipient).toBe(1);
		// Every express reservation was granted; bulk only while the horizon was within its lookahead.
		grants.forEach((g, i) => {
			if (i % 2 === 0) expect(g.recipients).toBe(50);
			else if (g.recipients > 0) expect(g.startAt).toBeLessThanOrEqual(after + BULK_LOOKAHEAD_MS);
		});
	});

	it("slows every lane when a consumer reports a throttle", async () => {
		const pacer = newPacer();
		await pacer.reserve({ lane: "bulk", recipients: 1, throttled: 1 });
		expect(await pacer.rate()).toBe(500);
		const express = await pacer.reserve({ lane: "express", recipients: 1 });
		expect(express.msPerRecipient).toBe(2);
		await runInDurableObject(pacer, async (instance: SendPacer) => {
			expect(await instance.rate()).toBe(500);
		});
	});
});
