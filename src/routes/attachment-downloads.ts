/**
 * `GET /attachment-downloads/:email_id/:attachment_id?expires=&signature=`: an attachment's
 * bytes from R2, for the `download_url` GET /emails/:id/attachments hands out. The signature is
 * the credential (src/lib/signed-url.ts), so the link works in a browser or a plain `fetch`
 * until it expires, and not a second after.
 */
import { Hono } from "hono";
import { createDb } from "../db/client.ts";
import { findAttachment } from "../db/queries/attachments.ts";
import type { AppEnv } from "../env.ts";
import { ApiError, notFound } from "../lib/errors.ts";
import { verifyPath } from "../lib/signed-url.ts";

export const DOWNLOAD_PURPOSE = "sendfleet attachment download v1";

export const downloadPath = (emailId: string, attachmentId: string) =>
	`/attachment-downloads/${emailId}/${attachmentId}`;

export const attachmentDownloads = new Hono<AppEnv>().get(
	"/:email_id/:attachment_id",
	async (c) => {
		const emailId = c.req.param("email_id");
		const attachmentId = c.req.param("attachment_id");
		const valid = await verifyPath(
			c.env.AWS_SECRET_ACCESS_KEY,
			DOWNLOAD_PURPOSE,
			downloadPath(emailId, attachmentId),
			c.req.query("expires"),
			c.req.query("signature"),
		);
		if (!valid) {
			throw new ApiError(
				"forbidden",
				"This download link is invalid or has expired; links last an hour. Get a new one with GET /emails/{id}/attachments.",
			);
		}
		const row = await findAttachment(createDb(c.env.DB), emailId, attachmentId);
		const object = row ? await c.env.ATTACHMENTS.get(row.r2Key) : null;
		if (!row || !object) throw notFound("Attachment");
		const disposition = row.contentId ? "inline" : "attachment";
		return new Response(object.body, {
			headers: {
				"content-type": row.contentType,
				"content-length": String(row.size),
				"content-disposition": `${disposition}; filename*=UTF-8''${encodeURIComponent(row.filename)}`,
				// The file is the customer's: never let a browser run it as a page of ours.
				"x-content-type-options": "nosniff",
				"content-security-policy": "default-src 'none'; sandbox",
				"cache-control": "private, max-age=0, no-store",
			},
		});
	},
);
