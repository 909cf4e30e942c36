import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts } from "../../src/db/schema.ts";
import { api } from "../helpers/api.ts";
import {
	createAccount,
	createApiKey,
	createDomain,
	createSender,
	db,
} from "../helpers/factories.ts";

const email = (from: string, extra: Record<string, unknown> = {}) => ({
	from,
	to: "customer@example.org",
	subject: "Your receipt",
	html: "<p>Thanks!</p>",
	...extra,
});

describe("POST /emails", () => {
	it("accepts a valid email, stores it pending and queued, and returns its id", async () => {
		const { key, from } = await createSender();
		const sent = await api("POST", "/emails", {
			key: key.token,
			body: email(from, {
				to: ["a@example.org", "B <b@example.org>"],
				cc: "c@example.org",
				bcc: ["d@example.org"],
				reply_to: "support@example.org",
				text: "Thanks!",
				headers: { "X-Entity-Ref-ID": "123" },
				tags: [{ name: "category", value: "receipt" }],
			}),
		});
		expect(sent.status).toBe(200);
		expect(sent.json).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), warnings: [] });

		const got = await api("GET", `/emails/${sent.json.id}`, { key: key.token });
		expect(got.status).toBe(200);
		expect(got.json).toMatchObject({
			object: "email",
			id: sent.json.id,
			from,
			to: ["a@example.org", "B <b@example.org>"],
			cc: ["c@example.org"],
			bcc: ["d@example.org"],
			reply_to: ["support@example.org"],
			subject: "Your receipt",
			html: "<p>Thanks!</p>",
			text: "Thanks!",
			headers: { "X-Entity-Ref-ID": "123" },
			tags: [{ name: "category", value: "receipt" }],
			status: "pending",
			last_event: "queued",
			delivered_at: null,
			scheduled_at: null,
		});
		expect(got.json.events).toEqual([
			{ type: "queued", recipient: null, at: got.json.created_at, details: null },
		]);
	});

	it("returns a warning for each deliverability record the domain lacks", async () => {
		const account = await createAccount();
		const domain = await createDomain(account.id, {
			spfStatus: "pending",
			mailFromStatus: "failed",
			dmarcStatus: "not_started",
		});
		const key = await createApiKey(account.id);
		const sent = await api("POST", "/emails", { key: key.token, body: email(`a@${domain.name}`) });
		expect(sent.status).toBe(200);
		const warnings = sent.json.warnings as { code: string; message: string }[];
		expect(warnings.map((w) => w.code)).toEqual([
			"spf_not_verified",
			"mail_from_not_verified",
			"dmarc_not_found",
		]);
		expect(warnings[0]?.message).toContain("v=spf1 include:amazonses.com ~all");
		expect(warnings[1]?.message).toContain(`send.${domain.name}`);
		expect(warnings[2]?.message).toContain(`_dmarc.${domain.name}`);
	});

	it("accepts a sender on a subdomain of a verified domain", async () => {
		const { key, domain } = await createSender();
		const sent = await api("POST", "/emails", {
			key: key.token,
			body: email(`a@mail.${domain.name}`),
		});
		expect(sent.status).toBe(200);
	});

	it("answers 403 domain_not_verified for a domain that is not the account's", async () => {
		const { key } = await createSender();
		const other = await createSender();
		const sent = await api("POST", "/emails", { key: key.token, body: email(other.from) });
		expect(sent.status).toBe(403);
		expect(sent.json).toMatchObject({ statusCode: 403, name: "domain_not_verified" });
		expect(sent.json.message).toContain(other.domain.name);
	});

	it("answers 403 domain_not_verified naming DKIM when only ownership passed", async () => {
		const account = await createAccount();
		const domain = await createDomain(account.id, { dkimStatus: "pending" });
		const key = await createApiKey(account.id);
		const sent = await api("POST", "/emails", { key: key.token, body: email(`a@${domain.name}`) });
		expect(sent.status).toBe(403);
		expect(sent.json.name).toBe("domain_not_verified");
		expect(sent.json.message).toContain("DKIM");
		expect(sent.json.message).not.toContain("ownership");
	});

	it("answers 403 verification_required before approval and plan_required without a paid plan", async () => {
		const unapproved = await createAccount({
			verificationStatus: "pending",
			plan: "free",
			subscriptionStatus: "none",
		});
		const domain = await createDomain(unapproved.id);
		const key = await createApiKey(unapproved.id);
		const first = await api("POST", "/emails", { key: key.token, body: email(`a@${domain.name}`) });
		expect(first.status).toBe(403);
		expect(first.json.name).toBe("verification_required");

		await db()
			.update(accounts)
			.set({ verificationStatus: "approved" })
			.where(eq(accounts.id, unapproved.id));
		const second = await api("POST", "/emails", {
			key: key.token,
			body: email(`a@${domain.name}`),
		});
		expect(second.status).toBe(403);
		expect(second.json.name).toBe("plan_required");

		await db()
			.update(accounts)
			.set({ plan: "growth", subscriptionStatus: "past_due" })
			.where(eq(accounts.id, unapproved.id));
		const third = await api("POST", "/emails", { key: key.token, body: email(`a@${domain.name}`) });
		expect(third.json.name).toBe("plan_required");
		expect(third.json.message).toContain("past due");
	});

	it("answers 403 account_suspended for a suspended account", async () => {
		const { account, key, from } = await createSender();
		await db()
			.update(accounts)
			.set({ suspendedAt: Date.now(), suspensionReason: "bounce rate 5.00% over 7 days" })
			.where(eq(accounts.id, account.id));
		const sent = await api("POST", "/emails", { key: key.token, body: email(from) });
		expect(sent.status).toBe(403);
		expect(sent.json.name).toBe("account_suspended");
		expect(sent.json.message).toContain("bounce rate 5.00%");
	});

	describe("validation: 422 naming the field", () => {
		const cases: [string, (from: string) => unknown, RegExp][] = [
			["a missing from", (f) => ({ ...email(f), from: undefined }), /`from`/],
			[
				"an invalid to address",
				(f) => email(f, { to: ["ok@example.org", "not-an-address"] }),
				/`to\[1\]`.*not-an-address/,
			],
			["a to of the wrong type", (f) => email(f, { to: 42 }), /`to`/],
			["an empty to list", (f) => email(f, { to: [] }), /`to`.*at least one/],
			[
				"an address with a line break",
				(f) => email(f, { to: "a@example.org\r\nBcc: x@evil.test" }),
				/`to`/,
			],
			[
				"a subject with CR/LF",
				(f) => email(f, { subject: "Hi\r\nBcc: x@evil.test" }),
				/`subject`.*line breaks/,
			],
			[
				"a header value with CR/LF",
				(f) => email(f, { headers: { "X-A": "1\nBcc: x@evil.test" } }),
				/`headers.X-A`.*line breaks/,
			],
			["a header name with a colon", (f) => email(f, { headers: { "X:A": "1" } }), /`headers/],
			["a reserved header", (f) => email(f, { headers: { Subject: "other" } }), /own fields/],
			["no body", (f) => ({ ...email(f), html: undefined }), /`html` or `text`/],
			[
				"a bad tag",
				(f) => email(f, { tags: [{ name: "has space", value: "x" }] }),
				/`tags\[0\].name`/,
			],
			[
				"the reserved tag",
				(f) => email(f, { tags: [{ name: "sendfleet_email_id", value: "x" }] }),
				/reserved/,
			],
			["an unknown field", (f) => email(f, { repy_to: "a@example.org" }), /repy_to/],
			[
				"attachments",
				(f) => email(f, { attachments: [{ filename: "a.txt", content: "aGk=" }] }),
				/attachments.*not supported/,
			],
			["an empty subject", (f) => email(f, { subject: "" }), /`subject`/],
			["a from on an IP address", () => email("a@127.0.0.1"), /`from`/],
		];
		for (const [what, body, message] of cases) {
			it(`refuses ${what}`, async () => {
				const { key, from } = await createSender();
				const sent = await api("POST", "/emails", { key: key.token, body: body(from) });
				expect(sent.status).toBe(422);
				expect(sent.json.name).toBe("validation_error");
				expect(sent.json.statusCode).toBe(422);
				expect(sent.json.message).toMatch(message);
			});
		}

		it("refuses 51 recipients and accepts 50", async () => {
			const { key, from } = await createSender();
			const addresses = (n: number) => Array.from({ length: n }, (_, i) => `r${i}@example.org`);
			const tooMany = await api("POST", "/emails", {
				key: key.token,
				body: email(from, { to: addresses(40), cc: addresses(10), bcc: ["x@example.org"] }),
			});
			expect(tooMany.status).toBe(422);
			expect(tooMany.json.message).toContain("at most 50 recipients");
			expect(tooMany.json.message).toContain("has 51");
			const fifty = await api("POST", "/emails", {
				key: key.token,
				body: email(from, { to: addresses(40), cc: addresses(10) }),
			});
			expect(fifty.status).toBe(200);
		});

		it("refuses content over 1 MiB", async () => {
			const { key, from } = await createSender();
			const sent = await api("POST", "/emails", {
				key: key.token,
				body: email(from, { html: "x".repeat(1024 * 1024) }),
			});
			expect(sent.status).toBe(422);
			expect(sent.json.message).toContain("the limit is 1048576 bytes");
		});

		it("answers 413 for a body over 10 MiB", async () => {
			const { key, from } = await createSender();
			const sent = await api("POST", "/emails", {
				key: key.token,
				body: email(from, { html: "x".repeat(11 * 1024 * 1024) }),
			});
			expect(sent.status).toBe(413);
			expect(sent.json.name).toBe("payload_too_large");
		});

		it("refuses malformed JSON", async () => {
			const { key } = await createSender();
			const sent = await api("POST", "/emails", {
				key: key.token,
				rawBody: '{"from": "a@b.com",',
				headers: { "content-type": "application/json" },
			});
			expect(sent.status).toBe(422);
			expect(sent.json.message).toContain("not valid JSON");
		});

		it("refuses a body that is not JSON at all", async () => {
			const { key } = await createSender();
			const sent = await api("POST", "/emails", {
				key: key.token,
				rawBody: "from=a@b.com",
				headers: { "content-type": "application/x-www-form-urlencoded" },
			});
			expect(sent.status).toBe(415);
			expect(sent.json.name).toBe("validation_error");
			expect(sent.json.message).toContain("Content-Type: application/json");
		});
	});
});

describe("authentication", () => {
	it("answers 401 missing_api_key without a key", async () => {
		const sent = await api("POST", "/emails", { body: email("a@example.com") });
		expect(sent.status).toBe(401);
		expect(sent.json).toMatchObject({ statusCode: 401, name: "missing_api_key" });
	});

	it("answers 403 invalid_api_key for an unknown key", async () => {
		const sent = await api("GET", "/emails", { key: "sf_notarealkey" });
		expect(sent.status).toBe(403);
		expect(sent.json.name).toBe("invalid_api_key");
	});

	it("lets a sending_access key send but not read the log", async () => {
		const { account, domain, from } = await createSender();
		const key = await createApiKey(account.id, { permission: "sending_access" });
		const sent = await api("POST", "/emails", { key: key.token, body: email(from) });
		expect(sent.status).toBe(200);
		const list = await api("GET", "/emails", { key: key.token });
		expect(list.status).toBe(401);
		expect(list.json.name).toBe("restricted_api_key");
		expect(domain.id).toBeTruthy();
	});

	it("keeps a domain-restricted key to its own domain", async () => {
		const { account, domain } = await createSender();
		const second = await createDomain(account.id);
		const key = await createApiKey(account.id, {
			permission: "sending_access",
			domainId: domain.id,
		});
		expect(
			(await api("POST", "/emails", { key: key.token, body: email(`a@${domain.name}`) })).status,
		).toBe(200);
		const refused = await api("POST", "/emails", {
			key: key.token,
			body: email(`a@${second.name}`),
		});
		expect(refused.status).toBe(403);
		expect(refused.json.message).toContain(second.name);
	});
});

describe("GET /emails/:id", () => {
	it("answers 404 for another account's email", async () => {
		const owner = await createSender();
		const sent = await api("POST", "/emails", { key: owner.key.token, body: email(owner.from) });
		const stranger = await createSender();
		const got = await api("GET", `/emails/${sent.json.id}`, { key: stranger.key.token });
		expect(got.status).toBe(404);
		expect(got.json.name).toBe("not_found");
	});

	it("answers 422 for an id that is not one", async () => {
		const { key } = await createSender();
		const bad = await api("GET", "/emails/not-an-id", { key: key.token });
		expect(bad.status).toBe(422);
		expect(bad.json.message).toContain("`id`");
	});
});

describe("GET /emails", () => {
	it("pages newest first with after and before cursors", async () => {
		const { key, from } = await createSender();
		const ids: string[] = [];
		for (let i = 0; i < 5; i++) {
			const sent = await api("POST", "/emails", {
				key: key.token,
				body: email(from, { subject: `n${i}` }),
			});
			ids.push(sent.json.id as string);
		}
		const newestFirst = [...ids].reverse();
		const first = await api("GET", "/emails?limit=2", { key: key.token });
		expect(first.json.object).toBe("list");
		expect(first.json.has_more).toBe(true);
		expect((first.json.data as { id: string }[]).map((e) => e.id)).toEqual(newestFirst.slice(0, 2));

		const second = await api("GET", `/emails?limit=2&after=${newestFirst[1]}`, { key: key.token });
		expect((second.json.data as { id: string }[]).map((e) => e.id)).toEqual(
			newestFirst.slice(2, 4),
		);
		expect(second.json.has_more).toBe(true);

		const last = await api("GET", `/emails?limit=2&after=${newestFirst[3]}`, { key: key.token });
		expect((last.json.data as { id: string }[]).map((e) => e.id)).toEqual(newestFirst.slice(4));
		expect(last.json.has_more).toBe(false);

		const back = await api("GET", `/emails?limit=2&before=${newestFirst[2]}`, { key: key.token });
		expect((back.json.data as { id: string }[]).map((e) => e.id)).toEqual(newestFirst.slice(0, 2));
		const item = (first.json.data as Record<string, unknown>[])[0];
		expect(item).not.toHaveProperty("html");
		expect(item).toMatchObject({ object: "email", status: "pending", last_event: "queued" });
	});

	it("lists only the account's own emails", async () => {
		const mine = await createSender();
		const theirs = await createSender();
		await api("POST", "/emails", { key: theirs.key.token, body: email(theirs.from) });
		const list = await api("GET", "/emails", { key: mine.key.token });
		expect(list.json.data).toEqual([]);
	});

	it("refuses bad list parameters", async () => {
		const { key } = await createSender();
		for (const query of [
			"limit=0",
			"limit=101",
			"limit=abc",
			"after=x",
			"after=0192f1a4-7c3e-7d2a-9b1e-3f5a6c7d8e9f&before=0192f1a4-7c3e-7d2a-9b1e-3f5a6c7d8e9f",
		]) {
			const res = await api("GET", `/emails?${query}`, { key: key.token });
			expect(res.status, query).toBe(422);
			expect(res.json.name).toBe("validation_error");
		}
	});
});

describe("POST /emails/batch", () => {
	it("accepts up to 100 emails and returns their ids in order", async () => {
		const { key, from } = await createSender();
		const batch = Array.from({ length: 100 }, (_, i) => email(from, { subject: `n${i}` }));
		const sent = await api("POST", "/emails/batch", { key: key.token, body: batch });
		expect(sent.status).toBe(200);
		const data = sent.json.data as { id: string }[];
		expect(data).toHaveLength(100);
		const got = await api("GET", `/emails/${data[42]?.id}`, { key: key.token });
		expect(got.json.subject).toBe("n42");
	});

	it("refuses 101 emails and an empty batch", async () => {
		const { key, from } = await createSender();
		const tooMany = await api("POST", "/emails/batch", {
			key: key.token,
			body: Array.from({ length: 101 }, () => email(from)),
		});
		expect(tooMany.status).toBe(422);
		expect(tooMany.json.message).toContain("at most 100");
		const empty = await api("POST", "/emails/batch", { key: key.token, body: [] });
		expect(empty.status).toBe(422);
	});

	it("in strict mode stores nothing when one email is invalid, and names it", async () => {
		const { key, from } = await createSender();
		const sent = await api("POST", "/emails/batch", {
			key: key.token,
			body: [email(from), email(from, { to: "nope" })],
		});
		expect(sent.status).toBe(422);
		expect(sent.json.message).toMatch(/`\[1\]\.to`/);
		const list = await api("GET", "/emails", { key: key.token });
		expect(list.json.data).toEqual([]);
	});

	it("in strict mode stores nothing when one sender domain is not verified", async () => {
		const { key, from } = await createSender();
		const sent = await api("POST", "/emails/batch", {
			key: key.token,
			body: [email(from), email("a@unverified.example.net")],
		});
		expect(sent.status).toBe(403);
		expect(sent.json.message).toMatch(/^\[1\]/);
		expect((await api("GET", "/emails", { key: key.token })).json.data).toEqual([]);
	});

	it("in permissive mode accepts the valid emails and lists the others by index", async () => {
		const { key, from } = await createSender();
		const sent = await api("POST", "/emails/batch", {
			key: key.token,
			headers: { "x-batch-validation": "permissive" },
			body: [
				email(from, { to: "bad" }),
				email(from),
				email("a@unverified.example.net"),
				email(from),
			],
		});
		expect(sent.status).toBe(200);
		expect(sent.json.data).toHaveLength(2);
		expect((sent.json.errors as { index: number }[]).map((e) => e.index)).toEqual([0, 2]);
		expect((await api("GET", "/emails", { key: key.token })).json.data).toHaveLength(2);
	});
});

describe("GET /openapi.json", () => {
	it("documents the routes from the same schemas that validate", async () => {
		const doc = await api("GET", "/openapi.json");
		expect(doc.status).toBe(200);
		expect(doc.json.openapi).toBe("3.1.0");
		const paths = doc.json.paths as Record<string, unknown>;
		expect(Object.keys(paths)).toEqual(
			expect.arrayContaining([
				"/emails",
				"/emails/batch",
				"/emails/{id}",
				"/api-keys",
				"/api-keys/{id}",
			]),
		);
		const schemas = (doc.json.components as { schemas: Record<string, unknown> }).schemas;
		expect(schemas).toHaveProperty("SendEmailRequest");
	});
});

describe("unknown routes", () => {
	it("answer 404 in the error shape", async () => {
		const res = await api("GET", "/nope");
		expect(res.status).toBe(404);
		expect(res.json).toMatchObject({ statusCode: 404, name: "not_found" });
		expect(env.DB).toBeDefined();
	});
});
