import { describe, expect, it } from "vitest";
import { WriteBehind } from "../../src/durable-objects/write-behind.ts";

describe("WriteBehind", () => {
	const recorder = () => {
		const writes: [string, number][][] = [];
		return { writes, write: (counts: [string, number][]) => writes.push(counts) };
	};

	it("writes every pending key at once when the pending units reach the threshold", () => {
		const { writes, write } = recorder();
		const counts = new WriteBehind<string>(10, write);
		counts.add("a", 4);
		counts.add("b", 5);
		expect(writes).toEqual([]);
		expect([counts.get("a"), counts.get("b")]).toEqual([4, 5]);
		counts.add("a", 1);
		expect(writes).toEqual([
			[
				["a", 5],
				["b", 5],
			],
		]);
		expect(counts.isEmpty).toBe(true);
	});

	it("takes back from the pending units first and answers what it could not", () => {
		const { writes, write } = recorder();
		const counts = new WriteBehind<string>(100, write);
		counts.add("a", 3);
		expect(counts.take("a", 2)).toBe(0);
		expect(counts.take("a", 5)).toBe(4);
		expect(counts.take("b", 1)).toBe(1);
		expect(counts.isEmpty).toBe(true);
		counts.flush();
		expect(writes).toEqual([]);
	});

	it("keeps the counts pending when the write throws", () => {
		const counts = new WriteBehind<string>(100, () => {
			throw new Error("storage unavailable");
		});
		counts.add("a", 7);
		expect(() => counts.flush()).toThrow("storage unavailable");
		expect(counts.get("a")).toBe(7);
	});
});
