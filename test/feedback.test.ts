/**
 * The feedback loop end to end: an email goes through the send-queue consumer to the SES
 * simulator, which posts SES's events as signed SNS messages to the Worker's /hooks/sns.
 */
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../simulator/app.ts";
import { createApp } from "../src/app.ts";
import { emails, suppressions, unmatchedNotifications } from "../src/db/schema.ts";
import type { Bindings } from "../src/env.ts";
import { SEND_QUEUE } from "../src/queues/index.ts";
import { api } from "./helpers/api.ts";
import { createQueuedEmail, createSender, db } from "./helpers/factories.ts";
import { runQueue } from "./helpers/queue.ts";
import { installSimulator, installSimulatorPostingToWorker } from "./helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(() => {
	({ sim, restore } = installSimulatorPostingToWorker());
});
afterEach(() => restore());

const load = async (id: string) => {
	const [row] = await db().select().from(emails).where(eq(emails.id, id));
	if (!row) throw new Error("gone");
	return row;
};

/** Sends a stored email through the consumer and delivers SES's events for it. */
async function sendThrough(sender: Awaited<ReturnType<typeof createSender>>, to: string[]) {
	const email = await createQueuedEmail(sender, { to });
	await runQueue(SEND_QUEUE, [{ emailId: email.id }]);
	const posted = await sim.sns.flush();
	return { email, posted };
}

const timeline = async (key: string, id: string) =>
	(await api("GET", `/emails/${id}`, { key })).json as {
		status: string;
		last_event: string;
		delivered_at: string | null;
		failure_reason: string | null;
		events: { type: string; recipient: string | null; details: Record<string, unknown> | null }[];
	};

describe("the feedback loop", () => {
	it("a delivery makes the email sent with delivered_at", async () => {
		const sender = await createSender();
		const { email, posted } = await sendThrough(sender, ["success@simulator.amazonses.com"]);
		expect(posted.map((p) => [p.eventType, p.status])).toEqual([["Delivery", 200]]);
		const got = await timeline(sender.key.token, email.id);
		expect(got).toMatchObject({ status: "sent", last_event: "delivered" });
		expect(got.delivered_at).toBeTypeOf("string");
		expect(got.events.map((e) => [e.type, e.recipient])).toEqual([
			["queued", null],
			["sent", null],
			["delivered", "success@simulator.amazonses.com"],
		]);
	});

	it("a hard bounce fails the email and suppresses the address: the next send answers 422", async () => {
		const sender = await createSender();
		const { email } = await sendThrough(sender, ["bounce@simulator.amazonses.com"]);
		const got = await timeline(sender.key.token, email.id);
		expect(got).toMatchObject({ status: "failed", last_event: "bounced" });
		expect(got.failure_reason).toContain("Hard bounce");
		expect(got.failure_reason).toContain("bounce@simulator.amazonses.com");

		const entry = await api("GET", "/suppressions/bounce@simulator.amazonses.com", {
			key: sender.key.token,
		});
		expect(entry.json).toMatchObject({ origin: "bounce", source_id: email.id });
		const next = await api("POST", "/emails", {
			key: sender.key.token,
			body: {
				from: sender.from,
				to: "bounce@simulator.amazonses.com",
				subject: "Again",
				text: "x",
			},
		});
		expect(next.status).toBe(422);
		expect(next.json.name).toBe("recipient_suppressed");
	});

	it("a complaint suppresses the address without failing the delivered email", async () => {
		const sender = await createSender();
		const { email, posted } = await sendThrough(sender, ["complaint@simulator.amazonses.com"]);
		expect(posted.map((p) => p.eventType)).toEqual(["Delivery", "Complaint"]);
		expect(await timeline(sender.key.token, email.id)).toMatchObject({
			status: "sent",
			last_event: "complained",
		});
		const entry = await api("GET", "/suppressions/complaint@simulator.amazonses.com", {
			key: sender.key.token,
		});
		expect(entry.json).toMatchObject({ origin: "complaint", source_id: email.id });
	});

	it("a soft bounce is only logged: no suppression, no status change", async () => {
		const sender = await createSender();
		const { email } = await sendThrough(sender, ["softbounce@simulator.sendfleet.test"]);
		const got = await timeline(sender.key.token, email.id);
		expect(got).toMatchObject({ status: "pending", last_event: "sent" });
		expect(got.events.at(-1)).toMatchObject({
			type: "soft_bounced",
			recipient: "softbounce@simulator.sendfleet.test",
			details: { bounce_type: "Transient" },
		});
		expect(
			(
				await api("GET", "/suppressions/softbounce@simulator.sendfleet.test", {
					key: sender.key.token,
				})
			).status,
		).toBe(404);
	});

	it("with several recipients: pending until all are delivered, failed if any hard-bounces", async () => {
		const sender = await createSender();
		const mixed = await sendThrough(sender, [
			"success@simulator.amazonses.com",
			"bounce@simulator.amazonses.com",
		]);
		expect((await timeline(sender.key.token, mixed.email.id)).status).toBe("failed");

		const delayed = await sendThrough(sender, ["a@example.org", "delay@simulator.sendfleet.test"]);
		const got = await timeline(sender.key.token, delayed.email.id);
		expect(got.status).toBe("sent");
		expect(got.events.map((e) => e.type)).toEqual([
			"queued",
			"sent",
			"delivered",
			"delivery_delayed",
			"delivered",
		]);
	});

	it("the same SNS message twice changes nothing the second time", async () => {
		const sender = await createSender();
		const { email } = await sendThrough(sender, ["bounce@simulator.amazonses.com"]);
		const [first] = sim.sns.sent();
		const again = await exports.default.fetch("https://api.sendfleet.test/hooks/sns", {
			method: "POST",
			headers: first?.headers ?? {},
			body: first?.body,
		});
		expect(await again.json()).toEqual({ status: "duplicate" });
		const got = await timeline(sender.key.token, email.id);
		expect(got.events.filter((e) => e.type === "bounced")).toHaveLength(1);
		const entries = await db()
			.select()
			.from(suppressions)
			.where(eq(suppressions.sourceId, email.id));
		expect(entries).toHaveLength(1);
	});

	it("a late delivery never turns a hard-bounced email back into sent", async () => {
		const sender = await createSender();
		const { email } = await sendThrough(sender, ["bounce@simulator.amazonses.com"]);
		const row = await load(email.id);
		await sim.sns.publish({
			eventType: "Delivery",
			mail: {
				messageId: row.sesMessageId,
				timestamp: new Date().toISOString(),
				tags: { sendfleet_email_id: [email.id] },
			},
			delivery: {
				timestamp: new Date().toISOString(),
				recipients: ["bounce@simulator.amazonses.com"],
			},
		});
		expect(await timeline(sender.key.token, email.id)).toMatchObject({
			status: "failed",
			last_event: "bounced",
		});
	});

	it("acknowledges an event for an unknown email and keeps it for diagnosis", async () => {
		const sesMessageId = `0100-unknown-${Date.now()}`;
		const result = await sim.sns.publish({
			eventType: "Bounce",
			mail: { messageId: sesMessageId, timestamp: new Date().toISOString() },
			bounce: {
				bounceType: "Permanent",
				bounceSubType: "General",
				bouncedRecipients: [{ emailAddress: "x@example.org" }],
			},
		});
		expect(result.attempts.map((a) => a.status)).toEqual([200]);
		const kept = await db()
			.select()
			.from(unmatchedNotifications)
			.where(eq(unmatchedNotifications.sesMessageId, sesMessageId));
		expect(kept).toHaveLength(1);
		expect(kept[0]?.type).toBe("bounce");
	});

	it("keeps a notification without our tag as unmatched, even with one of our SES message ids", async () => {
		// SES puts message tags in configuration-set event publishing only (never in an identity's
		// feedback notifications): our tag is what finds the email, by its primary key.
		const sender = await createSender();
		const { email } = await sendThrough(sender, ["success@simulator.amazonses.com"]);
		const row = await load(email.id);
		const result = await sim.sns.publish({
			notificationType: "Bounce",
			mail: { messageId: row.sesMessageId, timestamp: new Date().toISOString() },
			bounce: {
				bounceType: "Permanent",
				bounceSubType: "General",
				bouncedRecipients: [{ emailAddress: "success@simulator.amazonses.com" }],
			},
		});
		expect(result.attempts.map((a) => a.status)).toEqual([200]);
		const kept = await db()
			.select()
			.from(unmatchedNotifications)
			.where(eq(unmatchedNotifications.sesMessageId, row.sesMessageId ?? ""));
		expect(kept.map((k) => k.type)).toEqual(["bounce"]);
		expect(await timeline(sender.key.token, email.id)).toMatchObject({
			status: "sent",
			last_event: "delivered",
		});
	});

	it("keeps a notification whose tag names an email with another SES message id as unmatched", async () => {
		const sender = await createSender();
		const { email } = await sendThrough(sender, ["success@simulator.amazonses.com"]);
		const sesMessageId = `0100-other-${Date.now()}`;
		await sim.sns.publish({
			eventType: "Bounce",
			mail: {
				messageId: sesMessageId,
				timestamp: new Date().toISOString(),
				tags: { sendfleet_email_id: [email.id] },
			},
			bounce: {
				bounceType: "Permanent",
				bounceSubType: "General",
				bouncedRecipients: [{ emailAddress: "success@simulator.amazonses.com" }],
			},
		});
		const kept = await db()
			.select()
			.from(unmatchedNotifications)
			.where(eq(unmatchedNotifications.sesMessageId, sesMessageId));
		expect(kept).toHaveLength(1);
		expect(await timeline(sender.key.token, email.id)).toMatchObject({ status: "sent" });
	});

	it("keeps a notification whose tag is not one of our ids as unmatched, never a 500", async () => {
		// The email is found from the tag (src/db/queries/email-seq.ts): text that is no id, an id
		// in capitals, or another id of the email's window finds nothing, even with the email's
		// own SES message id, and is kept for diagnosis.
		const sender = await createSender();
		const { email } = await sendThrough(sender, ["success@simulator.amazonses.com"]);
		const { sesMessageId } = await load(email.id);
		const tags = ["not-an-id", "", email.id.toUpperCase(), `${email.id.slice(0, 20)}ffff`];
		for (const [i, tag] of tags.entries()) {
			const result = await sim.sns.publish({
				eventType: "Bounce",
				mail: {
					messageId: sesMessageId,
					timestamp: new Date().toISOString(),
					tags: { sendfleet_email_id: [tag] },
				},
				bounce: {
					bounceType: "Permanent",
					bounceSubType: "General",
					bouncedRecipients: [{ emailAddress: "success@simulator.amazonses.com" }],
				},
			});
			expect(
				result.attempts.map((a) => a.status),
				tag,
			).toEqual([200]);
			const kept = await db()
				.select()
				.from(unmatchedNotifications)
				.where(eq(unmatchedNotifications.sesMessageId, sesMessageId ?? ""));
			expect(kept, tag).toHaveLength(i + 1);
		}
		expect(await timeline(sender.key.token, email.id)).toMatchObject({ status: "sent" });
	});

	it("finds the email by our tag when the write that stored its SES message id never happened", async () => {
		const sender = await createSender();
		const email = await createQueuedEmail(sender, { to: ["ann@example.org"] });
		await sim.sns.publish({
			eventType: "Delivery",
			mail: {
				messageId: `0100-lost-${Date.now()}`,
				timestamp: new Date().toISOString(),
				tags: { sendfleet_email_id: [email.id as string] },
			},
			delivery: { timestamp: new Date().toISOString(), recipients: ["ann@example.org"] },
		});
		expect(await timeline(sender.key.token, email.id as string)).toMatchObject({
			status: "sent",
			last_event: "delivered",
		});
	});

	it("production configuration refuses the simulator's certificate", async () => {
		// A simulator posting to a Worker configured as in production (no local certificate prefix).
		const production = { ...(env as Bindings), SNS_LOCAL_CERT_URL_PREFIX: "" };
		const app = createApp();
		restore();
		({ sim, restore } = installSimulator({
			sns: { deliver: async (request) => app.fetch(request, production, createExecutionContext()) },
		}));
		const sender = await createSender();
		const { email, posted } = await sendThrough(sender, ["bounce@simulator.amazonses.com"]);
		expect(posted.map((p) => p.status)).toEqual([403]);
		const [answer] = sim.sns.sent().at(-1)?.attempts ?? [];
		expect(answer?.answer).toContain("untrusted_certificate_url");
		expect((await load(email.id)).status).toBe("pending");
		expect((await api("GET", "/suppressions", { key: sender.key.token })).json.data).toEqual([]);
	});
});
