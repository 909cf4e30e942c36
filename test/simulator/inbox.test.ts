import { describe, expect, it } from "vitest";
import type { SentMessage } from "../../simulator/app.ts";
import { ENDPOINT, minimalEmail, newSimulator, send } from "./support.ts";

const HOSTILE_SUBJECT = `<script>alert("subject")</script> & 'quotes'`;
const HOSTILE_HTML = `<p onclick="alert(1)">Hi</p><script>alert("html")</script><img src=x onerror='alert(2)'>"&amp;`;
const CSP =
	"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

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

async function sendHostile() {
	const sim = newSimulator();
	await send(
		sim,
		minimalEmail({
			FromEmailAddress: `"<b>Mallory</b>" <mallory@evil.test>`,
			Content: {
				Simple: {
					Subject: { Data: HOSTILE_SUBJECT },
					Body: { Html: { Data: HOSTILE_HTML }, Text: { Data: "</pre><script>alert(3)</script>" } },
				},
			},
		}),
	);
	const [message] = sim.store.listMessages();
	if (message === undefined) throw new Error("the hostile message was not stored");
	return { sim, message };
}

describe("inbox pages", () => {
	it("lists messages newest first with a strict Content-Security-Policy", async () => {
		let tick = 0;
		const sim = newSimulator({
			now: () => new Date(Date.UTC(2026, 2, 4, 5, 6, 7) + tick++ * 1000),
		});
		await send(sim, minimalEmail(simpleSubject("First")));
		await send(sim, minimalEmail(simpleSubject("Second")));

		const response = await get(sim, "/");
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
		expect(response.headers.get("content-security-policy")).toBe(CSP);
		const page = await response.text();
		expect(page.indexOf(">Second</a>")).toBeGreaterThan(-1);
		expect(page.indexOf(">Second</a>")).toBeLessThan(page.indexOf(">First</a>"));
		expect(page).toContain("2026-03-04 05:06:08 UTC");
	});

	it("escapes a hostile subject and sender on the inbox page", async () => {
		const { sim } = await sendHostile();
		const page = await (await get(sim, "/")).text();
		expect(page).toContain(
			"&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;",
		);
		expect(page).toContain("&quot;&lt;b&gt;Mallory&lt;/b&gt;&quot; &lt;mallory@evil.test&gt;");
		expect(page).not.toMatch(/<script|<b>Mallory/i);
	});

	it("shows the email's HTML only inside a sandboxed srcdoc iframe", async () => {
		const { sim, message } = await sendHostile();
		const response = await get(sim, `/messages/${message.id}`);
		expect(response.status).toBe(200);
		expect(response.headers.get("content-security-policy")).toBe(CSP);
		const page = await response.text();

		const iframes = [...page.matchAll(/<iframe\b[^>]*>/g)].map((m) => m[0]);
		expect(iframes).toHaveLength(1);
		const iframe = iframes[0] ?? "";
		expect(iframe).toMatch(/\ssandbox=""\s/);
		const srcdoc = /\ssrcdoc="([^"]*)"/.exec(iframe)?.[1];
		expect(srcdoc).toBeDefined();
		expect(decodeAttribute(srcdoc ?? "")).toBe(HOSTILE_HTML);

		// Outside the sandboxed frame, nothing from the email is live markup.
		const outsideFrame = page.replace(srcdoc ?? "", "");
		expect(outsideFrame).not.toMatch(/<script|<img|onerror|onclick|alert\((1|2)\)/i);
		expect(page).toContain("&lt;/pre&gt;&lt;script&gt;alert(3)&lt;/script&gt;");
		expect(page).toContain("<h1>&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt;");
	});

	it("shows recipients, tags and headers on the message page", async () => {
		const sim = newSimulator();
		await send(
			sim,
			minimalEmail({
				Destination: { ToAddresses: ["a@example.test"], CcAddresses: ["c@example.test"] },
				ReplyToAddresses: ["reply@example.test"],
				EmailTags: [{ Name: "email_id", Value: "em_1" }],
				Content: {
					Simple: {
						Subject: { Data: "Tagged" },
						Body: { Text: { Data: "plain" } },
						Headers: [{ Name: "X-Ref", Value: "r-1" }],
					},
				},
			}),
		);
		const [message] = sim.store.listMessages();
		const page = await (await get(sim, `/messages/${message?.id}`)).text();
		expect(page).toContain("<dt>Cc</dt><dd>c@example.test</dd>");
		expect(page).toContain("<dt>Reply-To</dt><dd>reply@example.test</dd>");
		expect(page).toContain(`<dt>SES MessageId</dt><dd>${message?.messageId}</dd>`);
		expect(page).toContain("<pre>email_id: em_1</pre>");
		expect(page).toContain("<pre>X-Ref: r-1</pre>");
		expect(page).not.toContain("<iframe");
	});

	it("answers 404 for an unknown message page", async () => {
		const sim = newSimulator();
		const response = await get(sim, "/messages/nope");
		expect(response.status).toBe(404);
		expect(response.headers.get("content-security-policy")).toBe(CSP);
	});
});

describe("JSON endpoints", () => {
	async function seeded() {
		const sim = newSimulator();
		await send(
			sim,
			minimalEmail({
				FromEmailAddress: "Shop <shop@a.test>",
				Destination: { ToAddresses: ["x@b.test"] },
			}),
		);
		await send(
			sim,
			minimalEmail({
				FromEmailAddress: "news@a.test",
				Destination: { BccAddresses: ["X@B.test"], ToAddresses: ["y@b.test"] },
			}),
		);
		await send(
			sim,
			minimalEmail({ FromEmailAddress: "shop@a.test", Destination: { ToAddresses: ["z@b.test"] } }),
		);
		return sim;
	}

	async function list(
		sim: { fetch(r: Request): Promise<Response> },
		query = "",
	): Promise<SentMessage[]> {
		const response = await get(sim, `/_simulator/messages${query}`);
		expect(response.status).toBe(200);
		return ((await response.json()) as { messages: SentMessage[] }).messages;
	}

	it("lists all messages newest first", async () => {
		const sim = await seeded();
		expect((await list(sim)).map((m) => m.to)).toEqual([["z@b.test"], ["y@b.test"], ["x@b.test"]]);
	});

	it("filters by any recipient and by sender, ignoring case and display names", async () => {
		const sim = await seeded();
		expect((await list(sim, "?to=x%40b.test")).map((m) => m.from)).toEqual([
			"news@a.test",
			"Shop <shop@a.test>",
		]);
		expect((await list(sim, "?from=SHOP%40a.test")).map((m) => m.to)).toEqual([
			["z@b.test"],
			["x@b.test"],
		]);
		expect((await list(sim, "?from=shop%40a.test&to=z%40b.test")).map((m) => m.to)).toEqual([
			["z@b.test"],
		]);
		expect(await list(sim, "?to=nobody%40b.test")).toEqual([]);
	});

	it("finds one message by the simulator's id or by the SES MessageId", async () => {
		const sim = await seeded();
		const [newest] = sim.store.listMessages();
		for (const id of [newest?.id, newest?.messageId]) {
			const response = await get(sim, `/_simulator/messages/${id}`);
			expect(response.status).toBe(200);
			expect(await response.json()).toEqual(newest);
		}
		const missing = await get(sim, "/_simulator/messages/unknown");
		expect(missing.status).toBe(404);
		expect(await missing.json()).toEqual({ error: "message not found" });
	});

	it("clears every message on DELETE", async () => {
		const sim = await seeded();
		const response = await sim.fetch(
			new Request(`${ENDPOINT}/_simulator/messages`, { method: "DELETE" }),
		);
		expect(await response.json()).toEqual({ deleted: 3 });
		expect(await list(sim)).toEqual([]);
	});
});

function simpleSubject(subject: string) {
	return {
		Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: "x" } } } },
	};
}
