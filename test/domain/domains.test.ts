import { describe, expect, it } from "vitest";
import {
	DMARC_VALUE,
	diagnose,
	expectedRecords,
	normalizeDomainName,
	parentDomains,
	SPF_VALUE,
} from "../../src/domain/domains.ts";

describe("normalizeDomainName", () => {
	it.each([
		["acme.com", "acme.com"],
		["  ACME.com. ", "acme.com"],
		["mail.acme.co.uk", "mail.acme.co.uk"],
		["bücher.de", "xn--bcher-kva.de"],
		["xn--bcher-kva.de", "xn--bcher-kva.de"],
		["you.github.io", "you.github.io"],
	])("accepts %j as %j", (input, name) => {
		expect(normalizeDomainName(input)).toEqual({ ok: true, name });
	});

	it.each([
		["com", /public suffix/],
		["co.uk", /public suffix/],
		["github.io", /public suffix/],
		["localhost", /not a valid domain/],
		["127.0.0.1", /not a valid domain|IP/],
		["[::1]", /not a valid domain/],
		[`${"a".repeat(64)}.com`, /not a valid domain/],
		["acme..com", /not a valid domain/],
		["-acme.com", /not a valid domain/],
		["acme.com/path", /not a valid domain/],
		["https://acme.com", /not a valid domain/],
	])("refuses %j", (input, reason) => {
		const result = normalizeDomainName(input);
		expect(result.ok).toBe(false);
		if (!result.ok) expect(result.reason).toMatch(reason);
	});
});

describe("parentDomains", () => {
	it.each([
		["acme.com", []],
		["mail.acme.com", ["acme.com"]],
		["a.b.acme.co.uk", ["b.acme.co.uk", "acme.co.uk"]],
		["x.you.github.io", ["you.github.io"]],
	])("lists the names above %j down to its registrable domain", (name, parents) => {
		expect(parentDomains(name)).toEqual(parents);
	});
});

const domain = {
	name: "acme.com",
	verificationToken: "tok3n+/=",
	dkimTokens: ["aaa", "bbb", "ccc"],
	mailFromDomain: "send.acme.com",
};

describe("expectedRecords", () => {
	it("lists the ownership TXT, three DKIM CNAMEs, SPF, MAIL FROM MX + TXT and DMARC", () => {
		expect(expectedRecords(domain, "eu-west-1").map(({ key, ...r }) => r)).toEqual([
			{
				kind: "ownership",
				record: "Ownership",
				name: "_amazonses.acme.com",
				type: "TXT",
				value: "tok3n+/=",
			},
			{
				kind: "dkim",
				record: "DKIM",
				name: "aaa._domainkey.acme.com",
				type: "CNAME",
				value: "aaa.dkim.amazonses.com",
			},
			{
				kind: "dkim",
				record: "DKIM",
				name: "bbb._domainkey.acme.com",
				type: "CNAME",
				value: "bbb.dkim.amazonses.com",
			},
			{
				kind: "dkim",
				record: "DKIM",
				name: "ccc._domainkey.acme.com",
				type: "CNAME",
				value: "ccc.dkim.amazonses.com",
			},
			{ kind: "spf", record: "SPF", name: "acme.com", type: "TXT", value: SPF_VALUE },
			{
				kind: "mail_from",
				record: "MAIL FROM",
				name: "send.acme.com",
				type: "MX",
				value: "feedback-smtp.eu-west-1.amazonses.com",
				priority: 10,
			},
			{
				kind: "mail_from",
				record: "MAIL FROM",
				name: "send.acme.com",
				type: "TXT",
				value: SPF_VALUE,
			},
			{ kind: "dmarc", record: "DMARC", name: "_dmarc.acme.com", type: "TXT", value: DMARC_VALUE },
		]);
	});
});

describe("diagnose", () => {
	const [ownership, dkim, spf, mx, , dmarc] = expectedRecords(domain, "us-east-1").filter(
		(r) => r.key !== "dkim:bbb" && r.key !== "dkim:ccc",
	);
	const ok = (...values: string[]) => ({ kind: "ok" as const, values });

	it("finds exact matches", () => {
		expect(ownership && diagnose(ownership, ok("other", "tok3n+/=")).state).toBe("found");
		expect(dkim && diagnose(dkim, ok("aaa.dkim.amazonses.com")).state).toBe("found");
		expect(mx && diagnose(mx, ok("10 feedback-smtp.us-east-1.amazonses.com")).state).toBe("found");
	});

	it("accepts an SPF policy that includes amazonses.com among others, and any DMARC policy", () => {
		expect(
			spf &&
				diagnose(
					spf,
					ok(
						"google-site-verification=x",
						"v=spf1 include:_spf.google.com include:amazonses.com -all",
					),
				).state,
		).toBe("found");
		expect(dmarc && diagnose(dmarc, ok("v=DMARC1; p=reject; rua=mailto:d@acme.com")).state).toBe(
			"found",
		);
	});

	it("says missing when nothing relevant is there, and ignores unrelated TXT records", () => {
		const result = spf && diagnose(spf, ok("google-site-verification=x"));
		expect(result).toEqual({
			state: "missing",
			found: [],
			message: expect.stringContaining("No TXT record at acme.com"),
		});
	});

	it("shows the wrong value it found", () => {
		const result = dkim && diagnose(dkim, ok("aaa.dkim.example.net"));
		expect(result?.state).toBe("wrong_value");
		expect(result?.found).toEqual(["aaa.dkim.example.net"]);
		expect(result?.message).toContain('"aaa.dkim.example.net"');
		expect(result?.message).toContain('"aaa.dkim.amazonses.com"');
		const spfWithout = spf && diagnose(spf, ok("v=spf1 include:_spf.google.com ~all"));
		expect(spfWithout?.state).toBe("wrong_value");
	});

	it("flags two SPF records, which break SPF", () => {
		const result = spf && diagnose(spf, ok("v=spf1 include:amazonses.com ~all", "v=spf1 mx ~all"));
		expect(result?.state).toBe("wrong_value");
		expect(result?.message).toContain("merge them");
	});

	it("says could not check when the lookup failed, never missing", () => {
		const result =
			ownership &&
			diagnose(ownership, { kind: "error", message: "the resolver answered HTTP 503" });
		expect(result?.state).toBe("could_not_check");
		expect(result?.message).toContain("HTTP 503");
	});
});
