import { describe, expect, it } from "vitest";
import { at, SES_ID, sendEmail, sendTo, sesEvents, snsHarness } from "./sns-support.ts";
import { minimalEmail, NOW, send } from "./support.ts";

/** The gist of an event: its type, kind and the recipients it names. */
function gist(event: Record<string, unknown>): unknown[] {
	const e = event as {
		eventType: string;
		delivery?: { recipients: string[] };
		bounce?: {
			bounceType: string;
			bounceSubType: string;
			bouncedRecipients: { emailAddress: string; status: string }[];
		};
		complaint?: { complaintFeedbackType: string; complainedRecipients: { emailAddress: string }[] };
		deliveryDelay?: { delayedRecipients: { emailAddress: string }[] };
	};
	switch (e.eventType) {
		case "Delivery":
			return ["Delivery", e.delivery?.recipients];
		case "Bounce":
			return [
				"Bounce",
				e.bounce?.bounceType,
				e.bounce?.bounceSubType,
				e.bounce?.bouncedRecipients.map((r) => `${r.emailAddress} ${r.status}`),
			];
		case "Complaint":
			return [
				"Complaint",
				e.complaint?.complaintFeedbackType,
				e.complaint?.complainedRecipients.map((r) => r.emailAddress),
			];
		case "DeliveryDelay":
			return ["DeliveryDelay", e.deliveryDelay?.delayedRecipients.map((r) => r.emailAddress)];
		default:
			return [e.eventType];
	}
}

const AMAZON = "simulator.amazonses.com";
const LOCAL = "simulator.sendfleet.test";

describe("SES events for each recipient address", () => {
	const cases: [string, unknown[][]][] = [
		[`success@${AMAZON}`, [["Delivery", [`success@${AMAZON}`]]]],
		[`bounce@${AMAZON}`, [["Bounce", "Permanent", "General", [`bounce@${AMAZON} 5.1.1`]]]],
		[
			`complaint@${AMAZON}`,
			[
				["Delivery", [`complaint@${AMAZON}`]],
				["Complaint", "abuse", [`complaint@${AMAZON}`]],
			],
		],
		[`ooto@${AMAZON}`, [["Delivery", [`ooto@${AMAZON}`]]]],
		[
			`suppressionlist@${AMAZON}`,
			[["Bounce", "Permanent", "OnAccountSuppressionList", [`suppressionlist@${AMAZON} 5.1.1`]]],
		],
		[`delivered@${LOCAL}`, [["Delivery", [`delivered@${LOCAL}`]]]],
		[`bounce@${LOCAL}`, [["Bounce", "Permanent", "General", [`bounce@${LOCAL} 5.1.1`]]]],
		[`softbounce@${LOCAL}`, [["Bounce", "Transient", "General", [`softbounce@${LOCAL} 4.2.2`]]]],
		[
			`complaint@${LOCAL}`,
			[
				["Delivery", [`complaint@${LOCAL}`]],
				["Complaint", "abuse", [`complaint@${LOCAL}`]],
			],
		],
		[
			`delay@${LOCAL}`,
			[
				["DeliveryDelay", [`delay@${LOCAL}`]],
				["Delivery", [`delay@${LOCAL}`]],
			],
		],
		// A +label is ignored and case does not matter; the address is reported as given.
		[
			`Bounce+Signup@Simulator.AmazonSES.com`,
			[["Bounce", "Permanent", "General", ["Bounce+Signup@Simulator.AmazonSES.com 5.1.1"]]],
		],
		[
			`softbounce+x@${LOCAL}`,
			[["Bounce", "Transient", "General", [`softbounce+x@${LOCAL} 4.2.2`]]],
		],
		// SES has no softbounce@ address: only SendFleet's domain has one.
		[`softbounce@${AMAZON}`, [["Delivery", [`softbounce@${AMAZON}`]]]],
		[`success@${LOCAL}`, [["Delivery", [`success@${LOCAL}`]]]],
		[`someone@example.test`, [["Delivery", ["someone@example.test"]]]],
		[`"Some One" <someone@example.test>`, [["Delivery", ["someone@example.test"]]]],
	];

	it.each(cases)("%s", async (address, expected) => {
		const { sim, worker } = snsHarness();
		const message = await sendTo(sim, [address]);
		const results = await sim.sns.flush();
		expect(sesEvents(worker.posted).map(gist)).toEqual(expected);
		expect(results.map((r) => [r.type, r.eventType, r.messageId, r.status])).toEqual(
			expected.map((e) => ["Notification", e[0], message.messageId, 200]),
		);
	});

	it("groups the recipients of one message by outcome, in the order given", async () => {
		const { sim, worker } = snsHarness();
		const message = await sendEmail(sim, {
			Destination: {
				ToAddresses: ["a@example.test", `bounce@${AMAZON}`],
				CcAddresses: [`success@${AMAZON}`, `softbounce@${LOCAL}`],
				BccAddresses: [`bounce@${LOCAL}`, `complaint@${AMAZON}`, "A@example.test"],
			},
		});
		await sim.sns.flush();
		const events = sesEvents(worker.posted);
		expect(events.map(gist)).toEqual([
			["Bounce", "Permanent", "General", [`bounce@${AMAZON} 5.1.1`, `bounce@${LOCAL} 5.1.1`]],
			["Bounce", "Transient", "General", [`softbounce@${LOCAL} 4.2.2`]],
			["Delivery", ["a@example.test", `success@${AMAZON}`, `complaint@${AMAZON}`]],
			["Complaint", "abuse", [`complaint@${AMAZON}`]],
		]);
		for (const event of events) {
			expect((event.mail as { destination: string[] }).destination).toEqual([
				"a@example.test",
				`bounce@${AMAZON}`,
				`success@${AMAZON}`,
				`softbounce@${LOCAL}`,
				`bounce@${LOCAL}`,
				`complaint@${AMAZON}`,
				"A@example.test",
			]);
			expect((event.mail as { messageId: string }).messageId).toBe(message.messageId);
		}
	});

	it("writes every field of every event type, with tags from EmailTags", async () => {
		const { sim, worker } = snsHarness();
		const message = await sendEmail(sim, {
			FromEmailAddress: "Acme <news@acme.test>",
			Destination: {
				ToAddresses: [`delay@${LOCAL}`, `complaint@${AMAZON}`],
				CcAddresses: [`bounce@${AMAZON}`],
			},
			ReplyToAddresses: ["help@acme.test"],
			Content: {
				Simple: {
					Subject: { Data: "Launch" },
					Body: { Text: { Data: "Hi" } },
					Headers: [{ Name: "X-Campaign", Value: "spring" }],
				},
			},
			EmailTags: [
				{ Name: "sendfleet_email_id", Value: "em_0123456789" },
				{ Name: "plan", Value: "pro" },
			],
			ConfigurationSetName: "sendfleet",
		});
		await sim.sns.flush();

		const tags = {
			"ses:configuration-set": ["sendfleet"],
			"ses:source-ip": ["127.0.0.1"],
			"ses:from-domain": ["acme.test"],
			"ses:caller-identity": ["sendfleet-simulator"],
			sendfleet_email_id: ["em_0123456789"],
			plan: ["pro"],
		};
		const mail = (extraTags: Record<string, string[]> = {}) => ({
			timestamp: "2026-03-04T05:06:07.890Z",
			source: "Acme <news@acme.test>",
			sourceArn: "arn:aws:ses:us-east-1:000000000000:identity/acme.test",
			sendingAccountId: "000000000000",
			messageId: message.messageId,
			destination: [`delay@${LOCAL}`, `complaint@${AMAZON}`, `bounce@${AMAZON}`],
			headersTruncated: false,
			headers: [
				{ name: "From", value: "Acme <news@acme.test>" },
				{ name: "Reply-To", value: "help@acme.test" },
				{ name: "To", value: `delay@${LOCAL}, complaint@${AMAZON}` },
				{ name: "Cc", value: `bounce@${AMAZON}` },
				{ name: "Subject", value: "Launch" },
				{ name: "MIME-Version", value: "1.0" },
				{ name: "Content-Type", value: "text/plain; charset=UTF-8" },
				{ name: "X-Campaign", value: "spring" },
			],
			commonHeaders: {
				from: ["Acme <news@acme.test>"],
				replyTo: ["help@acme.test"],
				to: [`delay@${LOCAL}`, `complaint@${AMAZON}`],
				cc: [`bounce@${AMAZON}`],
				messageId: message.messageId,
				subject: "Launch",
			},
			tags: { ...tags, ...extraTags },
		});
		const deliveryMail = mail({ "ses:outgoing-ip": ["127.0.0.1"] });

		expect(sesEvents(worker.posted)).toEqual([
			{
				eventType: "Bounce",
				bounce: {
					bounceType: "Permanent",
					bounceSubType: "General",
					bouncedRecipients: [
						{
							emailAddress: `bounce@${AMAZON}`,
							action: "failed",
							status: "5.1.1",
							diagnosticCode: "smtp; 550 5.1.1 user unknown",
						},
					],
					timestamp: at(100),
					feedbackId: expect.stringMatching(SES_ID),
					reportingMTA: "dsn; a8-70.smtp-out.amazonses.com",
				},
				mail: mail(),
			},
			{
				eventType: "Delivery",
				mail: deliveryMail,
				delivery: {
					timestamp: at(150),
					processingTimeMillis: 150,
					recipients: [`complaint@${AMAZON}`],
					smtpResponse: "250 2.6.0 Message received",
					remoteMtaIp: "127.0.0.1",
					reportingMTA: "a8-70.smtp-out.amazonses.com",
				},
			},
			{
				eventType: "DeliveryDelay",
				mail: mail(),
				deliveryDelay: {
					timestamp: at(200),
					delayType: "TransientCommunicationFailure",
					expirationTime: at(200 + 24 * 3600 * 1000),
					delayedRecipients: [
						{
							emailAddress: `delay@${LOCAL}`,
							status: "4.4.1",
							diagnosticCode: "smtp; 421 4.4.1 Unable to connect to remote host",
						},
					],
					reportingMTA: "a8-70.smtp-out.amazonses.com",
				},
			},
			{
				eventType: "Complaint",
				complaint: {
					complainedRecipients: [{ emailAddress: `complaint@${AMAZON}` }],
					timestamp: at(300),
					feedbackId: expect.stringMatching(SES_ID),
					userAgent: "Amazon SES Mailbox Simulator",
					complaintFeedbackType: "abuse",
					arrivalDate: at(150),
				},
				mail: mail(),
			},
			{
				eventType: "Delivery",
				mail: deliveryMail,
				delivery: {
					timestamp: at(1000),
					processingTimeMillis: 1000,
					recipients: [`delay@${LOCAL}`],
					smtpResponse: "250 2.6.0 Message received",
					remoteMtaIp: "127.0.0.1",
					reportingMTA: "a8-70.smtp-out.amazonses.com",
				},
			},
		]);
		// Each SNS message is timestamped when SES published the event.
		expect(worker.posted.map((p) => JSON.parse(p.body).Timestamp)).toEqual([
			at(100),
			at(150),
			at(200),
			at(300),
			at(1000),
		]);
	});

	it("writes the suppression-list and soft bounces as SES does", async () => {
		const { sim, worker } = snsHarness();
		await sendTo(sim, [`suppressionlist@${AMAZON}`, `softbounce@${LOCAL}`]);
		await sim.sns.flush();
		const bounces = sesEvents(worker.posted).map((e) => e.bounce);
		expect(bounces).toEqual([
			{
				bounceType: "Permanent",
				bounceSubType: "OnAccountSuppressionList",
				bouncedRecipients: [
					{
						emailAddress: `suppressionlist@${AMAZON}`,
						action: "failed",
						status: "5.1.1",
						diagnosticCode:
							"Amazon SES did not send the message to this address because it is on the suppression list for your account. For more information about removing addresses from the suppression list, see the Amazon SES Developer Guide at https://docs.aws.amazon.com/ses/latest/DeveloperGuide/sending-email-suppression-list.html",
					},
				],
				timestamp: at(100),
				feedbackId: expect.stringMatching(SES_ID),
				reportingMTA: "dns; amazonses.com",
			},
			{
				bounceType: "Transient",
				bounceSubType: "General",
				bouncedRecipients: [
					{
						emailAddress: `softbounce@${LOCAL}`,
						action: "failed",
						status: "4.2.2",
						diagnosticCode: "smtp; 452 4.2.2 Mailbox full",
					},
				],
				timestamp: at(100),
				feedbackId: expect.stringMatching(SES_ID),
				reportingMTA: "dsn; a8-70.smtp-out.amazonses.com",
			},
		]);
	});

	it("leaves out the configuration-set tag and optional headers when SendEmail had none", async () => {
		const { sim, worker } = snsHarness();
		const message = await sendEmail(sim, {
			Destination: { BccAddresses: ["hidden@example.test"] },
			Content: {
				Simple: {
					Subject: { Data: "Both" },
					Body: { Text: { Data: "t" }, Html: { Data: "<p>h</p>" } },
				},
			},
		});
		await sim.sns.flush();
		const [event] = sesEvents(worker.posted);
		expect(event?.mail).toEqual({
			timestamp: NOW.toISOString(),
			source: "sender@example.test",
			sourceArn: "arn:aws:ses:us-east-1:000000000000:identity/example.test",
			sendingAccountId: "000000000000",
			messageId: message.messageId,
			destination: ["hidden@example.test"],
			headersTruncated: false,
			headers: [
				{ name: "From", value: "sender@example.test" },
				{ name: "Subject", value: "Both" },
				{ name: "MIME-Version", value: "1.0" },
				{
					name: "Content-Type",
					value: `multipart/alternative; boundary="----=_Part_${message.id.slice(0, 8)}"`,
				},
			],
			commonHeaders: {
				from: ["sender@example.test"],
				messageId: message.messageId,
				subject: "Both",
			},
			tags: {
				"ses:source-ip": ["127.0.0.1"],
				"ses:from-domain": ["example.test"],
				"ses:caller-identity": ["sendfleet-simulator"],
				"ses:outgoing-ip": ["127.0.0.1"],
			},
		});
	});

	it("publishes nothing for a SendEmail that failed", async () => {
		const { sim, worker } = snsHarness();
		sim.addFault({ code: "TooManyRequestsException", status: 429, message: "slow down" });
		const response = await send(
			sim,
			minimalEmail({ Destination: { ToAddresses: [`bounce@${AMAZON}`] } }),
		);
		expect(response.status).toBe(429);
		expect(sim.sns.pending()).toEqual([]);
		expect(await sim.sns.flush()).toEqual([]);
		expect(worker.posted).toEqual([]);
	});
});
