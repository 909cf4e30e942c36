/** The lifecycle phase's recipients (scripts/bench/lifecycle-mix.ts): shares and addresses. */
import { describe, expect, it } from "vitest";
import {
	lifecycleMix,
	lifecycleOutcome,
	lifecycleRecipient,
} from "../../scripts/bench/lifecycle-mix.ts";

describe("lifecycleMix", () => {
	it("has 2% bounces and 0.05% complaints in 2,000 emails", () => {
		expect(lifecycleMix(2000)).toEqual({
			delivery: 1959,
			bounce: 40,
			complaint: 1,
			notifications: 2001,
		});
	});

	it("never starts with a bounce or a complaint", () => {
		expect(lifecycleOutcome(0)).toBe("delivery");
	});
});

describe("lifecycleRecipient", () => {
	it("sends bounces and complaints to SES's mailbox simulator, each address unique", () => {
		expect(lifecycleRecipient("lc", 25)).toBe("bounce+lc-25@simulator.amazonses.com");
		expect(lifecycleRecipient("lc", 1000)).toBe("complaint+lc-1000@simulator.amazonses.com");
		expect(lifecycleRecipient("lc", 1)).toBe("lc-1@example.org");
	});
});
