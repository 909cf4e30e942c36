import { describe, expect, it } from "vitest";
import { WriteBehind } from "../../src/durable-objects/write-behind.ts";

describe("WriteBehind", () => {
	it("asks its owner to write once the pending units reach the threshold, and keeps them until cleared", () => {
		const writes: [string, number][][] = [];
		const counts: WriteBehind<string> = new WriteBehind<string>(10, () => {
			writes.push(counts.entries());
			counts.clear();
		});
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
		let full = 0;
		const counts = new WriteBehind<string>(100, () => {
			full += 1;
		});
		counts.add("a", 3);
		expect(counts.take("a", 2)).toBe(0);
		expect(counts.take("a", 5)).toBe(4);
		expect(counts.take("b", 1)).toBe(1);
		expect(counts.isEmpty).toBe(true);
		expect(counts.entries()).toEqual([]);
		expect(full).toBe(0);
	});

	it("keeps the counts pending when the owner's write throws", () => {
		const counts = new WriteBehind<string>(5, () => {
			throw new Error("storage unavailable");
		});
		counts.add("a", 2);
		expect(() => counts.add("a", 3)).toThrow("storage unavailable");
		expect(counts.get("a")).toBe(5);
	});
});
