import { describe, expect, it } from "vitest";
import { ENDPOINT, sesHarness } from "./support.ts";

const FORMS_CSP =
	"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

async function withIdentity() {
	const h = sesHarness();
	await h.v2("POST", "/v2/email/identities", { EmailIdentity: "acme.com" });
	return h;
}

/** A form post as a browser sends it from the simulator's page; `undefined` drops a header. */
function formPost(
	path: string,
	form: Record<string, string>,
	overrides: Record<string, string | undefined> = {},
) {
	const headers = new Headers({
		"content-type": "application/x-www-form-urlencoded",
		origin: ENDPOINT,
		"sec-fetch-site": "same-origin",
	});
	for (const [name, value] of Object.entries(overrides)) {
		if (value === undefined) headers.delete(name);
		else headers.set(name, value);
	}
	return new Request(`${ENDPOINT}${path}`, {
		method: "POST",
		headers,
		body: new URLSearchParams(form).toString(),
	});
}

describe("the domains page", () => {
	it("shows each identity's statuses and records, with forms posting back to itself", async () => {
		const { sim } = await withIdentity();
		const view = sim.domains.get("acme.com");
		const response = await sim.fetch(new Request(`${ENDPOINT}/domains`));
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
		expect(response.headers.get("content-security-policy")).toBe(FORMS_CSP);
		const page = await response.text();
		expect(page).toContain("<h2>acme.com</h2>");
		expect(page).toContain('<dt>DKIM</dt><dd><span class="pending">PENDING</span></dd>');
		expect(page).toContain(`<code>${view?.verificationToken}</code>`);
		for (const token of view?.dkimTokens ?? []) {
			expect(page).toContain(`<code>${token}._domainkey.acme.com</code>`);
		}
		expect(page).toContain(
			'<form class="inline" method="post" action="/domains/acme.com/publish"><input type="hidden" name="records" value="dkim"><button type="submit">Publish</button></form>',
		);
		expect(page).toContain(
			'<form class="inline" method="post" action="/domains/acme.com/corrupt"><input type="hidden" name="records" value="all"><button type="submit">Corrupt all</button></form>',
		);
		expect(page).not.toMatch(/<script/i);
	});

	it("is linked from the inbox", async () => {
		const { sim } = sesHarness();
		const inbox = await (await sim.fetch(new Request(`${ENDPOINT}/`))).text();
		expect(inbox).toContain(
			'<nav><a href="/">Inbox</a><a href="/domains">Domains</a><a href="/aws">AWS accounts</a></nav>',
		);
	});

	it("escapes record values, which are free text", async () => {
		const { sim } = await withIdentity();
		sim.dns.set("acme.com", "TXT", ['<script>alert("x")</script>']);
		const page = await (await sim.fetch(new Request(`${ENDPOINT}/domains`))).text();
		expect(page).toContain("<code>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</code>");
		expect(page).not.toMatch(/<script/i);
	});

	it("publishes from a same-origin form post and redirects back", async () => {
		const { sim } = await withIdentity();
		const response = await sim.fetch(formPost("/domains/acme.com/publish", { records: "dkim" }));
		expect(response.status).toBe(303);
		expect(response.headers.get("location")).toBe("/domains");
		expect(sim.domains.get("acme.com")?.status.dkim).toBe("SUCCESS");
		expect(sim.domains.get("acme.com")?.status.ownership).toBe("Pending");

		await sim.fetch(formPost("/domains/acme.com/corrupt", { records: "all" }));
		expect(sim.domains.get("acme.com")?.records.every((r) => r.check === "wrong")).toBe(true);
		await sim.fetch(formPost("/domains/acme.com/remove", { records: "all" }));
		expect(sim.dns.list()).toEqual([]);
	});

	it("switches the resolver's failure mode from a form", async () => {
		const { sim } = sesHarness();
		const response = await sim.fetch(formPost("/dns-failure", { mode: "servfail" }));
		expect(response.status).toBe(303);
		expect(sim.dns.failure()).toBe("servfail");
		const page = await (await sim.fetch(new Request(`${ENDPOINT}/domains`))).text();
		expect(page).toContain('<p class="warn">DNS-over-HTTPS is answering SERVFAIL.');
		await sim.fetch(formPost("/dns-failure", { mode: "none" }));
		expect(sim.dns.failure()).toBe("none");
	});

	it.each([
		["without an Origin", { origin: undefined, "sec-fetch-site": undefined }],
		["from another site", { origin: "https://evil.example", "sec-fetch-site": "cross-site" }],
		["with our Origin but cross-site fetch metadata", { "sec-fetch-site": "cross-site" }],
		["from a look-alike origin", { origin: `${ENDPOINT}.evil.example` }],
		["from another scheme", { origin: "http://ses.simulator.test" }],
	])("refuses a form post %s", async (_label, headers) => {
		const { sim } = await withIdentity();
		const publish = await sim.fetch(
			formPost("/domains/acme.com/publish", { records: "all" }, headers),
		);
		expect(publish.status).toBe(403);
		const fail = await sim.fetch(formPost("/dns-failure", { mode: "unavailable" }, headers));
		expect(fail.status).toBe(403);
		expect(sim.dns.list()).toEqual([]);
		expect(sim.dns.failure()).toBe("none");
	});

	it("accepts a same-origin post from a browser that sends no fetch metadata", async () => {
		const { sim } = await withIdentity();
		const request = formPost("/domains/acme.com/publish", {}, { "sec-fetch-site": undefined });
		expect((await sim.fetch(request)).status).toBe(303);
		expect(sim.domains.get("acme.com")?.status.verifiedForSending).toBe(true);
	});

	it("answers the control's error for an unknown domain, action or body", async () => {
		const { sim } = await withIdentity();
		const unknown = await sim.fetch(formPost("/domains/nope.com/publish", {}));
		expect([unknown.status, await unknown.text()]).toEqual([404, "No SES identity for nope.com."]);
		const action = await sim.fetch(formPost("/domains/acme.com/explode", {}));
		expect(action.status).toBe(404);
		const json = await sim.fetch(
			new Request(`${ENDPOINT}/domains/acme.com/publish`, {
				method: "POST",
				headers: { "content-type": "application/json", origin: ENDPOINT },
				body: "{}",
			}),
		);
		expect(json.status).toBe(415);
		const mode = await sim.fetch(formPost("/dns-failure", { mode: "sometimes" }));
		expect(mode.status).toBe(400);
		expect(sim.dns.list()).toEqual([]);
	});
});
