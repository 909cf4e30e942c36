import { describe, expect, it } from "vitest";
import { countsForReputation, judge } from "../../src/domain/reputation.ts";

describe("judge: the suspension thresholds, exactly", () => {
	it.each([
		[{ sends: 49, hardBounces: 49, complaints: 49 }, false, "under 50 sends nothing suspends"],
		[{ sends: 50, hardBounces: 2, complaints: 0 }, true, "2 in 50 is exactly 4.00%"],
		[{ sends: 51, hardBounces: 2, complaints: 0 }, false, "2 in 51 is 3.92%"],
		[{ sends: 10_000, hardBounces: 400, complaints: 0 }, true, "4.00%"],
		[{ sends: 10_000, hardBounces: 399, complaints: 0 }, false, "3.99%"],
		[{ sends: 1_250, hardBounces: 0, complaints: 1 }, true, "1 in 1,250 is exactly 0.08%"],
		[{ sends: 1_249, hardBounces: 0, complaints: 1 }, true, "1 in 1,249 is above 0.08%"],
		[{ sends: 1_251, hardBounces: 0, complaints: 1 }, false, "1 in 1,251 is below 0.08%"],
	])("%o → suspend %s (%s)", (figures, suspend) => {
		expect(judge(figures).suspend).toBe(suspend);
	});

	it("says which rate and the figures", () => {
		const verdict = judge({ sends: 50, hardBounces: 2, complaints: 0 });
		expect(verdict).toEqual({
			suspend: true,
			reason:
				"Bounce rate 4.00% (2 hard bounces in 50 recipients over 7 days) reached the 4% limit.",
		});
	});
});

describe("countsForReputation", () => {
	it("leaves out SES's mailbox simulator, as SES does, and counts everything else", () => {
		expect(countsForReputation("bounce@simulator.amazonses.com")).toBe(false);
		expect(countsForReputation("Bounce+1@Simulator.AmazonSES.com")).toBe(false);
		expect(countsForReputation("bounce@simulator.sendfleet.test")).toBe(true);
		expect(countsForReputation("someone@example.org")).toBe(true);
	});
});
