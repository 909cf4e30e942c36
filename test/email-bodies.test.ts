/**
 * Bodies of a kilobyte or more are stored gzipped (src/db/queries/email-bodies.ts): what the
 * customer sent is what SES gets and what GET /emails/:id answers, whichever way it was stored.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../simulator/app.ts";
import { PACK_FROM_LENGTH } from "../src/db/queries/email-bodies.ts";
import { insertEmailsStatements, runBatch } from "../src/db/queries/emails.ts";
import { uuidv7 } from "../src/lib/ids.ts";
import { api } from "./helpers/api.ts";
import { createSender, db } from "./helpers/factories.ts";
import { arrival, installSimulator } from "./helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(() => {
	({ sim, restore } = installSimulator());
});
afterEach(() => restore());

/** A receipt as HTML: rows of an order, each a little different, as real ones are. */
function receiptHtml(lines: number): string {
	const rows = Array.from(
		{ length: lines },
		(_, i) =>
			`<tr><td style="padding:8px 12px;border-bottom:1px solid #e5e7eb;font-family:Helvetica,Arial,sans-serif">Item ${i} — size ${(i * 7) % 13}</td><td style="padding:8px 12px;text-align:right">€${(i * 3.17).toFixed(2)}</td></tr>`,
	);
	return `<!doctype html><html><body><table role="presentation" width="100%">${rows.join("")}</table><p>Thank you, ünïcode ✓</p></body></html>`;
}

type Stored = { html: string | null; text: string | null; body: ArrayBuffer | number[] | null };

const storedRow = async (id: string) =>
	env.DB.prepare("SELECT html, text_body AS text, body FROM emails WHERE id = ?")
		.bind(id)
		.first<Stored>();

describe("email bodies", () => {
	it("stores a large body gzipped, and sends and answers it as given", async () => {
		const sender = await createSender();
		const html = receiptHtml(120);
		const text = `Your receipt\n${"Item — €1.00\n".repeat(100)}`;
		const to = `big-${crypto.randomUUID().slice(0, 8)}@example.org`;
		const sent = await api("POST", "/emails", {
			key: sender.key.token,
			body: { from: sender.from, to, subject: "Receipt", html, text },
		});
		expect(sent.status).toBe(200);
		const id = sent.json.id as string;

		const row = await storedRow(id);
		expect(row?.html).toBeNull();
		expect(row?.text).toBeNull();
		const packed = row?.body;
		const packedBytes = packed instanceof ArrayBuffer ? packed.byteLength : (packed?.length ?? 0);
		const givenBytes = new TextEncoder().encode(html + text).length;
		expect(packedBytes).toBeGreaterThan(0);
		expect(packedBytes).toBeLessThan(givenBytes / 4);

		const got = await api("GET", `/emails/${id}`, { key: sender.key.token });
		expect(got.status).toBe(200);
		expect(got.json).toMatchObject({ html, text });
		expect(got.json).not.toHaveProperty("body");

		const message = await arrival(sim, to);
		expect(message.html).toBe(html);
		expect(message.text).toBe(text);
	});

	it("keeps a small body as it is", async () => {
		const sender = await createSender();
		const html = "<p>Hi</p>";
		expect(html.length).toBeLessThan(PACK_FROM_LENGTH);
		const to = `small-${crypto.randomUUID().slice(0, 8)}@example.org`;
		const sent = await api("POST", "/emails", {
			key: sender.key.token,
			body: { from: sender.from, to, subject: "Hi", html },
		});
		expect(sent.status).toBe(200);
		expect(await storedRow(sent.json.id as string)).toEqual({ html, text: null, body: null });
		expect((await arrival(sim, to)).html).toBe(html);
	});

	it("reads an email stored before bodies were packed, large or not, as it was", async () => {
		const sender = await createSender();
		const html = receiptHtml(60);
		const id = uuidv7();
		await runBatch(
			db(),
			insertEmailsStatements(db(), [
				{
					id,
					accountId: sender.account.id,
					domainId: sender.domain.id,
					from: sender.from,
					to: ["old@example.org"],
					subject: "Old",
					html,
					text: "Old text",
					status: "sent",
					lastEvent: "delivered",
					createdAt: Date.now(),
				},
			]),
		);
		const got = await api("GET", `/emails/${id}`, { key: sender.key.token });
		expect(got.status).toBe(200);
		expect(got.json).toMatchObject({ html, text: "Old text" });
	});
});
