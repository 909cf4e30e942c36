/**
 * The files of a send request's `attachments` (schemas.ts): each one's fields checked against
 * SES's limits as the request arrives, so a file SES would refuse is a validation error before
 * anything is stored, then handed on as an AttachmentInput (src/domain/attachments.ts fetches a
 * `path` and sizes the whole message).
 */
import { z } from "@hono/zod-openapi";
import {
	type AttachmentInput,
	MAX_CONTENT_ID_LENGTH,
	MAX_FILENAME_LENGTH,
	refusedExtension,
} from "../../domain/attachments.ts";
import { decodeBase64 } from "../../lib/base64.ts";

/**
 * Resend's attachment: base64 `content` or an https `path` (fetched once when the email is
 * accepted), a `filename` (from the path's last segment if left out), a `content_type` (from the
 * file name if left out) and a `content_id` for an inline image (`<img src="cid:…">`).
 */
export const Attachment = z
	.strictObject({
		filename: z
			.string()
			.min(1, "must not be empty")
			.max(MAX_FILENAME_LENGTH, `must be at most ${MAX_FILENAME_LENGTH} characters (SES's limit)`)
			.regex(/^[^\r\n]*$/, "must not contain line breaks")
			.superRefine((name, ctx) => {
				const extension = refusedExtension(name);
				if (extension) {
					ctx.addIssue({
						code: "custom",
						message: `SES refuses files with the ${extension} extension`,
					});
				}
			})
			.nullish(),
		content: z
			.string()
			.transform((text, ctx) => {
				const bytes = decodeBase64(text);
				if (!bytes) {
					ctx.addIssue({ code: "custom", message: "must be the file's bytes in base64" });
					return z.NEVER;
				}
				return bytes;
			})
			.nullish()
			.openapi({ type: "string", format: "byte", description: "The file's bytes in base64" }),
		path: z.string().max(2048, "must be at most 2048 characters").nullish().openapi({
			description: "An https URL on a public host, fetched once when the email is accepted",
		}),
		content_type: z
			.string()
			.max(255, "must be at most 255 characters")
			.regex(/^[\w.+-]+\/[\w.+-]+$/, "must be a media type such as application/pdf")
			.nullish(),
		content_id: z
			.string()
			.min(1, "must not be empty")
			.max(
				MAX_CONTENT_ID_LENGTH,
				`must be at most ${MAX_CONTENT_ID_LENGTH} characters (SES's limit)`,
			)
			.regex(/^[!-;=?-~]+$/, "must be printable ASCII without spaces, < or >")
			.nullish()
			.openapi({ description: 'Makes the attachment inline, for `<img src="cid:…">`' }),
	})
	.superRefine((a, ctx) => {
		if (!a.content === !a.path) {
			ctx.addIssue({
				code: "custom",
				message: "give either `content` (base64) or `path` (an https URL)",
			});
		} else if (a.content && !a.filename) {
			ctx.addIssue({ code: "custom", path: ["filename"], message: "is required with `content`" });
		}
	})
	.transform(
		(a): AttachmentInput => ({
			filename: a.filename,
			content: a.content,
			path: a.path,
			contentType: a.content_type,
			contentId: a.content_id,
		}),
	);
