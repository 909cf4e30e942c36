/**
 * Attachments end to end: validated and refused with a named reason, fetched from `path` once
 * under the SSRF rules, stored in R2 with their metadata in D1, sent with SES's Simple
 * `Attachments`, and read back through short-lived download links.
 */
import { createMessageBatch } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../simulator/app.ts";
import { fileBytes } from "../simulator/routes/files.ts";
import { emailAttachments } from "../src/db/schema.ts";
import { MAX_MESSAGE_BYTES } from "../src/domain/attachments.ts";
import type { Bindings } from "../src/env.ts";
import { encodeBase64 } from "../src/lib/base64.ts";
import { SEND_QUEUE } from "../src/queues/index.ts";
import { consumeSendBatch, sendDepsFromEnv } from "../src/queues/send.ts";
import { api } from "./helpers/api.ts";
import { byocCustomer, verifiedByocDomain } from "./helpers/byoc.ts";
import { createSender, db } from "./helpers/factories.ts";
import { runQueue } from "./helpers/queue.ts";
import { arrival, installSimulator, simulatorUrl } from "./helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(() => {
	({ sim, restore } = installSimulator());
});
afterEach(() => restore());

type Sender = Awaited<ReturnType<typeof createSender>>;

const recipient = () => `r${crypto.randomUUID().slice(0, 8)}@example.org`;

const send = (sender: Sender, attachments: unknown[], extra: Record<string, unknown> = {}) => {
	const to = recipient();
	return api("POST", "/emails", {
		key: sender.key.token,
		body: { from: sender.from, to, subject: "Files", text: "See attached", attachments, ...extra },
	}).then((res) => ({ ...res, to }));
};

const digest = async (bytes: Uint8Array | undefined) =>
	bytes ? [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].join(",") : "none";

/** Bytes whose base64 is exactly `encoded` long (a multiple of 4). */
const bytesEncodingTo = (encoded: number) => fileBytes(7, (encoded / 4) * 3);

describe("SES's 40 MB message limit", () => {
	it("accepts a 39 MB message and delivers it whole", async () => {
		const sender = await createSender();
		const bytes = bytesEncodingTo(39 * 1024 * 1024);
		const sent = await send(sender, [{ filename: "archive.zip", content: encodeBase64(bytes) }]);
		expect(sent.status, JSON.stringify(sent.json)).toBe(200);
		const message = await arrival(sim, sent.to);
		expect(message.attachments).toHaveLength(1);
		expect(message.attachments[0]?.size).toBe(bytes.length);
		// Compared by digest: a deep equality of 30 MB arrays takes vitest many seconds.
		expect(await digest(message.attachments[0]?.content)).toBe(await digest(bytes));
	}, 60_000);

	it("answers 413 for a 41 MB message, naming the limit, and keeps nothing", async () => {
		const sender = await createSender();
		const sent = await send(sender, [
			{ filename: "big.bin", content: encodeBase64(bytesEncodingTo(41 * 1024 * 1024)) },
		]);
		expect(sent.status).toBe(413);
		expect(sent.json.name).toBe("payload_too_large");
		expect(sent.json.message).toContain(String(MAX_MESSAGE_BYTES));
		const listed = await api("GET", "/emails", { key: sender.key.token });
		expect(listed.json.data).toEqual([]);
	});

	it("counts fetched files in the limit too", async () => {
		const sender = await createSender();
		const half = (MAX_MESSAGE_BYTES / 2 / 4) * 3;
		const sent = await send(sender, [
			{ filename: "a.bin", content: encodeBase64(fileBytes(0, half)) },
			{ path: simulatorUrl(`/files/bytes/b.bin?size=${half + 3}`) },
		]);
		expect(sent.status).toBe(422);
		expect(sent.json.message).toMatch(/attachments\[1\].*larger than/);
	});
});

describe("attachments given by path", () => {
	it.each([
		["a private address", "https://10.0.0.7/invoice.pdf", /IP address/],
		["localhost", "https://localhost/invoice.pdf", /local or internal/],
		["plain http", "http://files.example.com/invoice.pdf", /https/],
		["a host that answers 404", simulatorUrl("/files/status/404"), /404/],
		[
			"a redirect to a private address",
			simulatorUrl(`/files/redirect?to=${encodeURIComponent("https://127.0.0.1/x.pdf")}`),
			/redirected/,
		],
	])("refuses %s with a 422 naming the attachment", async (_what, path, reason) => {
		const sender = await createSender();
		const sent = await send(sender, [{ content: btoa("ok"), filename: "ok.txt" }, { path }]);
		expect(sent.status).toBe(422);
		expect(sent.json.name).toBe("invalid_attachment");
		expect(sent.json.message).toMatch(/^`attachments\[1\]`/);
		expect(sent.json.message).toMatch(reason);
		expect(sim.store.listMessages({ to: sent.to })).toEqual([]);
	});

	it("refuses an extension SES refuses, found from the fetched path", async () => {
		const sender = await createSender();
		const sent = await send(sender, [{ path: simulatorUrl("/files/bytes/setup.exe?size=10") }]);
		expect(sent.status).toBe(422);
		expect(sent.json.message).toMatch(/setup\.exe.*\.exe extension/);
	});
});

describe("validation", () => {
	it.each([
		["a refused extension", { filename: "run.BAT", content: btoa("x") }, /\.bat extension/],
		["a long file name", { filename: `${"a".repeat(252)}.txt`, content: btoa("x") }, /255/],
		["content that is not base64", { filename: "a.txt", content: "not base64!" }, /base64/],
		["neither content nor path", { filename: "a.txt" }, /either `content`/],
		["content without a file name", { content: btoa("x") }, /filename.*required/],
		[
			"a content id with spaces",
			{ filename: "a.png", content: btoa("x"), content_id: "my logo" },
			/content_id/,
		],
		[
			"a bad content type",
			{ filename: "a.txt", content: btoa("x"), content_type: "text" },
			/media type/,
		],
	])("refuses %s with a 422 naming the field", async (_what, attachment, message) => {
		const sender = await createSender();
		const sent = await send(sender, [attachment]);
		expect(sent.status).toBe(422);
		expect(sent.json.message).toMatch(/`attachments\[0\]/);
		expect(sent.json.message).toMatch(message);
	});
});

describe("batches with attachments", () => {
	const batch = (sender: Sender, mode: "strict" | "permissive") => {
		const to = [recipient(), recipient()];
		return api("POST", "/emails/batch", {
			key: sender.key.token,
			headers: { "x-batch-validation": mode },
			body: [
				{
					from: sender.from,
					to: to[0],
					subject: "One",
					text: "1",
					attachments: [{ filename: "one.txt", content: btoa("one") }],
				},
				{
					from: sender.from,
					to: to[1],
					subject: "Two",
					text: "2",
					attachments: [{ path: simulatorUrl("/files/status/500") }],
				},
			],
		}).then((res) => ({ ...res, to }));
	};

	it("strict: one unusable file refuses the whole batch", async () => {
		const sender = await createSender();
		const sent = await batch(sender, "strict");
		expect(sent.status).toBe(422);
		expect(sent.json.message).toMatch(/^\[1\] `attachments\[0\]`.*500/);
		expect((await api("GET", "/emails", { key: sender.key.token })).json.data).toEqual([]);
	});

	it("permissive: the others go, the refusal is reported in place", async () => {
		const sender = await createSender();
		const sent = await batch(sender, "permissive");
		expect(sent.status).toBe(200);
		expect(sent.json.data).toHaveLength(1);
		expect(sent.json.errors).toEqual([{ index: 1, message: expect.stringMatching(/500/) }]);
		const message = await arrival(sim, sent.to[0] ?? "");
		expect(new TextDecoder().decode(message.attachments[0]?.content)).toBe("one");
	});
});

describe("bounds on files", () => {
	it("refuses a request carrying more than 500 files in all, naming the limit", async () => {
		const sender = await createSender();
		const email = (n: number) => ({
			from: sender.from,
			to: recipient(),
			subject: `Files ${n}`,
			text: "x",
			attachments: Array.from({ length: 6 }, (_, i) => ({
				filename: `f${i}.txt`,
				content: btoa("x"),
			})),
		});
		const res = await api("POST", "/emails/batch", {
			key: sender.key.token,
			body: Array.from({ length: 100 }, (_, n) => email(n)),
		});
		expect(res.status).toBe(422);
		expect(res.json.message).toMatch(/500 attachments/);
	});

	it("reads at most so many files in one consumer run; the rest go back to the queue, unsent", async () => {
		const sender = await createSender();
		const ids: string[] = [];
		const tos: string[] = [];
		for (let n = 0; n < 2; n++) {
			const sent = await send(
				sender,
				[
					{ filename: "a.txt", content: btoa("a") },
					{ filename: "b.txt", content: btoa("b") },
				],
				{ scheduled_at: "in 1 hour" },
			);
			ids.push(sent.json.id as string);
			tos.push(sent.to);
			await env.DB.prepare("UPDATE emails SET scheduled_at = ? WHERE id = ?")
				.bind(Date.now() - 1000, sent.json.id)
				.run();
		}
		const requeued: unknown[] = [];
		const deps = {
			...sendDepsFromEnv(env as unknown as Bindings, () => {}),
			maxFileReadsPerRun: 3,
		};
		deps.queue = {
			sendBatch: async (messages: { body: unknown }[]) => {
				requeued.push(...messages.map((m) => m.body));
			},
		} as unknown as typeof deps.queue;
		const batch = createMessageBatch(SEND_QUEUE, [
			{ id: "m1", timestamp: new Date(), attempts: 1, body: { emailId: ids[0] } },
			{ id: "m2", timestamp: new Date(), attempts: 1, body: { emailId: ids[1] } },
		]);
		await consumeSendBatch(batch, deps);
		const delivered = tos.filter((to) => sim.store.listMessages({ to }).length > 0);
		expect(delivered).toHaveLength(1);
		expect(requeued).toHaveLength(1);
	});
});

describe("storage, sending and download links", () => {
	it("keeps the bytes in R2 and only metadata in D1", async () => {
		const sender = await createSender();
		const sent = await send(sender, [{ filename: "a.txt", content: btoa("hello r2") }]);
		const [row] = await db()
			.select()
			.from(emailAttachments)
			.where(eq(emailAttachments.emailId, sent.json.id as string));
		expect(row).toMatchObject({ filename: "a.txt", contentType: "text/plain", size: 8 });
		expect(Object.keys(row ?? {})).not.toContain("content");
		const object = await env.ATTACHMENTS.get(row?.r2Key ?? "");
		expect(await object?.text()).toBe("hello r2");
		expect(row?.r2Key.startsWith(`${sent.json.id}/`)).toBe(true);
	});

	it("fails an email whose stored file is gone, naming it, instead of sending it without", async () => {
		const sender = await createSender();
		const sent = await send(sender, [{ filename: "gone.txt", content: btoa("x") }], {
			scheduled_at: "in 1 hour",
		});
		const id = sent.json.id as string;
		const [row] = await db()
			.select()
			.from(emailAttachments)
			.where(eq(emailAttachments.emailId, id));
		await env.ATTACHMENTS.delete(row?.r2Key ?? "");
		await env.DB.prepare("UPDATE emails SET scheduled_at = ? WHERE id = ?")
			.bind(Date.now() - 1000, id)
			.run();
		await runQueue(SEND_QUEUE, [{ emailId: id }]);
		expect(sim.store.listMessages({ to: sent.to })).toEqual([]);
		const got = await api("GET", `/emails/${id}`, { key: sender.key.token });
		expect(got.json).toMatchObject({ status: "failed" });
		expect(got.json.failure_reason).toMatch(/gone\.txt/);
	});

	it("refuses a tampered or expired download link, and another account's attachments", async () => {
		const sender = await createSender();
		const sent = await send(sender, [{ filename: "a.txt", content: btoa("secret") }]);
		const id = sent.json.id as string;
		const listed = await api("GET", `/emails/${id}/attachments`, { key: sender.key.token });
		const url = new URL((listed.json.data as { download_url: string }[])[0]?.download_url ?? "");
		const ok = await exports.default.fetch(url);
		expect(ok.status).toBe(200);
		expect(await ok.text()).toBe("secret");

		const tampered = new URL(url);
		tampered.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 3600));
		const expired = new URL(url);
		expired.searchParams.set("expires", String(Math.floor(Date.now() / 1000) - 1));
		for (const link of [tampered, expired]) {
			const res = await api("GET", `${link.pathname}${link.search}`, {});
			expect(res.status).toBe(403);
			expect(res.json.message).toMatch(/expired/);
		}
		const stranger = await createSender();
		const theirs = await api("GET", `/emails/${id}/attachments`, { key: stranger.key.token });
		expect(theirs.status).toBe(404);
	});

	it("sends a BYOC email's files straight to the customer's SES, storing nothing", async () => {
		const customer = await byocCustomer(sim);
		const domain = await verifiedByocDomain(sim, customer);
		const res = await api("POST", "/emails", {
			key: customer.key,
			body: {
				from: domain.from,
				to: "success@simulator.amazonses.com",
				subject: "Own SES",
				html: '<img src="cid:logo">',
				attachments: [{ path: simulatorUrl("/files/logo.png"), content_id: "logo" }],
			},
		});
		expect(res.status).toBe(200);
		const [message] = sim.store.listMessages({});
		expect(message?.messageId).toBe(res.json.id);
		expect(message?.attachments[0]).toMatchObject({ filename: "logo.png", disposition: "INLINE" });
		const { results } = await env.DB.prepare(
			"SELECT COUNT(*) AS n FROM email_attachments WHERE account_id = ?",
		)
			.bind(customer.account.id)
			.all<{ n: number }>();
		expect(results[0]?.n).toBe(0);
	});
});
