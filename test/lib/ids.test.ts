import { describe, expect, it } from "vitest";
import { derivedUuidv7, idFloor, randomToken, UUID_PATTERN, uuidv7 } from "../../src/lib/ids.ts";

describe("uuidv7", () => {
	it("is a version 7, variant 10 UUID carrying the time", () => {
		const id = uuidv7(Date.UTC(2026, 10, 26));
		expect(id).toMatch(UUID_PATTERN);
		expect(id[14]).toBe("7");
		expect(["8", "9", "a", "b"]).toContain(id[19]);
		expect(id.slice(0, 13)).toBe(idFloor(Date.UTC(2026, 10, 26)).slice(0, 13));
	});

	it("strictly increases within one millisecond, so a batch keeps its order", () => {
		const now = Date.now() + 10_000;
		const ids = Array.from({ length: 5000 }, () => uuidv7(now));
		expect([...ids].sort()).toEqual(ids);
		expect(new Set(ids).size).toBe(ids.length);
	});

	it("sorts after idFloor of its own time and before idFloor of a later time", () => {
		const t = Date.now() + 20_000;
		const id = uuidv7(t);
		expect(id >= idFloor(t)).toBe(true);
		expect(id < idFloor(t + 1000)).toBe(true);
	});
});

describe("derivedUuidv7", () => {
	it("is a well-formed version 7 UUID for the time, the same for the same key", async () => {
		const at = Date.UTC(2026, 10, 29);
		for (const key of ["a", "notice:verify:u1", "webhook:sns-1:email.sent"]) {
			const id = await derivedUuidv7(at, key);
			expect(id).toMatch(UUID_PATTERN);
			expect(id[14]).toBe("7");
			expect(["8", "9", "a", "b"]).toContain(id[19]);
			expect(id.slice(0, 13)).toBe(idFloor(at).slice(0, 13));
			expect(await derivedUuidv7(at, key)).toBe(id);
		}
		expect(await derivedUuidv7(at, "a")).not.toBe(await derivedUuidv7(at, "b"));
	});
});

describe("randomToken", () => {
	it("has the prefix and 256 bits of base64url randomness", () => {
		const a = randomToken("sf_");
		expect(a).toMatch(/^sf_[A-Za-z0-9_-]{43}$/);
		expect(randomToken("sf_")).not.toBe(a);
	});
});
