import { describe, expect, it } from "vitest";
import {
	MAX_SCHEDULE_AHEAD_MS,
	MAX_SCHEDULED_AT_LENGTH,
	parseScheduledAt,
} from "../../src/lib/schedule-time.ts";
import { DAY } from "../../src/lib/time.ts";

// Sunday 29 November 2026, 09:00 UTC.
const NOW = Date.UTC(2026, 10, 29, 9, 0, 0);

function at(input: string): string {
	const result = parseScheduledAt(input, NOW);
	if (result.kind !== "ok") throw new Error(`expected ${input} to parse: ${result.message}`);
	return new Date(result.at).toISOString();
}

function refusal(input: string): string {
	const result = parseScheduledAt(input, NOW);
	if (result.kind !== "invalid") throw new Error(`expected ${input} to be refused`);
	return result.message;
}

describe("parseScheduledAt: ISO 8601", () => {
	it("reads a date-time in UTC", () => {
		expect(at("2026-12-01T09:00:00Z")).toBe("2026-12-01T09:00:00.000Z");
		expect(at("2026-12-01T09:00:00.858Z")).toBe("2026-12-01T09:00:00.858Z");
		expect(at("2026-12-01t09:00z")).toBe("2026-12-01T09:00:00.000Z");
		expect(at("2026-12-01 09:00:00Z")).toBe("2026-12-01T09:00:00.000Z");
	});

	it("applies an offset", () => {
		expect(at("2026-12-01T09:00:00+02:00")).toBe("2026-12-01T07:00:00.000Z");
		expect(at("2026-12-01T09:00:00-0530")).toBe("2026-12-01T14:30:00.000Z");
		expect(at("2026-12-01T09:00:00+01")).toBe("2026-12-01T08:00:00.000Z");
	});

	it("keeps milliseconds and drops finer digits", () => {
		expect(at("2026-12-01T09:00:00.123456789Z")).toBe("2026-12-01T09:00:00.123Z");
		expect(at("2026-12-01T09:00:00.5Z")).toBe("2026-12-01T09:00:00.500Z");
	});

	it("refuses a date-time without a zone, saying to add Z or an offset", () => {
		const message = refusal("2026-12-01T09:00:00");
		expect(message).toContain('"2026-12-01T09:00:00"');
		expect(message).toContain("`Z`");
		expect(message).toContain("offset");
	});

	it("refuses a date without a time", () => {
		expect(refusal("2026-12-01")).toMatch(/not an ISO 8601 date-time.*2026-12-01T09:00:00Z/);
	});

	it("refuses dates and times that do not exist", () => {
		for (const input of [
			"2026-02-30T09:00:00Z",
			"2026-13-01T09:00:00Z",
			"2026-12-01T24:00:00Z",
			"2026-12-01T09:60:00Z",
			"2026-12-01T09:00:00+24:00",
		]) {
			expect(refusal(input)).toContain("is not a valid date-time");
		}
	});

	it("refuses trailing text after an ISO date-time", () => {
		expect(refusal("2026-12-01T09:00:00Z please")).toContain("not an ISO 8601 date-time");
	});
});

describe("parseScheduledAt: natural language, as Resend takes it", () => {
	it("reads relative times from now", () => {
		expect(at("in 1 min")).toBe("2026-11-29T09:01:00.000Z");
		expect(at("in 5 minutes")).toBe("2026-11-29T09:05:00.000Z");
		expect(at("in 1 hour")).toBe("2026-11-29T10:00:00.000Z");
		expect(at("in an hour")).toBe("2026-11-29T10:00:00.000Z");
		expect(at("in 2 days")).toBe("2026-12-01T09:00:00.000Z");
		expect(at("in 1 week")).toBe("2026-12-06T09:00:00.000Z");
	});

	it("ignores case and surrounding spaces", () => {
		expect(at("  IN 1 MIN  ")).toBe("2026-11-29T09:01:00.000Z");
	});

	it("reads a named zone", () => {
		expect(at("tomorrow at 9am UTC")).toBe("2026-11-30T09:00:00.000Z");
		expect(at("next monday at 10am EST")).toBe("2026-11-30T15:00:00.000Z");
		expect(at("Friday at 3pm ET")).toBe("2026-12-04T20:00:00.000Z");
	});

	it("reads text naming no zone in UTC", () => {
		expect(at("tomorrow at 9:30am")).toBe("2026-11-30T09:30:00.000Z");
		expect(at("today at 5pm")).toBe("2026-11-29T17:00:00.000Z");
	});

	it("takes a weekday as the coming one", () => {
		expect(at("friday at 10am")).toBe("2026-12-04T10:00:00.000Z");
	});

	it("reads a date Resend's SDK users write by hand", () => {
		expect(at("Dec 1 at 9am")).toBe("2026-12-01T09:00:00.000Z");
	});

	it("refuses text it cannot read, with examples of what it takes", () => {
		const message = refusal("banana");
		expect(message).toContain('"banana"');
		expect(message).toContain("ISO 8601");
		expect(message).toContain('"in 1 hour"');
		expect(refusal("")).toContain('""');
	});

	it("refuses text that is only partly a date rather than half-reading it", () => {
		expect(refusal("hello in 5 minutes")).toContain("is neither");
		expect(refusal("in 5 minutes please")).toContain("is neither");
		expect(refusal("in -5 minutes")).toContain("is neither");
	});

	it("refuses text longer than the limit, naming it", () => {
		const message = refusal(`in 1 min${" ".repeat(20)}${"x".repeat(MAX_SCHEDULED_AT_LENGTH)}`);
		expect(message).toBe(`\`scheduled_at\` must be at most ${MAX_SCHEDULED_AT_LENGTH} characters.`);
	});
});

describe("parseScheduledAt: the window", () => {
	it("refuses a time in the past, saying when it is", () => {
		expect(refusal("yesterday")).toBe(
			'`scheduled_at` must not be in the past; "yesterday" is 2026-11-28T09:00:00.000Z.',
		);
		expect(refusal("5 minutes ago")).toContain("must not be in the past");
		expect(refusal("2026-11-29T08:58:59Z")).toContain("must not be in the past");
	});

	it("takes a time up to 60 s in the past as now (clock skew)", () => {
		expect(parseScheduledAt("2026-11-29T08:59:00Z", NOW)).toEqual({ kind: "ok", at: NOW });
		expect(parseScheduledAt("now", NOW)).toEqual({ kind: "ok", at: NOW });
		expect(parseScheduledAt("2026-11-29T08:58:59.999Z", NOW).kind).toBe("invalid");
	});

	it("accepts exactly 30 days ahead", () => {
		expect(MAX_SCHEDULE_AHEAD_MS).toBe(30 * DAY);
		expect(at("in 30 days")).toBe("2026-12-29T09:00:00.000Z");
		expect(at("2026-12-29T09:00:00Z")).toBe("2026-12-29T09:00:00.000Z");
	});

	it("refuses more than 30 days ahead, saying when it is", () => {
		expect(refusal("in 45 days")).toBe(
			'`scheduled_at` must be at most 30 days ahead; "in 45 days" is 2027-01-13T09:00:00.000Z.',
		);
		expect(refusal("2026-12-29T09:00:00.001Z")).toContain("must be at most 30 days ahead");
	});

	it("measures both limits from the given now", () => {
		const later = NOW + 40 * DAY;
		expect(parseScheduledAt("in 45 days", later).kind).toBe("invalid");
		expect(parseScheduledAt("2027-01-13T09:00:00Z", later)).toEqual({
			kind: "ok",
			at: Date.UTC(2027, 0, 13, 9),
		});
	});
});
