/**
 * An email as SES v2 `SendEmail` input: the one place our email fields become SES's. Shared SES
 * sends a stored email with our id as a tag and our configuration set (so its events come back
 * to us); a BYOC send passes neither, because its events belong to the customer's own SES.
 */
import type { EmailRow } from "../db/queries/emails.ts";
import { formatMailbox, parseMailbox } from "../lib/addresses.ts";
import { EMAIL_ID_TAG, type SesSendEmailRequest } from "./ses.ts";

export type SesEmailFields = Pick<
	EmailRow,
	"from" | "to" | "cc" | "bcc" | "replyTo" | "subject" | "html" | "text" | "headers" | "tags"
>;

export function toSesRequest(
	email: SesEmailFields,
	options: { emailId?: string; configurationSet?: string } = {},
): SesSendEmailRequest {
	const format = (list: string[] | null) =>
		(list ?? []).map((value) => {
			const mailbox = parseMailbox(value);
			return mailbox ? formatMailbox(mailbox) : value;
		});
	const body: SesSendEmailRequest["Content"]["Simple"]["Body"] = {};
	if (email.text) body.Text = { Data: email.text, Charset: "UTF-8" };
	if (email.html) body.Html = { Data: email.html, Charset: "UTF-8" };
	const tags = [
		...(options.emailId ? [{ Name: EMAIL_ID_TAG, Value: options.emailId }] : []),
		...(email.tags ?? []).map((t) => ({ Name: t.name, Value: t.value })),
	];
	const request: SesSendEmailRequest = {
		FromEmailAddress: format([email.from])[0] ?? email.from,
		Destination: { ToAddresses: format(email.to) },
		Content: {
			Simple: { Subject: { Data: email.subject, Charset: "UTF-8" }, Body: body },
		},
	};
	if (tags.length) request.EmailTags = tags;
	if (options.configurationSet) request.ConfigurationSetName = options.configurationSet;
	if (email.cc) request.Destination.CcAddresses = format(email.cc);
	if (email.bcc) request.Destination.BccAddresses = format(email.bcc);
	if (email.replyTo) request.ReplyToAddresses = format(email.replyTo);
	if (email.headers) {
		request.Content.Simple.Headers = Object.entries(email.headers).map(([Name, Value]) => ({
			Name,
			Value,
		}));
	}
	return request;
}
