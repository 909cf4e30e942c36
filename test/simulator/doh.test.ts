import { describe, expect, it } from "vitest";
import type { SesSimulator } from "../../simulator/app.ts";
import { ENDPOINT, newSimulator, sesHarness } from "./support.ts";

const FLAGS = { TC: false, RD: true, RA: true, AD: false, CD: false };

async function query(sim: SesSimulator, params: string, path = "/dns-query") {
	const response = await sim.fetch(new Request(`${ENDPOINT}${path}?${params}`));
	return { response, body: (await response.json()) as unknown };
}

describe("DNS-over-HTTPS (JSON)", () => {
	it("answers a TXT record quoted, as public resolvers do, without SigV4", async () => {
		const sim = newSimulator();
		sim.dns.set("_amazonses.acme.com", "TXT", ["QTKknzFg2J4ygwa+XvHAxUl1hyHoY0gVfZdfjIedHZ0="]);
		const { response, body } = await query(sim, "name=_amazonses.acme.com&type=TXT");
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toBe("application/dns-json");
		expect(body).toEqual({
			Status: 0,
			...FLAGS,
			Question: [{ name: "_amazonses.acme.com", type: 16 }],
			Answer: [
				{
					name: "_amazonses.acme.com",
					type: 16,
					TTL: 300,
					data: '"QTKknzFg2J4ygwa+XvHAxUl1hyHoY0gVfZdfjIedHZ0="',
				},
			],
		});
	});

	it("escapes quotes and backslashes and splits TXT values into 255-byte strings", async () => {
		const sim = newSimulator();
		const long = `v=DKIM1; p=${"A".repeat(300)}`;
		sim.dns.set("acme.com", "TXT", ['say "hi" \\ bye', long]);
		const { body } = await query(sim, "name=acme.com&type=TXT");
		const data = (body as { Answer: { data: string }[] }).Answer.map((a) => a.data);
		expect(data).toEqual([
			'"say \\"hi\\" \\\\ bye"',
			`"${long.slice(0, 255)}" "${long.slice(255)}"`,
		]);
	});

	it("answers CNAME data with a trailing dot, and MX data as priority and host", async () => {
		const sim = newSimulator();
		sim.dns.set("abc._domainkey.acme.com", "CNAME", ["abc.dkim.amazonses.com"]);
		sim.dns.set("send.acme.com", "MX", ["10 feedback-smtp.us-east-1.amazonses.com"]);

		const cname = await query(sim, "name=abc._domainkey.acme.com&type=CNAME");
		expect(cname.body).toEqual({
			Status: 0,
			...FLAGS,
			Question: [{ name: "abc._domainkey.acme.com", type: 5 }],
			Answer: [
				{ name: "abc._domainkey.acme.com", type: 5, TTL: 300, data: "abc.dkim.amazonses.com." },
			],
		});
		const mx = await query(sim, "name=send.acme.com&type=MX");
		expect(mx.body).toEqual({
			Status: 0,
			...FLAGS,
			Question: [{ name: "send.acme.com", type: 15 }],
			Answer: [
				{
					name: "send.acme.com",
					type: 15,
					TTL: 300,
					data: "10 feedback-smtp.us-east-1.amazonses.com.",
				},
			],
		});
	});

	it("follows a CNAME for other types, as a recursive resolver does", async () => {
		const sim = newSimulator();
		sim.dns.set("www.acme.com", "CNAME", ["web.acme.com"]);
		sim.dns.set("web.acme.com", "A", ["192.0.2.7"]);
		sim.dns.set("abc._domainkey.acme.com", "CNAME", ["abc.dkim.amazonses.com"]);

		const chained = await query(sim, "name=www.acme.com&type=A");
		expect((chained.body as { Answer: unknown }).Answer).toEqual([
			{ name: "www.acme.com", type: 5, TTL: 300, data: "web.acme.com." },
			{ name: "web.acme.com", type: 1, TTL: 300, data: "192.0.2.7" },
		]);
		// The target lies outside the simulated DNS: the CNAME alone is the answer.
		const outside = await query(sim, "name=abc._domainkey.acme.com&type=TXT");
		expect(outside.body).toMatchObject({
			Status: 0,
			Answer: [{ name: "abc._domainkey.acme.com", type: 5, data: "abc.dkim.amazonses.com." }],
		});
	});

	it("accepts numeric and lower-case types, upper-case names and a trailing dot", async () => {
		const sim = newSimulator();
		sim.dns.set("acme.com", "TXT", ["v=spf1 include:amazonses.com ~all"]);
		for (const params of ["name=ACME.com.&type=16", "name=acme.com&type=txt"]) {
			const { body } = await query(sim, params);
			expect(body).toEqual({
				Status: 0,
				...FLAGS,
				Question: [{ name: "acme.com", type: 16 }],
				Answer: [
					{ name: "acme.com", type: 16, TTL: 300, data: '"v=spf1 include:amazonses.com ~all"' },
				],
			});
		}
	});

	it("answers NXDOMAIN only when nothing exists at or below the name", async () => {
		const sim = newSimulator();
		sim.dns.set("abc._domainkey.acme.com", "CNAME", ["abc.dkim.amazonses.com"]);
		sim.dns.set("acme.com", "TXT", ["hello"]);

		const nx = await query(sim, "name=nope.acme.com&type=TXT");
		expect(nx.body).toEqual({
			Status: 3,
			...FLAGS,
			Question: [{ name: "nope.acme.com", type: 16 }],
		});
		// The name exists with another type: NOERROR, no Answer.
		const otherType = await query(sim, "name=acme.com&type=MX");
		expect(otherType.body).toEqual({
			Status: 0,
			...FLAGS,
			Question: [{ name: "acme.com", type: 15 }],
		});
		// An empty non-terminal: records exist below it.
		const nonTerminal = await query(sim, "name=_domainkey.acme.com&type=TXT");
		expect(nonTerminal.body).toEqual({
			Status: 0,
			...FLAGS,
			Question: [{ name: "_domainkey.acme.com", type: 16 }],
		});
	});

	it("knows only its own records: a new identity's names do not exist until published", async () => {
		const h = sesHarness();
		await h.v2("POST", "/v2/email/identities", { EmailIdentity: "acme.com" });
		expect((await query(h.sim, "name=_amazonses.acme.com&type=TXT")).body).toMatchObject({
			Status: 3,
		});
		h.sim.dns.publish("acme.com", ["ownership"]);
		const token = h.sim.domains.get("acme.com")?.verificationToken;
		expect((await query(h.sim, "name=_amazonses.acme.com&type=TXT")).body).toMatchObject({
			Status: 0,
			Answer: [{ data: `"${token}"` }],
		});
	});

	it.each([
		["type=TXT", "The name parameter is required."],
		["name=&type=TXT", "The name parameter is required."],
		["name=bad..name&type=TXT", 'Invalid DNS name: "bad..name".'],
		["name=acme.com&type=BOGUS", 'Unknown query type "BOGUS".'],
		["name=acme.com&type=70000", 'Unknown query type "70000".'],
	])("answers 400 for %s", async (params, error) => {
		const sim = newSimulator();
		const { response, body } = await query(sim, params);
		expect(response.status).toBe(400);
		expect(body).toEqual({ error });
	});

	it("answers on Google's /resolve path too, with type A by default", async () => {
		const sim = newSimulator();
		sim.dns.set("acme.com", "A", ["192.0.2.1"]);
		const { body } = await query(sim, "name=acme.com", "/resolve");
		expect(body).toMatchObject({ Status: 0, Answer: [{ type: 1, data: "192.0.2.1" }] });
	});

	it("fails on demand: 503, or SERVFAIL (Status 2), until restored", async () => {
		const sim = newSimulator();
		sim.dns.set("acme.com", "TXT", ["hello"]);

		sim.dns.fail(true);
		expect(sim.dns.failure()).toBe("unavailable");
		const down = await query(sim, "name=acme.com&type=TXT");
		expect(down.response.status).toBe(503);
		expect(down.body).toEqual({ error: "The DNS resolver is unavailable (simulated)." });

		sim.dns.fail("servfail");
		const servfail = await query(sim, "name=acme.com&type=TXT");
		expect(servfail.response.status).toBe(200);
		expect(servfail.body).toEqual({
			Status: 2,
			...FLAGS,
			Question: [{ name: "acme.com", type: 16 }],
		});

		sim.dns.fail(false);
		expect(sim.dns.failure()).toBe("none");
		expect((await query(sim, "name=acme.com&type=TXT")).body).toMatchObject({ Status: 0 });
	});

	it("does not let the resolver's failure change what SES sees", async () => {
		const h = sesHarness();
		await h.v2("POST", "/v2/email/identities", { EmailIdentity: "acme.com" });
		h.sim.dns.publish("acme.com");
		h.sim.dns.fail(true);
		expect((await h.getIdentity("acme.com")).VerificationStatus).toBe("SUCCESS");
	});
});
