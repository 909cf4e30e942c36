import { describe, expect, it } from "vitest";
import { SIMULATOR_ADDRESSES } from "../../simulator/app.ts";
import { sendTo, snsHarness, TOPIC_ARN } from "./sns-support.ts";
import { ENDPOINT, newSimulator } from "./support.ts";

const HOSTILE_RECIPIENT = "<img/src=x/onerror=alert(1)>@example.test";
const HOSTILE_ANSWER = `<script>alert("worker")</script>`;

async function page(sim: { fetch(r: Request): Promise<Response> }, path: string): Promise<string> {
	const response = await sim.fetch(new Request(`${ENDPOINT}${path}`));
	expect(response.status).toBe(200);
	return response.text();
}

/** The rows of the message page's "SNS notifications" table, as text cells. */
function notificationRows(html: string): string[][] {
	const table = html.split("<h2>SNS notifications</h2>")[1]?.split("</table>")[0] ?? "";
	return [...table.matchAll(/<tr>\n([\s\S]*?)\n<\/tr>/g)].map((row) =>
		[...(row[1] ?? "").matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((cell) => cell[1] ?? ""),
	);
}

describe("the inbox shows each message's SNS notifications", () => {
	it("lists queued notifications, then the Worker's answers, escaped", async () => {
		const sim = newSimulator({
			sns: {
				deliver: async (request) =>
					JSON.parse(await request.text()).Message.includes('"Complaint"')
						? new Response(HOSTILE_ANSWER, { status: 500 })
						: new Response("ok", { status: 200 }),
			},
		});
		const message = await sendTo(sim, ["complaint@simulator.amazonses.com", HOSTILE_RECIPIENT]);

		const before = await page(sim, `/messages/${message.id}`);
		expect(notificationRows(before)).toEqual([
			[
				"Delivery",
				"complaint@simulator.amazonses.com, &lt;img/src=x/onerror=alert(1)&gt;@example.test",
				"2026-03-04 05:06:08 UTC",
				"queued",
			],
			["Complaint", "complaint@simulator.amazonses.com", "2026-03-04 05:06:08 UTC", "queued"],
		]);

		await sim.sns.flush();
		const after = await page(sim, `/messages/${message.id}`);
		expect(after).not.toContain("<script>");
		expect(after).not.toContain("<img");
		const rows = notificationRows(after);
		expect(rows.map((r) => r.slice(0, 3))).toEqual([
			[
				"Delivery",
				"complaint@simulator.amazonses.com, &lt;img/src=x/onerror=alert(1)&gt;@example.test",
				"2026-03-04 05:06:07 UTC",
			],
			["Complaint", "complaint@simulator.amazonses.com", "2026-03-04 05:06:07 UTC"],
		]);
		expect(rows[0]?.[3]).toBe("200<pre>2026-03-04 05:06:07 UTC: 200 ok</pre>");
		const escaped = "&lt;script&gt;alert(&quot;worker&quot;)&lt;/script&gt;";
		expect(rows[1]?.[3]).toBe(
			`500, gave up after 4 attempts<pre>${Array(4)
				.fill(`2026-03-04 05:06:07 UTC: 500 ${escaped}`)
				.join("\n")}</pre>`,
		);

		const inbox = await page(sim, "/");
		expect(inbox).toContain(
			'<td><span class="nowrap">Delivery 200</span><br><span class="nowrap">Complaint 500, gave up after 4 attempts</span></td>',
		);
		expect(inbox).not.toContain("<img");
	});

	it("says when no endpoint is configured", async () => {
		const sim = newSimulator();
		const message = await sendTo(sim, ["bounce@simulator.sendfleet.test"]);
		expect(notificationRows(await page(sim, `/messages/${message.id}`))).toEqual([
			[
				"Bounce",
				"bounce@simulator.sendfleet.test",
				"2026-03-04 05:06:07 UTC",
				"not posted (no endpoint)",
			],
		]);
		const inbox = await page(sim, "/");
		expect(inbox).toContain("No SNS endpoint is configured: events are recorded, not posted.");
		expect(inbox).toContain(`Topic <code>${TOPIC_ARN}</code>.`);
	});

	it("shows the subscription and documents the test recipients", async () => {
		const { sim } = snsHarness();
		const sent = await sim.sns.subscribe();
		await sim.fetch(new Request(JSON.parse(sent.body).SubscribeURL));
		const inbox = await page(sim, "/");
		expect(inbox).toContain(
			`Posting to <code>https://sendfleet.test/hooks/sns</code>; subscription confirmed (<code>${sim.sns.subscription().arn}</code>).`,
		);
		expect(inbox).toContain(`Signing certificate: <code>${sim.sns.certUrl}</code>`);
		const rows = [...inbox.matchAll(/<tr><td><code>([^<]+)<\/code><\/td><td>([^<]+)<\/td><\/tr>/g)];
		expect(rows.map((r) => [r[1], r[2]])).toEqual([
			["success@simulator.amazonses.com", "Delivery"],
			["bounce@simulator.amazonses.com", "Bounce Permanent/General"],
			["complaint@simulator.amazonses.com", "Delivery, then Complaint (abuse)"],
			["ooto@simulator.amazonses.com", "Delivery (the auto-reply is not an event)"],
			["suppressionlist@simulator.amazonses.com", "Bounce Permanent/OnAccountSuppressionList"],
			["delivered@simulator.sendfleet.test", "Delivery"],
			["bounce@simulator.sendfleet.test", "Bounce Permanent/General"],
			["softbounce@simulator.sendfleet.test", "Bounce Transient/General (mailbox full)"],
			["complaint@simulator.sendfleet.test", "Delivery, then Complaint (abuse)"],
			["delay@simulator.sendfleet.test", "DeliveryDelay, then Delivery"],
		]);
		expect(rows).toHaveLength(SIMULATOR_ADDRESSES.length);
	});
});
