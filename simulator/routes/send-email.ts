// SES v2 SendEmail (`POST /v2/email/outbound-emails`): validates the request the way SES does,
// checks IAM, applies injected faults, stores the message, hands it to the SNS side (which
// publishes its SES events) and answers with an SES-style MessageId. A customer account's send
// must also pass SES's identity and sandbox checks (sending-checks.ts) and publishes no events
// to SendFleet's topic: its SES would publish to the customer's own.
// Only Content.Simple is implemented; Raw and Template answer BadRequestException for now.
// Simple content may carry Attachments (attachments.ts): their shape is validated with the rest
// of the request; a refused file extension or a message over 40 MB is SES's MessageRejected,
// checked last, once the caller may send; the bytes are decoded only for a message accepted.

import { Hono } from "hono";
import { addressProblem } from "../address.ts";
import {
	checkMessageContent,
	decodeAttachment,
	parseAttachments,
	type RequestAttachment,
} from "../attachments.ts";
import type { AwsRegistry } from "../aws-accounts.ts";
import { authorize, type SesEnv, sesIdentityArn } from "../aws-auth.ts";
import { AwsError } from "../aws-error.ts";
import type { DnsStore } from "../dns.ts";
import {
	badRequest,
	type Json,
	parseJsonBody,
	requireObject,
	requireString,
	wrongType,
} from "../rest-json.ts";
import { checkCustomerSend, senderIdentity } from "../sending-checks.ts";
import type { NameValue, SentMessage, SimulatorStore } from "../store.ts";

export interface SendEmailDeps {
	store: SimulatorStore;
	now: () => Date;
	registry: AwsRegistry;
	dns: DnsStore;
	/** Called with every message the platform account sent (the SNS side queues its SES events). */
	onAccepted?: (message: SentMessage) => void;
}

/** SES's per-message limit across To, Cc and Bcc (SES API reference, SendEmail). */
export const MAX_RECIPIENTS = 50;

export function createSendEmailRoutes(deps: SendEmailDeps): Hono<SesEnv> {
	const routes = new Hono<SesEnv>();

	routes.post("/v2/email/outbound-emails", async (c) => {
		const caller = c.get("caller");
		const email = parseSendEmail(parseJsonBody(await c.req.arrayBuffer()));
		const recipients = [...email.to, ...email.cc, ...email.bcc];
		authorize(
			deps.registry,
			caller,
			"ses:SendEmail",
			sesIdentityArn(caller, senderIdentity(email.from)),
		);
		const fault = deps.store.takeFault({
			operation: "SendEmail",
			from: email.from,
			recipients,
			awsAccountId: caller.accountId,
		});
		if (fault !== undefined) throw new AwsError(fault.code, fault.status, fault.message);

		const receivedAt = deps.now();
		if (!caller.platform) {
			checkCustomerSend({
				state: deps.registry.regionState(caller.accountId, caller.region),
				dns: deps.dns,
				region: caller.region,
				sandbox: deps.registry.accounts.get(caller.accountId)?.sandbox ?? true,
				now: receivedAt,
				from: email.from,
				recipients,
			});
		}
		checkMessageContent(email);
		const messageId = createMessageId(receivedAt);
		const { attachments, ...fields } = email;
		const stored = deps.store.addMessage({
			...fields,
			attachments: attachments.map(decodeAttachment),
			messageId,
			receivedAt: receivedAt.toISOString(),
			awsAccountId: caller.accountId,
			region: caller.region,
		});
		if (caller.platform) deps.onAccepted?.(stored);
		c.header("x-amzn-RequestId", crypto.randomUUID());
		return c.json({ MessageId: messageId }, 200);
	});

	return routes;
}

/**
 * An id shaped like SES's: `0100` + the send time in milliseconds as 12 hex digits, a UUID and
 * `-000000` (e.g. `0100019a2b3c4d5e-0f1e2d3c-...-000000`). Callers should treat it as opaque.
 */
export function createMessageId(at: Date): string {
	return `0100${at.getTime().toString(16).padStart(12, "0")}-${crypto.randomUUID()}-000000`;
}

interface ParsedEmail {
	from: string;
	to: string[];
	cc: string[];
	bcc: string[];
	replyTo: string[];
	subject: string;
	html: string | null;
	text: string | null;
	headers: NameValue[];
	tags: NameValue[];
	configurationSetName: string | null;
	attachments: RequestAttachment[];
}

function parseSendEmail(body: unknown): ParsedEmail {
	if (typeof body !== "object" || body === null || Array.isArray(body)) {
		badRequest("The request body must be a JSON object.");
	}
	const request = body as Json;
	const from = requireString(request.FromEmailAddress, "fromEmailAddress");
	checkAddress(from);

	const destination = requireObject(request.Destination, "destination");
	const to = optionalStringList(destination.ToAddresses, "destination.toAddresses");
	const cc = optionalStringList(destination.CcAddresses, "destination.ccAddresses");
	const bcc = optionalStringList(destination.BccAddresses, "destination.bccAddresses");
	const recipients = [...to, ...cc, ...bcc];
	if (recipients.length === 0) badRequest("Destination must contain at least one recipient.");
	// The wording is SES's (v1 answered it as InvalidParameterValue; v2 has BadRequestException).
	if (recipients.length > MAX_RECIPIENTS) badRequest(`Recipient count exceeds ${MAX_RECIPIENTS}.`);
	for (const address of recipients) checkAddress(address);
	const replyTo = optionalStringList(request.ReplyToAddresses, "replyToAddresses");
	for (const address of replyTo) checkAddress(address);

	const content = requireObject(request.Content, "content");
	const kinds = ["Simple", "Raw", "Template"].filter((k) => content[k] !== undefined);
	if (kinds.length > 1) badRequest("Content must contain exactly one of Simple, Raw or Template.");
	if (content.Simple === undefined && kinds.length === 1) {
		badRequest(
			`Content.${kinds[0]} is not supported by the SES simulator yet; use Content.Simple.`,
		);
	}
	const simple = requireObject(content.Simple, "content.simple");
	const subject = requireString(
		requireObject(simple.Subject, "content.simple.subject").Data,
		"content.simple.subject.data",
	);
	const bodyParts = requireObject(simple.Body, "content.simple.body");
	const text = optionalContent(bodyParts.Text, "content.simple.body.text");
	const html = optionalContent(bodyParts.Html, "content.simple.body.html");
	if (text === null && html === null) badRequest("Body must contain Text, Html or both.");
	const headers = optionalNameValueList(simple.Headers, "content.simple.headers");
	for (const header of headers) checkHeader(header);
	const attachments = parseAttachments(simple.Attachments, "content.simple.attachments");

	const tags = optionalNameValueList(request.EmailTags, "emailTags");
	for (const tag of tags) checkTag(tag);

	const configurationSetName = request.ConfigurationSetName;
	if (configurationSetName !== undefined && typeof configurationSetName !== "string") {
		wrongType("configurationSetName", "string");
	}

	return {
		from,
		to,
		cc,
		bcc,
		replyTo,
		subject,
		html,
		text,
		headers,
		tags,
		configurationSetName: configurationSetName ?? null,
		attachments,
	};
}

function checkAddress(address: string): void {
	const problem = addressProblem(address);
	if (problem !== null) badRequest(problem);
}

// Constraints from the SES v2 API reference, MessageHeader.
function checkHeader({ name, value }: NameValue): void {
	if (!/^[!-9;-~]{1,126}$/.test(name)) {
		badRequest(
			`Invalid header name '${name}': printable ASCII except ':' only, at most 126 characters.`,
		);
	}
	if (!/^[ -~]{1,870}$/.test(value)) {
		badRequest(`Invalid value for header '${name}': printable ASCII only, 1 to 870 characters.`);
	}
}

// Constraints from the SES v2 API reference, MessageTag.
function checkTag({ name, value }: NameValue): void {
	if (!/^[A-Za-z0-9_-]{1,256}$/.test(name)) {
		badRequest(
			`Invalid tag name <${name}>: only alphanumeric ASCII characters, '_', and '-' are allowed.`,
		);
	}
	if (!/^[A-Za-z0-9_-]{1,256}$/.test(value)) {
		badRequest(
			`Invalid tag value <${value}>: only alphanumeric ASCII characters, '_', and '-' are allowed.`,
		);
	}
}

function optionalStringList(value: unknown, path: string): string[] {
	if (value === undefined || value === null) return [];
	if (!Array.isArray(value)) return wrongType(path, "list");
	return value.map((item, i) => requireString(item, `${path}.${i + 1}.member`));
}

function optionalContent(value: unknown, path: string): string | null {
	if (value === undefined || value === null) return null;
	return requireString(requireObject(value, path).Data, `${path}.data`);
}

function optionalNameValueList(value: unknown, path: string): NameValue[] {
	if (value === undefined || value === null) return [];
	if (!Array.isArray(value)) return wrongType(path, "list");
	return value.map((item, i) => {
		const entry = requireObject(item, `${path}.${i + 1}.member`);
		return {
			name: requireString(entry.Name, `${path}.${i + 1}.member.name`),
			value: requireString(entry.Value, `${path}.${i + 1}.member.value`),
		};
	});
}
