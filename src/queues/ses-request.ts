/** A stored email as SES v2 `SendEmail` input; our email id rides along as a tag. */
import type { EmailRow } from "../db/queries/emails.ts";
import { formatMailbox, parseMailbox } from "../lib/addresses.ts";
import { EMAIL_ID_TAG, type SesSendEmailRequest } from "../services/ses.ts";

export function toSesRequest(email: EmailRow, configurationSet: string): SesSendEmailRequest {
	const format = (list: string[] | null) =>
		(list ?? []).map((value) => {
			const mailbox = parseMailbox(value);
			return mailbox ? formatMailbox(mailbox) : value;
		});
	const body: SesSendEmailRequest["Content"]["Simple"]["Body"] = {};
	if (email.text) body.Text = { Data: email.text, Charset: "UTF-8" };
	if (email.html) body.Html = { Data: email.html, Charset: "UTF-8" };
	const request: SesSendEmailRequest = {
		FromEmailAddress: format([email.from])[0] ?? email.from,
		Destination: { ToAddresses: format(email.to) },
		Content: {
			Simple: { Subject: { Data: email.subject, Charset: "UTF-8" }, Body: body },
		},
		EmailTags: [
			{ Name: EMAIL_ID_TAG, Value: email.id },
			...(email.tags ?? []).map((t) => ({ Name: t.name, Value: t.value })),
		],
		ConfigurationSetName: configurationSet,
	};
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
