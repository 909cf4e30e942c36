/**
 * The official `resend` SDK, pointed at SendFleet with `baseUrl`, works unchanged: this drives
 * the real npm package against the Worker (its fetch is routed to the Worker's handler).
 */
import { exports } from "cloudflare:workers";
import { Resend } from "resend";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BASE_URL } from "./helpers/api.ts";
import { byocCustomer, verifiedByocDomain } from "./helpers/byoc.ts";
import { createSender } from "./helpers/factories.ts";
import { installSimulator } from "./helpers/simulator.ts";

const original = globalThis.fetch;
beforeEach(() => {
	globalThis.fetch = (input, init) => {
		const request = new Request(input, init);
		return request.url.startsWith(BASE_URL)
			? exports.default.fetch(request)
			: original(input, init);
	};
});
afterEach(() => {
	globalThis.fetch = original;
});

describe("the resend SDK against SendFleet", () => {
	it("sends, retrieves, batch-sends and creates API keys", async () => {
		const sender = await createSender();
		const resend = new Resend(sender.key.token, { baseUrl: BASE_URL });

		const sent = await resend.emails.send({
			from: sender.from,
			to: ["delivered@example.org"],
			subject: "Hello from the SDK",
			html: "<strong>It works</strong>",
			replyTo: "support@example.org",
			tags: [{ name: "source", value: "sdk" }],
		});
		expect(sent.error).toBeNull();
		const id = sent.data?.id ?? "";
		expect(id).toMatch(/^[0-9a-f-]{36}$/);

		const got = await resend.emails.get(id);
		expect(got.error).toBeNull();
		expect(got.data).toMatchObject({
			object: "email",
			id,
			from: sender.from,
			to: ["delivered@example.org"],
			subject: "Hello from the SDK",
			html: "<strong>It works</strong>",
			reply_to: ["support@example.org"],
			last_event: "queued",
		});

		const batch = await resend.batch.send([
			{ from: sender.from, to: "a@example.org", subject: "One", text: "1" },
			{ from: sender.from, to: "b@example.org", subject: "Two", text: "2" },
		]);
		expect(batch.error).toBeNull();
		expect(batch.data?.data).toHaveLength(2);

		const listed = await resend.emails.list({ limit: 2 });
		expect(listed.data?.data.map((e) => e.id)).toEqual(batch.data?.data.map((e) => e.id).reverse());

		const key = await resend.apiKeys.create({ name: "From the SDK" });
		expect(key.error).toBeNull();
		expect(key.data?.token).toMatch(/^sf_/);
		const removed = await resend.apiKeys.remove(key.data?.id ?? "");
		expect(removed.data).toEqual({ object: "api_key", id: key.data?.id, deleted: true });
	});

	it("surfaces SendFleet's errors in the SDK's error shape", async () => {
		const sender = await createSender();
		const resend = new Resend(sender.key.token, { baseUrl: BASE_URL });
		const refused = await resend.emails.send({
			from: "someone@not-mine.example.net",
			to: "a@example.org",
			subject: "x",
			text: "x",
		});
		expect(refused.data).toBeNull();
		expect(refused.error).toMatchObject({ statusCode: 403, name: "domain_not_verified" });

		const invalid = await resend.emails.send({
			from: sender.from,
			to: "nope",
			subject: "x",
			text: "x",
		});
		expect(invalid.error).toMatchObject({ statusCode: 422, name: "validation_error" });
		expect(invalid.error?.message).toContain("nope");
	});

	it("sends through BYOC unchanged: SES's message id back, nothing to retrieve", async () => {
		const { sim, restore } = installSimulator();
		try {
			const customer = await byocCustomer(sim);
			const domain = await verifiedByocDomain(sim, customer);
			const resend = new Resend(customer.key, { baseUrl: BASE_URL });
			const sent = await resend.emails.send({
				from: domain.from,
				to: "success@simulator.amazonses.com",
				subject: "From my own AWS account",
				html: "<p>BYOC</p>",
			});
			expect(sent.error).toBeNull();
			const id = sent.data?.id ?? "";
			expect(sim.store.listMessages({}).map((m) => m.messageId)).toEqual([id]);
			const batch = await resend.batch.send([
				{ from: domain.from, to: "a@example.org", subject: "One", text: "1" },
				{ from: domain.from, to: "b@example.org", subject: "Two", text: "2" },
			]);
			expect(batch.error).toBeNull();
			expect(batch.data?.data).toHaveLength(2);
			const got = await resend.emails.get(id);
			expect(got.data).toBeNull();
			expect(got.error).toMatchObject({ statusCode: 404, name: "not_found" });
			expect(got.error?.message).toContain("BYOC emails are not stored");
		} finally {
			restore();
		}
	});
});
