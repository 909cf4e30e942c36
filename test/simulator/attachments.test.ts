import { describe, expect, it } from "vitest";
import type { SentAttachment, SentMessage } from "../../simulator/app.ts";
import { MAX_MESSAGE_BYTES, messageSize, REFUSED_EXTENSIONS } from "../../simulator/attachments.ts";
import { createStore } from "../../simulator/store.ts";
import { awsHarness, email } from "./aws-support.ts";
import { awsError, ENDPOINT, minimalEmail, newSimulator, send } from "./support.ts";

const MB = 1024 * 1024;

/** Deterministic bytes covering every byte value. */
function bytes(length: number, seed = 0): Uint8Array {
	return Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
}

function base64(data: Uint8Array): string {
	let binary = "";
	for (let i = 0; i < data.length; i += 0x8000) {
		binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
	}
	return btoa(binary);
}

const PDF = bytes(3000, 1);
const LOGO = bytes(700, 2);

/** A SendEmail body with Simple content carrying `attachments` (and an HTML part). */
function withAttachments(
	attachments: unknown,
	overrides: { html?: string; subject?: string } = {},
): Record<string, unknown> {
	return minimalEmail({
		Content: {
			Simple: {
				Subject: { Data: overrides.subject ?? "Your invoice" },
				Body: {
					Text: { Data: "Invoice attached." },
					Html: { Data: overrides.html ?? '<p>Invoice</p><img src="cid:logo" alt="Acme">' },
				},
				Attachments: attachments,
			},
		},
	});
}

const INVOICE = {
	FileName: "invoice.pdf",
	ContentType: "application/pdf",
	ContentDisposition: "ATTACHMENT",
	ContentDescription: "March invoice",
	ContentTransferEncoding: "BASE64",
	RawContent: base64(PDF),
};
const INLINE_LOGO = {
	FileName: "logo.png",
	ContentType: "image/png",
	ContentDisposition: "INLINE",
	ContentId: "logo",
	RawContent: base64(LOGO),
};

/** One attachment: `{FileName: "a.txt", RawContent: "aGk="}` with `fields` over it. */
function one(fields: Record<string, unknown>): Record<string, unknown> {
	return withAttachments([{ FileName: "a.txt", RawContent: "aGk=", ...fields }]);
}

async function sentWith(attachments: unknown, html?: string) {
	const sim = newSimulator();
	const response = await send(sim, withAttachments(attachments, { html }));
	expect(response.status).toBe(200);
	const [message] = sim.store.listMessages();
	if (message === undefined) throw new Error("the message was not stored");
	return { sim, message };
}

function get(sim: { fetch(r: Request): Promise<Response> }, path: string): Promise<Response> {
	return sim.fetch(new Request(`${ENDPOINT}${path}`));
}

/** Decodes the entities escapeHtml produces, as a browser does for an attribute value. */
function decodeAttribute(value: string): string {
	return value
		.replaceAll("&lt;", "<")
		.replaceAll("&gt;", ">")
		.replaceAll("&quot;", '"')
		.replaceAll("&#39;", "'")
		.replaceAll("&amp;", "&");
}

describe("SendEmail attachments", () => {
	it("accepts attachments and stores each whole: bytes, name, type, disposition, content id, size", async () => {
		const { message } = await sentWith([INVOICE, INLINE_LOGO]);
		expect(message.attachments).toEqual([
			{
				filename: "invoice.pdf",
				contentType: "application/pdf",
				disposition: "ATTACHMENT",
				contentId: null,
				size: 3000,
				content: PDF,
			},
			{
				filename: "logo.png",
				contentType: "image/png",
				disposition: "INLINE",
				contentId: "logo",
				size: 700,
				content: LOGO,
			},
		]);
		expect(message.attachments[0]?.content).toBeInstanceOf(Uint8Array);
	});

	it("derives a missing ContentType from the file name and defaults the disposition to ATTACHMENT", async () => {
		const { message } = await sentWith([
			{ FileName: "Photo.JPG", RawContent: "AAAA" },
			{ FileName: "data.bin", RawContent: "AAAA" },
			{ FileName: "README", RawContent: "" },
		]);
		expect(message.attachments.map((a) => [a.contentType, a.disposition, a.size])).toEqual([
			["image/jpeg", "ATTACHMENT", 3],
			["application/octet-stream", "ATTACHMENT", 3],
			["application/octet-stream", "ATTACHMENT", 0],
		]);
	});

	it("stores an empty list when the message has no attachments", async () => {
		const sim = newSimulator();
		expect((await send(sim, minimalEmail())).status).toBe(200);
		expect(sim.store.listMessages()[0]?.attachments).toEqual([]);
	});

	it("accepts the longest FileName, ContentId and ContentDescription SES allows", async () => {
		const { message } = await sentWith([
			{
				FileName: `${"n".repeat(251)}.pdf`,
				ContentId: "c".repeat(78),
				ContentDescription: "d".repeat(1000),
				RawContent: "aGk=",
			},
		]);
		expect(message.attachments[0]?.filename).toHaveLength(255);
	});

	const path = "content.simple.attachments.1.member";
	const nullAt = (member: string) =>
		`1 validation error detected: Value null at '${path}.${member}' failed to satisfy constraint: Member must not be null`;
	const tooLong = (value: string, member: string, max: number) =>
		`1 validation error detected: Value '${value}' at '${path}.${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`;
	const enumError = (value: string, member: string, allowed: string) =>
		`1 validation error detected: Value '${value}' at '${path}.${member}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed}]`;

	it.each([
		["no FileName", one({ FileName: undefined }), nullAt("fileName")],
		[
			"a FileName of 256 characters",
			one({ FileName: `${"n".repeat(252)}.pdf` }),
			tooLong(`${"n".repeat(252)}.pdf`, "fileName", 255),
		],
		["no RawContent", one({ RawContent: undefined }), nullAt("rawContent")],
		[
			"RawContent that is not base64",
			one({ RawContent: "not base64!" }),
			`Value at '${path}.rawContent' is not valid base64 (standard alphabet, padded).`,
		],
		[
			"RawContent without its padding",
			one({ RawContent: "aGk" }),
			`Value at '${path}.rawContent' is not valid base64 (standard alphabet, padded).`,
		],
		[
			"a ContentDisposition other than ATTACHMENT or INLINE",
			one({ ContentDisposition: "EMBEDDED" }),
			enumError("EMBEDDED", "contentDisposition", "ATTACHMENT, INLINE"),
		],
		[
			"a ContentTransferEncoding other than the three",
			one({ ContentTransferEncoding: "BINARY" }),
			enumError("BINARY", "contentTransferEncoding", "BASE64, QUOTED_PRINTABLE, SEVEN_BIT"),
		],
		[
			"an empty ContentId",
			one({ ContentId: "" }),
			`1 validation error detected: Value '' at '${path}.contentId' failed to satisfy constraint: Member must have length greater than or equal to 1`,
		],
		[
			"a ContentId of 79 characters",
			one({ ContentId: "c".repeat(79) }),
			tooLong("c".repeat(79), "contentId", 78),
		],
		[
			"a ContentDescription of 1,001 characters",
			one({ ContentDescription: "d".repeat(1001) }),
			tooLong(`${"d".repeat(300)}…`, "contentDescription", 1000),
		],
		[
			"a ContentType of 79 characters",
			one({ ContentType: `application/${"x".repeat(67)}` }),
			tooLong(`application/${"x".repeat(67)}`, "contentType", 78),
		],
		[
			"Attachments that are not a list",
			withAttachments({ FileName: "a.txt", RawContent: "aGk=" }),
			"1 validation error detected: Value at 'content.simple.attachments' must be a list",
		],
		[
			"an attachment that is not a structure",
			withAttachments(["a.txt"]),
			`1 validation error detected: Value at '${path}' must be a structure`,
		],
	])("answers 400 BadRequestException for %s", async (_, body, message) => {
		const sim = newSimulator();
		expect(await awsError(await send(sim, body))).toEqual({
			status: 400,
			code: "BadRequestException",
			message,
		});
		expect(sim.store.listMessages()).toEqual([]);
	});

	it("names the failing attachment by its position", async () => {
		const sim = newSimulator();
		const body = withAttachments([INVOICE, { ...INLINE_LOGO, ContentDisposition: "inline" }]);
		expect((await awsError(await send(sim, body))).message).toContain(
			"at 'content.simple.attachments.2.member.contentDisposition'",
		);
	});

	it.each([
		["setup.exe", "exe"],
		["script.JS", "js"],
		["invoice.pdf.vbs", "vbs"],
		["run.bat", "bat"],
		["profile.ps1", "ps1"],
	])("answers 400 MessageRejected naming the extension for %s", async (filename, extension) => {
		const sim = newSimulator();
		const response = await send(
			sim,
			withAttachments([INVOICE, { FileName: filename, RawContent: "aGk=" }]),
		);
		const error = await awsError(response);
		expect(error).toMatchObject({ status: 400, code: "MessageRejected" });
		expect(error.message).toContain(`'${filename}'`);
		expect(error.message).toContain(`.${extension} is not allowed`);
		expect(sim.store.listMessages()).toEqual([]);
	});

	it("refuses every extension on SES's list, and no others", async () => {
		expect(REFUSED_EXTENSIONS.size).toBe(90);
		const sim = newSimulator();
		for (const extension of REFUSED_EXTENSIONS) {
			const response = await send(sim, one({ FileName: `file.${extension}` }));
			expect((await awsError(response)).code, extension).toBe("MessageRejected");
		}
		for (const filename of ["invoice.exe.pdf", "no-extension", "archive.zip", "page.html", "exe"]) {
			expect((await send(sim, one({ FileName: filename }))).status, filename).toBe(200);
		}
	});

	it("accepts a 39 MB message and stores its bytes", async () => {
		const sim = newSimulator();
		const rawContent = "A".repeat(39 * MB);
		const response = await send(
			sim,
			withAttachments([{ FileName: "big.bin", RawContent: rawContent }]),
		);
		expect(response.status).toBe(200);
		const [attachment] = sim.store.listMessages()[0]?.attachments ?? [];
		expect(attachment?.size).toBe((39 * MB * 3) / 4);
		expect(attachment?.content.every((b) => b === 0)).toBe(true);
	});

	it("answers 400 MessageRejected for a 41 MB message and stores nothing", async () => {
		const sim = newSimulator();
		const rawContent = "A".repeat(41 * MB);
		const response = await send(
			sim,
			withAttachments([{ FileName: "big.bin", RawContent: rawContent }]),
		);
		const error = await awsError(response);
		expect(error).toMatchObject({ status: 400, code: "MessageRejected" });
		expect(error.message).toMatch(/^Message length is more than 40 MB/);
		expect(sim.store.listMessages()).toEqual([]);
	});

	it("counts the subject, bodies and headers in UTF-8 bytes and attachments as base64", () => {
		expect(MAX_MESSAGE_BYTES).toBe(41_943_040);
		expect(
			messageSize({
				subject: "é",
				html: "<p>",
				text: "hi",
				headers: [{ name: "X-A", value: "b😀" }],
				attachments: [
					{
						filename: "a",
						contentType: "text/plain",
						disposition: "ATTACHMENT",
						contentId: null,
						rawContent: "AAAA",
					},
				],
			}),
		).toBe(2 + 3 + 2 + 3 + 5 + 4);
	});

	it("checks a customer account's (BYOC) attachments the same way", async () => {
		const h = awsHarness();
		const keys = h.sim.aws.createAccount({ accountId: "111111111111", sandbox: false });
		h.sim.aws.verifyAddress("111111111111", "eu-west-1", "hello@acme.com");
		const simple = (attachments: unknown) => {
			const body = email("hello@acme.com", "you@example.org");
			const content = body.Content as { Simple: Record<string, unknown> };
			return { ...body, Content: { Simple: { ...content.Simple, Attachments: attachments } } };
		};
		const sendAs = (body: unknown) =>
			h.ses(keys, "eu-west-1", "POST", "/v2/email/outbound-emails", body);

		expect(
			(await awsError(await sendAs(simple([{ FileName: "x.exe", RawContent: "aGk=" }])))).code,
		).toBe("MessageRejected");
		expect((await awsError(await sendAs(simple([{ FileName: "x.txt" }])))).code).toBe(
			"BadRequestException",
		);
		expect((await sendAs(simple([INVOICE]))).status).toBe(200);
		expect(h.sim.store.listMessages()[0]).toMatchObject({
			awsAccountId: "111111111111",
			attachments: [{ filename: "invoice.pdf", size: 3000, content: PDF }],
		});
	});
});

describe("attachments in the inbox", () => {
	it("lists each attachment on the message page with a download link", async () => {
		const { sim, message } = await sentWith([INVOICE, INLINE_LOGO]);
		const page = await (await get(sim, `/messages/${message.id}`)).text();
		expect(page).toContain("<h2>Attachments</h2>");
		expect(page).toContain(
			`<td><a href="/messages/${message.id}/attachments/0">invoice.pdf</a></td>\n<td>application/pdf</td>\n<td class="nowrap">2.9 KB (3000 bytes)</td>`,
		);
		expect(page).toContain(`<a href="/messages/${message.id}/attachments/1">logo.png</a>`);
		expect(page).toContain("inline <code>cid:logo</code>");
		const inbox = await (await get(sim, "/")).text();
		expect(inbox).toContain("(2 attachments)");
	});

	it("rewrites cid: images to the download route and lets the page load only those", async () => {
		const { sim, message } = await sentWith(
			[INVOICE, INLINE_LOGO],
			`<img src="cid:logo"><img src='CID:logo'><div style="background:url(cid:logo)"></div><img src="cid:unknown"><img src="/_simulator/messages">`,
		);
		const response = await get(sim, `/messages/${message.id}`);
		const csp = response.headers.get("content-security-policy") ?? "";
		expect(csp).toContain(`img-src data: ${ENDPOINT}/messages/${message.id}/attachments/;`);
		expect(csp).toContain("default-src 'none'");
		const page = await response.text();
		const srcdoc = decodeAttribute(/\ssrcdoc="([^"]*)"/.exec(page)?.[1] ?? "");
		const logo = `/messages/${message.id}/attachments/1`;
		expect(srcdoc).toBe(
			`<img src="${logo}"><img src='${logo}'><div style="background:url(${logo})"></div><img src="cid:unknown"><img src="/_simulator/messages">`,
		);
		// The stored HTML is the one sent; only the page rewrites it.
		expect(sim.store.getMessage(message.id)?.html).toContain('src="cid:logo"');
	});

	it("keeps the read-only policy on a message without attachments", async () => {
		const sim = newSimulator();
		await send(sim, minimalEmail());
		const [message] = sim.store.listMessages();
		const response = await get(sim, `/messages/${message?.id}`);
		expect(response.headers.get("content-security-policy")).toContain("img-src data:;");
	});

	it("escapes a hostile file name and content id on the page", async () => {
		const { sim, message } = await sentWith([
			{
				FileName: `<script>alert(1)</script>".pdf`,
				ContentId: `<img src=x onerror=alert(2)>`,
				ContentType: `text/html"><script>`,
				RawContent: "aGk=",
			},
		]);
		const page = await (await get(sim, `/messages/${message.id}`)).text();
		const outsideFrame = page.replace(/\ssrcdoc="[^"]*"/, "");
		expect(outsideFrame).not.toMatch(/<script|<img/i);
		expect(outsideFrame).toContain("&lt;script&gt;alert(1)&lt;/script&gt;&quot;.pdf");
		expect(outsideFrame).toContain("<code>cid:&lt;img src=x onerror=alert(2)&gt;</code>");
		expect(outsideFrame).toContain("<td>text/html&quot;&gt;&lt;script&gt;</td>");
	});

	it("serves an attachment's bytes as a download with its type", async () => {
		const { sim, message } = await sentWith([INVOICE, INLINE_LOGO]);
		const response = await get(sim, `/messages/${message.id}/attachments/0`);
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toBe("application/pdf");
		expect(response.headers.get("content-disposition")).toBe(
			`attachment; filename="invoice.pdf"; filename*=UTF-8''invoice.pdf`,
		);
		expect(response.headers.get("x-content-type-options")).toBe("nosniff");
		expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
		expect(new Uint8Array(await response.arrayBuffer())).toEqual(PDF);

		const byMessageId = await get(sim, `/messages/${message.messageId}/attachments/1`);
		expect(byMessageId.headers.get("content-type")).toBe("image/png");
		expect(new Uint8Array(await byMessageId.arrayBuffer())).toEqual(LOGO);
	});

	it("names a non-ASCII or quoted file name safely in content-disposition", async () => {
		const { sim, message } = await sentWith([
			{ FileName: `Facture "mars" é.pdf`, ContentType: "bad\r\ntype", RawContent: "aGk=" },
		]);
		const response = await get(sim, `/messages/${message.id}/attachments/0`);
		expect(response.headers.get("content-disposition")).toBe(
			`attachment; filename="Facture _mars_ _.pdf"; filename*=UTF-8''Facture%20%22mars%22%20%C3%A9.pdf`,
		);
		expect(response.headers.get("content-type")).toBe("application/octet-stream");
	});

	it("answers 404 for an unknown message or attachment index", async () => {
		const { sim, message } = await sentWith([INVOICE]);
		for (const path of [
			`/messages/${message.id}/attachments/1`,
			`/messages/${message.id}/attachments/-1`,
			`/messages/${message.id}/attachments/length`,
			"/messages/nope/attachments/0",
		]) {
			expect((await get(sim, path)).status, path).toBe(404);
		}
	});

	it("shows attachments in the JSON endpoints without their bytes", async () => {
		const { sim, message } = await sentWith([INVOICE, INLINE_LOGO]);
		const expected = [
			{
				filename: "invoice.pdf",
				contentType: "application/pdf",
				disposition: "ATTACHMENT",
				contentId: null,
				size: 3000,
				url: `/messages/${message.id}/attachments/0`,
			},
			{
				filename: "logo.png",
				contentType: "image/png",
				disposition: "INLINE",
				contentId: "logo",
				size: 700,
				url: `/messages/${message.id}/attachments/1`,
			},
		];
		const one = (await (await get(sim, `/_simulator/messages/${message.id}`)).json()) as {
			attachments: unknown;
		};
		expect(one.attachments).toEqual(expected);
		const list = (await (await get(sim, "/_simulator/messages")).json()) as {
			messages: { attachments: unknown }[];
		};
		expect(list.messages[0]?.attachments).toEqual(expected);
	});
});

describe("the store's attachment budget", () => {
	function message(subject: string, size: number): Omit<SentMessage, "id"> {
		const attachment: SentAttachment = {
			filename: "a.bin",
			contentType: "application/octet-stream",
			disposition: "ATTACHMENT",
			contentId: null,
			size,
			content: new Uint8Array(size),
		};
		return {
			messageId: subject,
			from: "a@example.test",
			to: ["b@example.test"],
			cc: [],
			bcc: [],
			replyTo: [],
			subject,
			html: null,
			text: "x",
			headers: [],
			tags: [],
			configurationSetName: null,
			attachments: size === 0 ? [] : [attachment],
			receivedAt: "2026-03-04T05:06:07.890Z",
			awsAccountId: "000000000000",
			region: "us-east-1",
		};
	}

	it("drops the oldest messages once attachments pass the byte limit, keeping the newest", () => {
		const store = createStore({ maxAttachmentBytes: 100 });
		store.addMessage(message("first", 60));
		store.addMessage(message("no attachment", 0));
		store.addMessage(message("second", 30));
		expect(store.listMessages().map((m) => m.subject)).toEqual([
			"second",
			"no attachment",
			"first",
		]);
		store.addMessage(message("third", 30));
		expect(store.listMessages().map((m) => m.subject)).toEqual([
			"third",
			"second",
			"no attachment",
		]);
		store.addMessage(message("huge", 500));
		expect(store.listMessages().map((m) => m.subject)).toEqual(["huge"]);
		store.clearMessages();
		store.addMessage(message("after clearing", 90));
		expect(store.listMessages().map((m) => m.subject)).toEqual(["after clearing"]);
	});
});
