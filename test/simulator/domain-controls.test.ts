import { describe, expect, it } from "vitest";
import { DomainControlError } from "../../simulator/domain-controls.ts";
import { ENDPOINT, NOW, sesHarness } from "./support.ts";

const SPF = "v=spf1 include:amazonses.com ~all";
const MX = "10 feedback-smtp.us-east-1.amazonses.com";

async function withIdentity(domain = "acme.com") {
	const h = sesHarness();
	const response = await h.v2("POST", "/v2/email/identities", { EmailIdentity: domain });
	expect(response.status).toBe(200);
	const view = h.sim.domains.get(domain);
	if (view === undefined) throw new Error("identity missing");
	const [t1, t2, t3] = view.dkimTokens as [string, string, string];
	return { ...h, token: view.verificationToken, dkim: [t1, t2, t3] as const };
}

/** Asserts that `action` throws a DomainControlError with this HTTP status and message. */
function expectControlError(action: () => unknown, status: number, message: string): void {
	let thrown: unknown;
	try {
		action();
	} catch (error) {
		thrown = error;
	}
	expect(thrown).toBeInstanceOf(DomainControlError);
	expect({
		status: (thrown as DomainControlError).status,
		message: (thrown as Error).message,
	}).toEqual({ status, message });
}

function control(path: string, body: unknown, init: RequestInit = {}): Request {
	return new Request(`${ENDPOINT}${path}`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: typeof body === "string" ? body : JSON.stringify(body),
		...init,
	});
}

describe("sim.domains", () => {
	it("describes an identity: tokens, the records it needs, what DNS holds, its statuses", async () => {
		const { sim, token, dkim } = await withIdentity();
		const required = (record: string, name: string, type: string, value: string) => ({
			record,
			name,
			type,
			value,
			published: [],
			check: "missing",
		});
		expect(sim.domains.get("acme.com")).toEqual({
			domain: "acme.com",
			createdAt: NOW.toISOString(),
			verificationToken: token,
			dkimTokens: [...dkim],
			mailFromDomain: null,
			behaviorOnMxFailure: "USE_DEFAULT_VALUE",
			configurationSetName: null,
			status: { ownership: "Pending", dkim: "PENDING", mailFrom: null, verifiedForSending: false },
			records: [
				required("ownership", "_amazonses.acme.com", "TXT", token),
				...dkim.map((t) =>
					required("dkim", `${t}._domainkey.acme.com`, "CNAME", `${t}.dkim.amazonses.com`),
				),
				required("spf", "acme.com", "TXT", SPF),
				{
					...required("mail_from", "send.acme.com", "MX", "feedback-smtp.us-east-1.amazonses.com"),
					priority: 10,
				},
				required("mail_from", "send.acme.com", "TXT", SPF),
				required("dmarc", "_dmarc.acme.com", "TXT", "v=DMARC1; p=none;"),
			],
		});
		expect(sim.domains.list().map((d) => d.domain)).toEqual(["acme.com"]);
		expect(sim.domains.get("other.com")).toBeUndefined();
		expect(sim.domains.get("not a name")).toBeUndefined();
	});
});

describe("sim.dns.publish / remove / corrupt", () => {
	it("publishes every record by default, exactly as the instructions say", async () => {
		const { sim, token, dkim } = await withIdentity();
		const view = sim.dns.publish("acme.com");
		expect(view.status).toEqual({
			ownership: "Success",
			dkim: "SUCCESS",
			mailFrom: null,
			verifiedForSending: true,
		});
		expect(view.records.map((r) => r.check)).toEqual(Array(8).fill("ok"));
		expect(sim.dns.list()).toEqual(
			[
				{ name: "_amazonses.acme.com", type: "TXT", values: [token] },
				...dkim.map((t) => ({
					name: `${t}._domainkey.acme.com`,
					type: "CNAME",
					values: [`${t}.dkim.amazonses.com`],
				})),
				{ name: "_dmarc.acme.com", type: "TXT", values: ["v=DMARC1; p=none;"] },
				{ name: "acme.com", type: "TXT", values: [SPF] },
				{ name: "send.acme.com", type: "MX", values: [MX] },
				{ name: "send.acme.com", type: "TXT", values: [SPF] },
			].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.type < b.type ? -1 : 1)),
		);
	});

	it("publishes and removes only the named records", async () => {
		const { sim, dkim } = await withIdentity();
		sim.dns.publish("acme.com", ["dkim", "dmarc"]);
		expect(sim.dns.list().map((r) => r.name)).toEqual(
			[...dkim.map((t) => `${t}._domainkey.acme.com`), "_dmarc.acme.com"].sort(),
		);
		const view = sim.dns.remove("acme.com", ["dmarc"]);
		expect(view.status.dkim).toBe("SUCCESS");
		expect(sim.dns.get("_dmarc.acme.com", "TXT")).toEqual([]);
		expect(sim.dns.list()).toHaveLength(3);
	});

	it("corrupts each record with a realistic mistake that the checks call wrong", async () => {
		const { sim, token, dkim } = await withIdentity();
		const view = sim.dns.corrupt("acme.com");
		expect(view.status).toEqual({
			ownership: "Pending",
			dkim: "PENDING",
			mailFrom: null,
			verifiedForSending: false,
		});
		expect(view.records.map((r) => [r.record, r.check])).toEqual([
			["ownership", "wrong"],
			["dkim", "wrong"],
			["dkim", "wrong"],
			["dkim", "wrong"],
			["spf", "wrong"],
			["mail_from", "wrong"],
			["mail_from", "wrong"],
			["dmarc", "wrong"],
		]);
		const [wrongToken] = sim.dns.get("_amazonses.acme.com", "TXT");
		expect(wrongToken).toMatch(/^[A-Za-z0-9+/]{43}=$/);
		expect(wrongToken).not.toBe(token);
		expect(sim.dns.get(`${dkim[0]}._domainkey.acme.com`, "CNAME")).toEqual([
			`${dkim[0]}.dkim.amazonses.com.acme.com`,
		]);
		expect(sim.dns.get("acme.com", "TXT")).toEqual(["v=spf1 include:_spf.google.com ~all"]);
		expect(sim.dns.get("send.acme.com", "MX")).toEqual([
			"10 feedback-smtp.eu-west-1.amazonses.com",
		]);
		expect(sim.dns.get("send.acme.com", "TXT")).toEqual(["v=spf1 include:_spf.google.com ~all"]);
		expect(sim.dns.get("_dmarc.acme.com", "TXT")).toEqual([SPF]);

		// Publishing repairs every one of them.
		expect(sim.dns.publish("acme.com").records.every((r) => r.check === "ok")).toBe(true);
	});

	it("replaces only the SPF policy where other TXT records share the name", async () => {
		const { sim } = await withIdentity();
		sim.dns.set("acme.com", "TXT", ["google-site-verification=abc", "v=spf1 -all"]);
		sim.dns.publish("acme.com", ["spf"]);
		expect(sim.dns.get("acme.com", "TXT")).toEqual(["google-site-verification=abc", SPF]);
		sim.dns.remove("acme.com", ["spf"]);
		expect(sim.dns.get("acme.com", "TXT")).toEqual(["google-site-verification=abc"]);
		expect(sim.domains.get("acme.com")?.records.find((r) => r.record === "spf")?.check).toBe(
			"missing",
		);
		// A merged SPF policy that includes SES is fine.
		sim.dns.set("acme.com", "TXT", ["v=spf1 include:_spf.google.com include:amazonses.com ~all"]);
		expect(sim.domains.get("acme.com")?.records.find((r) => r.record === "spf")?.check).toBe("ok");
	});

	it("uses the MAIL FROM domain configured in SES", async () => {
		const h = await withIdentity();
		await h.v2("PUT", "/v2/email/identities/acme.com/mail-from", {
			MailFromDomain: "bounce.acme.com",
		});
		const view = h.sim.dns.publish("acme.com", ["mail_from"]);
		expect(view.status.mailFrom).toBe("SUCCESS");
		expect(h.sim.dns.get("bounce.acme.com", "MX")).toEqual([MX]);
		expect(h.sim.dns.get("send.acme.com", "MX")).toEqual([]);
		expect((await h.getIdentity("acme.com")).MailFromAttributes).toEqual({
			MailFromDomain: "bounce.acme.com",
			MailFromDomainStatus: "SUCCESS",
			BehaviorOnMxFailure: "USE_DEFAULT_VALUE",
		});
		h.sim.dns.corrupt("acme.com", ["mail_from"]);
		expect(h.sim.domains.get("acme.com")?.status.mailFrom).toBe("PENDING");
	});

	it("skips DKIM for an identity created with VerifyDomainIdentity, unless asked for it", async () => {
		const h = sesHarness();
		await h.query({ Action: "VerifyDomainIdentity", Domain: "legacy.com" });
		const view = h.sim.dns.publish("legacy.com");
		expect(view.records.map((r) => r.record)).toEqual([
			"ownership",
			"spf",
			"mail_from",
			"mail_from",
			"dmarc",
		]);
		expect(view.status.ownership).toBe("Success");
		expectControlError(
			() => h.sim.dns.publish("legacy.com", ["dkim"]),
			400,
			"legacy.com has no DKIM tokens: it was created with VerifyDomainIdentity, not CreateEmailIdentity.",
		);
	});

	it("refuses an unknown domain or record kind", async () => {
		const { sim } = await withIdentity();
		expectControlError(() => sim.dns.publish("nope.com"), 404, "No SES identity for nope.com.");
		expectControlError(
			() => sim.dns.remove("acme.com", ["spf", "dkmi" as never]),
			400,
			'Unknown record kind "dkmi"; use ownership, dkim, spf, mail_from, dmarc.',
		);
		expectControlError(
			() => sim.dns.corrupt("acme.com", []),
			400,
			"records must be a non-empty list of ownership, dkim, spf, mail_from, dmarc.",
		);
		expect(sim.dns.list()).toEqual([]);
	});
});

describe("sim.dns.set", () => {
	it("normalizes names and values and deletes with an empty list", () => {
		const { sim } = sesHarness();
		expect(sim.dns.set("Send.ACME.com.", "mx", [" 10  Feedback.Example.COM. "])).toEqual({
			name: "send.acme.com",
			type: "MX",
			values: ["10 feedback.example.com"],
		});
		expect(sim.dns.set("acme.com", "TXT", ["a", "a", "b"])?.values).toEqual(["a", "b"]);
		expect(sim.dns.set("acme.com", "TXT", [])).toBeNull();
		expect(sim.dns.get("acme.com", "TXT")).toEqual([]);
		expect(sim.dns.delete("send.acme.com")).toBe(1);
		expect(sim.dns.list()).toEqual([]);
	});

	it.each([
		[["bad name", "TXT", ["x"]], 'Invalid DNS name: "bad name".'],
		[["acme.com", "SOA", ["x"]], "type must be one of A, AAAA, CNAME, MX, NS, TXT."],
		[["acme.com", "A", ["300.1.1.1"]], 'Invalid A record value: "300.1.1.1".'],
		[
			["acme.com", "MX", ["mail.acme.com"]],
			'An MX value is "priority host", e.g. "10 mail.example.com"; got "mail.acme.com".',
		],
		[["www.acme.com", "CNAME", ["a.com", "b.com"]], "A CNAME record set holds exactly one value."],
	])("refuses set(%j)", (args, message) => {
		const { sim } = sesHarness();
		const [name, type, values] = args as [string, string, string[]];
		expectControlError(() => sim.dns.set(name, type, values), 400, message);
	});

	it("keeps a CNAME alone at its name", () => {
		const { sim } = sesHarness();
		sim.dns.set("www.acme.com", "CNAME", ["acme.com"]);
		expectControlError(
			() => sim.dns.set("www.acme.com", "TXT", ["x"]),
			400,
			"A CNAME cannot coexist with other records at www.acme.com.",
		);
		sim.dns.set("api.acme.com", "A", ["192.0.2.1"]);
		expectControlError(
			() => sim.dns.set("api.acme.com", "CNAME", ["acme.com"]),
			400,
			"A CNAME cannot coexist with other records at api.acme.com.",
		);
	});

	it("refuses an unknown failure mode", () => {
		const { sim } = sesHarness();
		expectControlError(
			() => sim.dns.fail("sometimes" as never),
			400,
			"mode must be one of none, servfail, unavailable.",
		);
		expect(sim.dns.failure()).toBe("none");
	});
});

describe("the controls over HTTP", () => {
	it("lists and shows domains", async () => {
		const { sim } = await withIdentity();
		const list = await sim.fetch(new Request(`${ENDPOINT}/_simulator/domains`));
		expect(await list.json()).toEqual({ domains: [sim.domains.get("acme.com")] });
		const one = await sim.fetch(new Request(`${ENDPOINT}/_simulator/domains/acme.com`));
		expect(await one.json()).toEqual(sim.domains.get("acme.com"));
		const missing = await sim.fetch(new Request(`${ENDPOINT}/_simulator/domains/nope.com`));
		expect(missing.status).toBe(404);
		expect(await missing.json()).toEqual({ error: "domain not found" });
	});

	it("publishes, corrupts and removes with JSON posts", async () => {
		const { sim } = await withIdentity();
		const published = await sim.fetch(
			control("/_simulator/domains/acme.com/publish", { records: ["ownership", "dkim"] }),
		);
		expect(published.status).toBe(200);
		expect(((await published.json()) as { status: unknown }).status).toEqual({
			ownership: "Success",
			dkim: "SUCCESS",
			mailFrom: null,
			verifiedForSending: true,
		});
		const corrupted = await sim.fetch(control("/_simulator/domains/acme.com/corrupt", ""));
		expect(((await corrupted.json()) as { status: { dkim: string } }).status.dkim).toBe("PENDING");
		const removed = await sim.fetch(control("/_simulator/domains/acme.com/remove", {}));
		expect(removed.status).toBe(200);
		expect(sim.dns.list()).toEqual([]);
	});

	it("answers the control's error with its status", async () => {
		const { sim } = await withIdentity();
		const unknown = await sim.fetch(control("/_simulator/domains/nope.com/publish", {}));
		expect(unknown.status).toBe(404);
		expect(await unknown.json()).toEqual({ error: "No SES identity for nope.com." });
		const badKind = await sim.fetch(
			control("/_simulator/domains/acme.com/publish", { records: "dkim" }),
		);
		expect(badKind.status).toBe(400);
		expect(await badKind.json()).toEqual({
			error: "records must be a non-empty list of ownership, dkim, spf, mail_from, dmarc.",
		});
		const notJson = await sim.fetch(control("/_simulator/domains/acme.com/publish", "{"));
		expect(notJson.status).toBe(400);
		expect(await notJson.json()).toEqual({ error: "The request body is not valid JSON." });
	});

	it("refuses writes that are not JSON (no cross-site form posts)", async () => {
		const { sim } = await withIdentity();
		for (const request of [
			control("/_simulator/domains/acme.com/publish", "records=dkim", {
				headers: { "content-type": "application/x-www-form-urlencoded" },
			}),
			control("/_simulator/domains/acme.com/corrupt", "{}", {
				headers: { "content-type": "text/plain" },
			}),
			control("/_simulator/dns", '{"name":"acme.com","type":"TXT","values":["x"]}', {
				method: "PUT",
				headers: { "content-type": "text/plain" },
			}),
			control("/_simulator/dns/failure", '{"mode":"servfail"}', {
				method: "PUT",
				headers: { "content-type": "text/plain" },
			}),
		]) {
			const response = await sim.fetch(request);
			expect(response.status).toBe(415);
			expect(await response.json()).toEqual({ error: "Content-Type must be application/json." });
		}
		expect(sim.dns.list()).toEqual([]);
		expect(sim.dns.failure()).toBe("none");
	});

	it("sets, lists and deletes any record, and switches the resolver's failure mode", async () => {
		const { sim } = sesHarness();
		const put = await sim.fetch(
			control(
				"/_simulator/dns",
				{ name: "acme.com", type: "TXT", values: ["v=spf1 -all"] },
				{ method: "PUT" },
			),
		);
		expect(await put.json()).toEqual({
			record: { name: "acme.com", type: "TXT", values: ["v=spf1 -all"] },
		});
		const invalid = await sim.fetch(
			control(
				"/_simulator/dns",
				{ name: "acme.com", type: "MX", values: ["x"] },
				{ method: "PUT" },
			),
		);
		expect(invalid.status).toBe(400);
		const shapeless = await sim.fetch(
			control("/_simulator/dns", { name: "acme.com" }, { method: "PUT" }),
		);
		expect(await shapeless.json()).toEqual({
			error: "Send {name, type, values}: two strings and a list.",
		});

		const failure = await sim.fetch(
			control("/_simulator/dns/failure", { mode: "servfail" }, { method: "PUT" }),
		);
		expect(await failure.json()).toEqual({ failure: "servfail" });

		const listed = await sim.fetch(new Request(`${ENDPOINT}/_simulator/dns`));
		expect(await listed.json()).toEqual({
			records: [{ name: "acme.com", type: "TXT", values: ["v=spf1 -all"] }],
			failure: "servfail",
		});

		const deleted = await sim.fetch(
			new Request(`${ENDPOINT}/_simulator/dns?name=acme.com&type=TXT`, { method: "DELETE" }),
		);
		expect(await deleted.json()).toEqual({ deleted: 1 });
		expect(sim.dns.list()).toEqual([]);
		const nameless = await sim.fetch(
			new Request(`${ENDPOINT}/_simulator/dns`, { method: "DELETE" }),
		);
		expect(nameless.status).toBe(400);
	});
});
