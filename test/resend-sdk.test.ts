/**
 * The official `resend` SDK, pointed at SendFleet with `baseUrl`, works unchanged: this drives
 * the real npm package against the Worker (its fetch is routed to the Worker's handler).
 */
import { exports } from "cloudflare:workers";
import { Resend } from "resend";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fileBytes } from "../simulator/routes/files.ts";
import { BASE_URL } from "./helpers/api.ts";
import { byocCustomer, verifiedByocDomain } from "./helpers/byoc.ts";
import { createSender } from "./helpers/factories.ts";
import { installSimulator, simulatorUrl } from "./helpers/simulator.ts";

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

	it("sends attachments (content, path, inline), lists and downloads them, batch-sends them", async () => {
		const { sim, restore } = installSimulator();
		try {
			const sender = await createSender();
			const resend = new Resend(sender.key.token, { baseUrl: BASE_URL });
			const invoice = new TextEncoder().encode("Invoice #1: 42 EUR");
			const to = `attachments-${Date.now()}@example.org`;
			const sent = await resend.emails.send({
				from: sender.from,
				to,
				subject: "Your invoice",
				html: '<p><img src="cid:logo"> Thanks!</p>',
				attachments: [
					{ filename: "invoice.txt", content: invoice },
					{ path: simulatorUrl("/files/bytes/report.pdf?size=2048") },
					{ path: simulatorUrl("/files/logo.png"), filename: "logo.png", contentId: "logo" },
				],
			});
			expect(sent.error).toBeNull();
			const id = sent.data?.id ?? "";

			const arrived = await vi.waitFor(() => {
				const [message] = sim.store.listMessages({ to });
				if (!message) throw new Error("not sent yet");
				return message;
			}, 10_000);
			expect(
				arrived.attachments.map((a) => [a.filename, a.contentType, a.disposition, a.contentId]),
			).toEqual([
				["invoice.txt", "text/plain", "ATTACHMENT", null],
				["report.pdf", "application/pdf", "ATTACHMENT", null],
				["logo.png", "image/png", "INLINE", "logo"],
			]);
			expect(new TextDecoder().decode(arrived.attachments[0]?.content)).toBe("Invoice #1: 42 EUR");
			expect(arrived.attachments[1]?.content).toEqual(fileBytes(0, 2048));

			const listed = await resend.emails.attachments.list({ emailId: id });
			expect(listed.error).toBeNull();
			expect(listed.data?.data.map((a) => [a.filename, a.size, a.content_disposition])).toEqual([
				["invoice.txt", invoice.length, "attachment"],
				["report.pdf", 2048, "attachment"],
				["logo.png", arrived.attachments[2]?.size, "inline"],
			]);
			const one = await resend.emails.attachments.get({
				emailId: id,
				id: listed.data?.data[1]?.id ?? "",
			});
			expect(one.data).toMatchObject({ object: "attachment", filename: "report.pdf" });
			const download = await fetch(one.data?.download_url ?? "");
			expect(download.status).toBe(200);
			expect(download.headers.get("content-type")).toBe("application/pdf");
			expect(new Uint8Array(await download.arrayBuffer())).toEqual(fileBytes(0, 2048));

			// The SDK's batch type leaves attachments out (Resend refuses them); SendFleet takes them.
			const withFile = (n: number) => ({
				from: sender.from,
				to: `batch-${n}-${to}`,
				subject: `Ticket ${n}`,
				text: "Your ticket is attached.",
				attachments: [{ filename: `ticket-${n}.txt`, content: btoa(`Ticket ${n}`) }],
			});
			const batch = await resend.batch.send([withFile(1), withFile(2)] as never);
			expect(batch.error, JSON.stringify(batch.error)).toBeNull();
			for (const n of [1, 2]) {
				const message = await vi.waitFor(() => {
					const [m] = sim.store.listMessages({ to: `batch-${n}-${to}` });
					if (!m) throw new Error("not sent yet");
					return m;
				}, 10_000);
				expect(new TextDecoder().decode(message.attachments[0]?.content)).toBe(`Ticket ${n}`);
			}
		} finally {
			restore();
		}
	});

	it("schedules, reschedules and cancels an email", async () => {
		const sender = await createSender();
		const resend = new Resend(sender.key.token, { baseUrl: BASE_URL });
		const before = Date.now();
		const sent = await resend.emails.send({
			from: sender.from,
			to: "later@example.org",
			subject: "Reminder",
			text: "See you tomorrow",
			scheduledAt: "in 1 hour",
		});
		expect(sent.error).toBeNull();
		const id = sent.data?.id ?? "";
		const got = await resend.emails.get(id);
		expect(got.data?.last_event).toBe("scheduled");
		const due = Date.parse(got.data?.scheduled_at ?? "");
		expect(due - before).toBeGreaterThanOrEqual(3600_000 - 1000);
		expect(due - Date.now()).toBeLessThanOrEqual(3600_000);

		const later = new Date(Date.now() + 2 * 86_400_000).toISOString();
		const updated = await resend.emails.update({ id, scheduledAt: later });
		expect(updated).toEqual({
			data: { object: "email", id },
			error: null,
			headers: expect.anything(),
		});
		expect((await resend.emails.get(id)).data?.scheduled_at).toBe(later);

		const canceled = await resend.emails.cancel(id);
		expect(canceled.data).toEqual({ object: "email", id });
		const after = await resend.emails.get(id);
		expect(after.data).toMatchObject({ last_event: "canceled", status: "failed" });

		const again = await resend.emails.cancel(id);
		expect(again.error).toMatchObject({ statusCode: 409, name: "email_not_scheduled" });
		expect(again.error?.message).toContain("canceled");
	});
});
