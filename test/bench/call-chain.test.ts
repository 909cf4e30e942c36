/** The benchmark's count of sequential remote calls on a request's path (scripts/bench/call-chain.ts). */
import { describe, expect, it } from "vitest";
import { longestSequentialChain, pathCalls } from "../../scripts/bench/call-chain.ts";

const call = (kind: string, start: number, end: number) => ({ kind, start, end });

describe("longestSequentialChain", () => {
	it("counts every call when each starts after the previous one ended", () => {
		expect(longestSequentialChain([call("d1", 0, 1), call("do", 2, 3), call("d1", 4, 5)])).toBe(3);
	});

	it("counts calls made together once", () => {
		// Two D1 reads in parallel, then the guard, then a write and a queue send in parallel.
		const calls = [
			call("d1", 0, 3),
			call("d1", 1, 2),
			call("do", 4, 5),
			call("d1", 6, 8),
			call("queue", 7, 9),
		];
		expect(longestSequentialChain(calls)).toBe(3);
	});

	it("finds the longest chain, not the first one", () => {
		// A long call overlapping two short ones in sequence: the two short ones are the chain.
		expect(longestSequentialChain([call("d1", 0, 10), call("d1", 1, 2), call("do", 3, 4)])).toBe(2);
	});

	it("is zero without calls", () => {
		expect(longestSequentialChain([])).toBe(0);
	});
});

describe("pathCalls", () => {
	it("leaves calls started after the response off the path", () => {
		const calls = [call("d1", 0, 1), call("do", 2, 3), call("d1", 5, 6)];
		expect(pathCalls(calls, 4)).toEqual({
			byKind: { d1: 1, do: 1 },
			total: 2,
			sequential: 2,
			afterResponse: 1,
		});
	});
});
