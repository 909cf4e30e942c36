import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import type { InferRequestType } from "hono/client";
import { describe, expect, it } from "vitest";
import { accounts } from "../../src/db/schema.ts";
import { api } from "../helpers/api.ts";
import { client, expectJson } from "../helpers/client.ts";
import { runCommonRouteTests } from "../helpers/common-route-tests.ts";
import {
	createAccount,
	createApiKey,
	createDomain,
	createQueuedEmail,
	createSender,
	db,
} from "../helpers/factories.ts";
import { readOpenApi } from "../helpers/openapi.ts";

type Email = InferRequestType<ReturnType<typeof client>["emails"]["$post"]>["json"];

const email = (from: string, extra: Partial<Email> = {}): Email => ({
	from,
	to: "customer@example.org",
	subject: "Your receipt",
	html: "<p>Thanks!</p>",
	...extra,
});

/** `POST /emails` with a key, typed. */
const send = (key: string, body: Email) => client(key).emails.$post({ json: body, header: {} });
/** `POST /emails/batch` with a key, typed. */
const sendBatch = (key: string, body: Email[], mode?: "strict" | "permissive") =>
	client(key).emails.batch.$post({
		json: body,
		header: mode ? { "x-batch-validation": mode } : {},
	});
/** A page of `GET /emails`, newest first. */
const listed = async (
	key: string,
	query: { limit?: number; after?: string; before?: string } = {},
) => expectJson(client(key).emails.$get({ query }), 200);

describe("POST /emails", () => {
	it("accepts a valid email, stores it pending and queued, and returns its id", async () => {
		const { key, from } = await createSender();
		const sent = await expectJson(
			send(
				key.token,
				email(from, {
					to: ["a@example.org", "B <b@example.org>"],
					cc: "c@example.org",
					bcc: ["d@example.org"],
					reply_to: "support@example.org",
					text: "Thanks!",
					headers: { "X-Entity-Ref-ID": "123" },
					tags: [{ name: "category", value: "receipt" }],
				}),
			),
			200,
		);
		expect(sent).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), warnings: [] });

		const got = await expectJson(
			client(key.token).emails[":id"].$get({ param: { id: sent.id } }),
			200,
		);
		expect(got).toMatchObject({
			object: "email",
			id: sent.id,
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
		expect(got.events).toEqual([
			{ type: "queued", recipient: null, at: got.created_at, details: null },
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
		const { warnings } = await expectJson(send(key.token, email(`a@${domain.name}`)), 200);
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
		await expectJson(send(key.token, email(`a@mail.${domain.name}`)), 200);
	});

	it("answers 403 domain_not_verified for a domain that is not the account's", async () => {
		const { key } = await createSender();
		const other = await createSender();
		const sent = await expectJson(send(key.token, email(other.from)), 403);
		expect(sent).toMatchObject({ statusCode: 403, name: "domain_not_verified" });
		expect(sent.message).toContain(other.domain.name);
	});

	it("answers 403 domain_not_verified naming DKIM when only ownership passed", async () => {
		const account = await createAccount();
		const domain = await createDomain(account.id, { dkimStatus: "pending" });
		const key = await createApiKey(account.id);
		const sent = await expectJson(send(key.token, email(`a@${domain.name}`)), 403);
		expect(sent.name).toBe("domain_not_verified");
		expect(sent.message).toContain("DKIM");
		expect(sent.message).not.toContain("ownership");
	});

	it("answers 403 verification_required before approval and plan_required without a paid plan", async () => {
		const unapproved = await createAccount({
			verificationStatus: "pending",
			plan: "free",
			subscriptionStatus: "none",
		});
		const domain = await createDomain(unapproved.id);
		const key = await createApiKey(unapproved.id);
		const first = await expectJson(send(key.token, email(`a@${domain.name}`)), 403);
		expect(first.name).toBe("verification_required");

		await db()
			.update(accounts)
			.set({ verificationStatus: "approved" })
			.where(eq(accounts.id, unapproved.id));
		const second = await expectJson(send(key.token, email(`a@${domain.name}`)), 403);
		expect(second.name).toBe("plan_required");

		await db()
			.update(accounts)
			.set({ plan: "growth", subscriptionStatus: "past_due" })
			.where(eq(accounts.id, unapproved.id));
		const third = await expectJson(send(key.token, email(`a@${domain.name}`)), 403);
		expect(third.name).toBe("plan_required");
		expect(third.message).toContain("past due");
	});

	it("answers 403 account_suspended for a suspended account", async () => {
		const { account, key, from } = await createSender();
		await db()
			.update(accounts)
			.set({ suspendedAt: Date.now(), suspensionReason: "bounce rate 5.00% over 7 days" })
			.where(eq(accounts.id, account.id));
		const sent = await expectJson(send(key.token, email(from)), 403);
		expect(sent.name).toBe("account_suspended");
		expect(sent.message).toContain("bounce rate 5.00%");
	});

	describe("validation: 422 naming the field", () => {
		// Bodies the request type forbids, so they are sent untyped on purpose.
		const loose = (from: string, extra: Record<string, unknown> = {}) => ({
			...email(from),
			...extra,
		});
		const cases: [string, (from: string) => unknown, RegExp][] = [
			["a missing from", (f) => loose(f, { from: undefined }), /`from`/],
			[
				"an invalid to address",
				(f) => email(f, { to: ["ok@example.org", "not-an-address"] }),
				/`to\[1\]`.*not-an-address/,
			],
			["a to of the wrong type", (f) => loose(f, { to: 42 }), /`to`/],
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
			["no body", (f) => loose(f, { html: undefined }), /`html` or `text`/],
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
			["an unknown field", (f) => loose(f, { repy_to: "a@example.org" }), /repy_to/],
			[
				"an attachment with both content and path",
				(f) =>
					loose(f, {
						attachments: [
							{ filename: "a.txt", content: "aGk=", path: "https://example.com/a.txt" },
						],
					}),
				/`attachments\[0\]`.*either `content`/,
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
			const tooMany = await expectJson(
				send(
					key.token,
					email(from, { to: addresses(40), cc: addresses(10), bcc: ["x@example.org"] }),
				),
				422,
			);
			expect(tooMany.message).toContain("at most 50 recipients");
			expect(tooMany.message).toContain("has 51");
			await expectJson(send(key.token, email(from, { to: addresses(40), cc: addresses(10) })), 200);
		});

		it("refuses content over 1 MiB", async () => {
			const { key, from } = await createSender();
			const sent = await expectJson(
				send(key.token, email(from, { html: "x".repeat(1024 * 1024) })),
				422,
			);
			expect(sent.message).toContain("the limit is 1048576 bytes");
		});

		it("answers 413 for a body over 45 MiB", async () => {
			const { key, from } = await createSender();
			const sent = await expectJson(
				send(key.token, email(from, { html: "x".repeat(46 * 1024 * 1024) })),
				413,
			);
			expect(sent.name).toBe("payload_too_large");
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
			// One name, one status: a 415 is `unsupported_media_type` (ERROR_STATUS).
			expect(sent.json.name).toBe("unsupported_media_type");
			expect(sent.json.message).toContain("Content-Type: application/json");
		});
	});
});

describe("authentication", () => {
	it("answers 401 missing_api_key without a key", async () => {
		const sent = await expectJson(
			client().emails.$post({ json: email("a@example.com"), header: {} }),
			401,
		);
		expect(sent).toMatchObject({ statusCode: 401, name: "missing_api_key" });
	});

	it("answers 403 invalid_api_key for an unknown key", async () => {
		const sent = await expectJson(client("sf_notarealkey").emails.$get({ query: {} }), 403);
		expect(sent.name).toBe("invalid_api_key");
	});

	it("lets a sending_access key send but not read the log", async () => {
		const { account, from } = await createSender();
		const key = await createApiKey(account.id, { permission: "sending_access" });
		await expectJson(send(key.token, email(from)), 200);
		const list = await expectJson(client(key.token).emails.$get({ query: {} }), 401);
		expect(list.name).toBe("restricted_api_key");
	});

	it("keeps a domain-restricted key to its own domain", async () => {
		const { account, domain } = await createSender();
		const second = await createDomain(account.id);
		const key = await createApiKey(account.id, {
			permission: "sending_access",
			domainId: domain.id,
		});
		await expectJson(send(key.token, email(`a@${domain.name}`)), 200);
		const refused = await expectJson(send(key.token, email(`a@${second.name}`)), 403);
		expect(refused.message).toContain(second.name);
	});
});

describe("GET /emails/:id", () => {
	it("answers 404 for another account's email", async () => {
		const owner = await createSender();
		const sent = await expectJson(send(owner.key.token, email(owner.from)), 200);
		const stranger = await createSender();
		const got = await expectJson(
			client(stranger.key.token).emails[":id"].$get({ param: { id: sent.id } }),
			404,
		);
		expect(got.name).toBe("not_found");
	});

	it("answers 422 for an id that is not one", async () => {
		const { key } = await createSender();
		const bad = await expectJson(
			client(key.token).emails[":id"].$get({ param: { id: "not-an-id" } }),
			422,
		);
		expect(bad.message).toContain("`id`");
	});
});

describe("GET /emails", () => {
	it("pages newest first with after and before cursors", async () => {
		const { key, from } = await createSender();
		const ids: string[] = [];
		for (let i = 0; i < 5; i++) {
			ids.push((await expectJson(send(key.token, email(from, { subject: `n${i}` })), 200)).id);
		}
		const newestFirst = [...ids].reverse();
		const first = await listed(key.token, { limit: 2 });
		expect(first.object).toBe("list");
		expect(first.has_more).toBe(true);
		expect(first.data.map((e) => e.id)).toEqual(newestFirst.slice(0, 2));

		const second = await listed(key.token, { limit: 2, after: newestFirst[1] });
		expect(second.data.map((e) => e.id)).toEqual(newestFirst.slice(2, 4));
		expect(second.has_more).toBe(true);

		const last = await listed(key.token, { limit: 2, after: newestFirst[3] });
		expect(last.data.map((e) => e.id)).toEqual(newestFirst.slice(4));
		expect(last.has_more).toBe(false);

		const back = await listed(key.token, { limit: 2, before: newestFirst[2] });
		expect(back.data.map((e) => e.id)).toEqual(newestFirst.slice(0, 2));
		const item = first.data[0];
		expect(item).not.toHaveProperty("html");
		expect(item).toMatchObject({ object: "email", status: "pending", last_event: "queued" });
	});

	it("lists only the account's own emails", async () => {
		const mine = await createSender();
		const theirs = await createSender();
		await expectJson(send(theirs.key.token, email(theirs.from)), 200);
		expect((await listed(mine.key.token)).data).toEqual([]);
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
		const { data } = await expectJson(sendBatch(key.token, batch), 200);
		expect(data).toHaveLength(100);
		const got = await expectJson(
			client(key.token).emails[":id"].$get({ param: { id: data[42]?.id ?? "" } }),
			200,
		);
		expect(got.subject).toBe("n42");
	});

	it("refuses 101 emails and an empty batch", async () => {
		const { key, from } = await createSender();
		const tooMany = await expectJson(
			sendBatch(
				key.token,
				Array.from({ length: 101 }, () => email(from)),
			),
			422,
		);
		expect(tooMany.message).toContain("at most 100");
		await expectJson(sendBatch(key.token, []), 422);
	});

	it("in strict mode stores nothing when one email is invalid, and names it", async () => {
		const { key, from } = await createSender();
		const sent = await expectJson(
			sendBatch(key.token, [email(from), email(from, { to: "nope" })]),
			422,
		);
		expect(sent.message).toMatch(/`\[1\]\.to`/);
		expect((await listed(key.token)).data).toEqual([]);
	});

	it("in strict mode stores nothing when one sender domain is not verified", async () => {
		const { key, from } = await createSender();
		const sent = await expectJson(
			sendBatch(key.token, [email(from), email("a@unverified.example.net")]),
			403,
		);
		expect(sent.message).toMatch(/^\[1\]/);
		expect((await listed(key.token)).data).toEqual([]);
	});

	it("in permissive mode accepts the valid emails and lists the others by index", async () => {
		const { key, from } = await createSender();
		const sent = await expectJson(
			sendBatch(
				key.token,
				[email(from, { to: "bad" }), email(from), email("a@unverified.example.net"), email(from)],
				"permissive",
			),
			200,
		);
		expect(sent.data).toHaveLength(2);
		expect(sent.errors?.map((e) => e.index)).toEqual([0, 2]);
		expect((await listed(key.token)).data).toHaveLength(2);
	});
});

describe("GET /openapi.json", () => {
	it("documents the routes from the same schemas that validate", async () => {
		const doc = await readOpenApi();
		expect(doc.openapi).toBe("3.1.0");
		expect(Object.keys(doc.paths)).toEqual(
			expect.arrayContaining([
				"/emails",
				"/emails/batch",
				"/emails/{id}",
				"/api-keys",
				"/api-keys/{id}",
			]),
		);
		expect(doc.components.schemas).toHaveProperty("SendEmailRequest");
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

runCommonRouteTests("/emails", [
	{
		method: "POST",
		path: "/emails",
		access: "sending_access",
		body: (owner) => email(owner.from),
	},
	{
		method: "POST",
		path: "/emails/batch",
		access: "sending_access",
		body: (owner) => [email(owner.from)],
	},
	{ method: "GET", path: "/emails", access: "full_access" },
	{
		method: "GET",
		path: "/emails/{id}",
		access: "full_access",
		resource: async (owner) => (await createQueuedEmail(owner)).id,
	},
	{
		method: "GET",
		path: "/emails/{id}/attachments",
		access: "full_access",
		resource: async (owner) => (await createQueuedEmail(owner)).id,
	},
	{
		method: "GET",
		path: "/emails/{id}/attachments/{attachment_id}",
		access: "full_access",
		resource: async (owner) => {
			const attachments = [{ filename: "a.txt", content: "aGk=" }];
			const sent = await expectJson(send(owner.key.token, email(owner.from, { attachments })), 200);
			const listed = await api("GET", `/emails/${sent.id}/attachments`, { key: owner.key.token });
			return [sent.id, (listed.json.data as { id: string }[])[0]?.id ?? ""];
		},
	},
	{
		method: "PATCH",
		path: "/emails/{id}",
		access: "full_access",
		resource: async (owner) => (await createScheduledEmail(owner)).id,
		body: () => ({ scheduled_at: "in 2 hours" }),
	},
	{
		method: "POST",
		path: "/emails/{id}/cancel",
		access: "full_access",
		resource: async (owner) => (await createScheduledEmail(owner)).id,
	},
]);

/** A scheduled email an hour ahead, stored directly. */
const createScheduledEmail = (owner: Parameters<typeof createQueuedEmail>[0]) =>
	createQueuedEmail(owner, { lastEvent: "scheduled", scheduledAt: Date.now() + 3600_000 });
