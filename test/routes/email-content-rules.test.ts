/**
 * What SES would refuse is refused at acceptance, with a 422 that names the field: custom
 * headers (printable ASCII, SES's lengths and count), and display names that SES could not
 * carry. Accepting them would only fail later, at SES, after the customer was told "accepted".
 */
import { describe, expect, it } from "vitest";
import { formatMailbox, parseMailbox } from "../../src/lib/addresses.ts";
import { api } from "../helpers/api.ts";
import { createSender } from "../helpers/factories.ts";

async function send(extra: Record<string, unknown>) {
	const sender = await createSender();
	return api("POST", "/emails", {
		key: sender.key.token,
		body: { from: sender.from, to: "a@example.org", subject: "Hi", text: "Hi", ...extra },
	});
}

describe("custom headers follow SES's rules", () => {
	it.each([
		["a non-ASCII value", { "X-Note": "café" }, /`headers.X-Note`.*printable ASCII/],
		["a NUL in a value", { "X-Note": "a\u0000b" }, /`headers.X-Note`.*printable ASCII/],
		["a tab in a value", { "X-Note": "a\tb" }, /`headers.X-Note`.*printable ASCII/],
		["a value over 870 characters", { "X-Note": "x".repeat(871) }, /`headers.X-Note`.*870/],
		["an empty value", { "X-Note": "" }, /`headers.X-Note`/],
		["a name over 126 characters", { [`X-${"a".repeat(125)}`]: "1" }, /126/],
		["a non-ASCII name", { "X-Noté": "1" }, /`headers.X-Noté`.*printable ASCII/],
		[
			"more than 15 headers",
			Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`X-H${i}`, "1"])),
			/at most 15/,
		],
	])("answers 422 for %s", async (_, headers, message) => {
		const res = await send({ headers });
		expect(res.status).toBe(422);
		expect(res.json.name).toBe("validation_error");
		expect(res.json.message).toMatch(message);
	});

	it("accepts what SES accepts: 15 headers, 870 printable characters", async () => {
		const headers = Object.fromEntries(
			Array.from({ length: 15 }, (_, i) => [`X-H${i}`, i === 0 ? "~".repeat(870) : "v 1"]),
		);
		expect((await send({ headers })).status).toBe(200);
	});
});

describe("display names", () => {
	it("encodes a long non-ASCII name as RFC 2047 words of at most 75 characters", () => {
		const mailbox = parseMailbox(`${"Ünïcödé ".repeat(20).trim()} <a@example.org>`);
		expect(mailbox).not.toBeNull();
		if (!mailbox) return;
		const formatted = formatMailbox(mailbox);
		const words = formatted.slice(0, formatted.lastIndexOf(" <")).split(" ");
		expect(words.length).toBeGreaterThan(1);
		for (const word of words) {
			expect(word).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
			expect(word.length).toBeLessThanOrEqual(75);
		}
		const decoded = words.flatMap((w) => Array.from(atob(w.slice(10, -2)), (c) => c.charCodeAt(0)));
		expect(new TextDecoder().decode(new Uint8Array(decoded))).toBe(mailbox.name);
	});
});
