/**
 * An email as SES v2 `SendEmail` input: the one place our email fields become SES's. Shared SES
 * sends a stored email with our id as a tag and our configuration set (so its events come back
 * to us); a BYOC send passes neither, because its events belong to the customer's own SES.
 * Attachments go as Simple content `Attachments`, so SES writes the MIME: one with a content id
 * is INLINE (for `<img src="cid:…">`), the others ATTACHMENT.
 */
import type { EmailRow } from "../db/queries/emails.ts";
import { formatMailbox, parseMailbox } from "../lib/addresses.ts";
import { EMAIL_ID_TAG, type SesAttachment, type SesSendEmailRequest } from "./ses.ts";

/** An attachment with its bytes, as the send path hands it over. */
export interface SesFile {
	filename: string;
	contentType: string;
	contentId: string | null;
	bytes: Uint8Array;
}

export type SesEmailFields = Pick<
	EmailRow,
	"from" | "to" | "cc" | "bcc" | "replyTo" | "subject" | "html" | "text" | "headers" | "tags"
>;

export function toSesRequest(
	email: SesEmailFields,
	options: { emailId?: string; configurationSet?: string } = {},
	files: SesFile[] = [],
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
	if (files.length) request.Content.Simple.Attachments = files.map(toSesAttachment);
	return request;
}

function toSesAttachment(file: SesFile): SesAttachment {
	return {
		FileName: file.filename,
		ContentType: file.contentType,
		ContentDisposition: file.contentId ? "INLINE" : "ATTACHMENT",
		...(file.contentId ? { ContentId: file.contentId } : {}),
		// Binary files must be base64 in the message; SES's default (7bit) is for text only.
		ContentTransferEncoding: "BASE64",
		RawContent: file.bytes,
	};
}
