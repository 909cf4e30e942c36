import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseSesNotification } from "../../src/services/ses-notifications.ts";

const fixtures = (env as unknown as { TEST_SES_NOTIFICATIONS: Record<string, string> })
	.TEST_SES_NOTIFICATIONS;
const parse = (path: string) => {
	const text = fixtures[path];
	if (!text) throw new Error(`no fixture ${path}`);
	const result = parseSesNotification(text);
	if (!result.ok) throw new Error(result.reason);
	return result.event;
};

describe("parseSesNotification, on SES's own examples", () => {
	it("reads an event-publishing hard bounce with its recipient diagnostics", () => {
		expect(parse("event-publishing/bounce.json")).toEqual({
			kind: "bounce",
			sesMessageId: "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000",
			emailId: null,
			occurredAt: Date.parse("2017-08-05T00:41:02.669Z"),
			// The mail's timestamp: when SES accepted the message.
			sentAt: Date.parse("2017-08-05T00:40:02.012Z"),
			recipients: ["recipient@example.com"],
			bounceType: "Permanent",
			details: {
				bounce_type: "Permanent",
				bounce_sub_type: "General",
				diagnostics: [
					{
						email: "recipient@example.com",
						status: "5.1.1",
						diagnostic_code: "smtp; 550 5.1.1 user unknown",
					},
				],
			},
		});
	});

	it.each([
		["event-publishing/delivery.json", "delivery", ["recipient@example.com"]],
		["event-publishing/complaint.json", "complaint", ["recipient@example.com"]],
		["event-publishing/deliverydelay.json", "delivery_delay", ["recipient@example.com"]],
		["event-publishing/reject.json", "reject", []],
		["event-publishing/rendering-failure.json", "rendering_failure", []],
		["event-publishing/send.json", "send", []],
		["event-publishing/open.json", "open", []],
		["event-publishing/click.json", "click", []],
		["event-publishing/subscription.json", "subscription", []],
		["identity-notifications/delivery.json", "delivery", ["jane@example.com"]],
		["identity-notifications/bounce-with-dsn.json", "bounce", undefined],
		["identity-notifications/bounce-without-dsn.json", "bounce", undefined],
		["identity-notifications/complaint-with-feedback-report.json", "complaint", undefined],
		[
			"identity-notifications/complaint-without-feedback-report.json",
			"complaint",
			["richard@example.com"],
		],
	] as const)("reads %s as %s", (path, kind, recipients) => {
		const event = parse(path);
		expect(event.kind).toBe(kind);
		expect(event.sesMessageId.length).toBeGreaterThan(10);
		expect(Number.isFinite(event.occurredAt)).toBe(true);
		if (recipients) expect(event.recipients).toEqual(recipients);
		else expect(event.recipients.length).toBeGreaterThan(0);
	});

	it("keeps the complaint's feedback type and the reject's reason", () => {
		expect(parse("event-publishing/complaint.json").details).toEqual({ feedback_type: "abuse" });
		expect(parse("event-publishing/reject.json").details).toEqual({ reason: "Bad content" });
	});

	it("finds our email id in the event-publishing tags", () => {
		const base = JSON.parse(fixtures["event-publishing/delivery.json"] ?? "{}");
		base.mail.tags.sendfleet_email_id = ["0192f1a4-7c3e-7d2a-9b1e-3f5a6c7d8e9f"];
		const result = parseSesNotification(JSON.stringify(base));
		expect(result.ok && result.event.emailId).toBe("0192f1a4-7c3e-7d2a-9b1e-3f5a6c7d8e9f");
	});

	it("refuses what is not SES feedback, saying why", () => {
		expect(parseSesNotification("Hello world")).toEqual({
			ok: false,
			reason: "the message is not JSON",
		});
		expect(parseSesNotification("{}")).toEqual({
			ok: false,
			reason: "the message is not an SES notification",
		});
		expect(parseSesNotification('{"eventType":"Bounce","mail":{"messageId":"x"}}')).toEqual({
			ok: false,
			reason: "the Bounce notification has no bounce object",
		});
		expect(parseSesNotification('{"eventType":"Teleport","mail":{"messageId":"x"}}')).toEqual({
			ok: false,
			reason: 'unknown SES event type "Teleport"',
		});
	});
});
