import { describe, expect, it } from "vitest";
import { formatMailbox, parseMailbox, toAsciiDomain } from "../../src/lib/addresses.ts";

describe("parseMailbox", () => {
	it.each([
		["a@example.com", { name: null, address: "a@example.com", domain: "example.com" }],
		["Acme <hello@Acme.COM>", { name: "Acme", address: "hello@acme.com", domain: "acme.com" }],
		[
			'"Acme, Inc." <a@acme.com>',
			{ name: "Acme, Inc.", address: "a@acme.com", domain: "acme.com" },
		],
		["<a@acme.com>", { name: null, address: "a@acme.com", domain: "acme.com" }],
		[
			"a+tag@mail.acme.co.uk",
			{ name: null, address: "a+tag@mail.acme.co.uk", domain: "mail.acme.co.uk" },
		],
		["u@bücher.de", { name: null, address: "u@xn--bcher-kva.de", domain: "xn--bcher-kva.de" }],
	])("parses %s", (input, expected) => {
		expect(parseMailbox(input)).toEqual(expected);
	});

	it.each([
		"",
		"plain",
		"a@b",
		"a@localhost",
		"a@127.0.0.1",
		"a@[127.0.0.1]",
		"a..b@example.com",
		".a@example.com",
		"a@-example.com",
		"a@example.com\r\nBcc: x@evil.test",
		"Name <a@example.com> extra",
		"A <b@example.com>, C <d@example.com>",
		"José@example.com",
		`${"a".repeat(65)}@example.com`,
		`a@${"b".repeat(64)}.com`,
		"a@example.com/path",
	])("refuses %j", (input) => {
		expect(parseMailbox(input)).toBeNull();
	});
});

describe("toAsciiDomain", () => {
	it("returns punycode for IDNs and refuses non-hostnames", () => {
		expect(toAsciiDomain("Bücher.DE")).toBe("xn--bcher-kva.de");
		expect(toAsciiDomain("0x7f.1")).toBeNull();
		expect(toAsciiDomain("acme.com.")).toBeNull();
		expect(toAsciiDomain("acme")).toBeNull();
	});
});

describe("formatMailbox", () => {
	it("quotes specials and encodes non-ASCII names as RFC 2047 encoded-words", () => {
		expect(formatMailbox({ name: null, address: "a@b.com", domain: "b.com" })).toBe("a@b.com");
		expect(formatMailbox({ name: "Acme", address: "a@b.com", domain: "b.com" })).toBe(
			"Acme <a@b.com>",
		);
		expect(formatMailbox({ name: "Acme, Inc.", address: "a@b.com", domain: "b.com" })).toBe(
			'"Acme, Inc." <a@b.com>',
		);
		expect(formatMailbox({ name: "Zoë", address: "a@b.com", domain: "b.com" })).toBe(
			"=?UTF-8?B?Wm/Dqw==?= <a@b.com>",
		);
	});
});
