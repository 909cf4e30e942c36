/**
 * `GET /emails/:id/attachments[/:attachment_id]`, as the `resend` SDK's
 * `emails.attachments.list/get` read them: each file's metadata with a `download_url` that
 * works without an API key for DOWNLOAD_LINK_TTL (src/routes/attachment-downloads.ts serves it).
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createDb } from "../../db/client.ts";
import { type AttachmentRow, findAttachmentsOfEmail } from "../../db/queries/attachments.ts";
import { findEmailOfAccount } from "../../db/queries/emails.ts";
import { type AppEnv, createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { UUID_PATTERN } from "../../lib/ids.ts";
import { signPath } from "../../lib/signed-url.ts";
import { HOUR } from "../../lib/time.ts";
import { DOWNLOAD_PURPOSE, downloadPath } from "../attachment-downloads.ts";
import { commonErrors, errorResponse, IdParam } from "../common-schemas.ts";

export const DOWNLOAD_LINK_TTL = HOUR;

const AttachmentData = z
	.object({
		id: z.string(),
		filename: z.string(),
		size: z.number().int(),
		content_type: z.string(),
		content_disposition: z.enum(["inline", "attachment"]),
		content_id: z.string().optional(),
		download_url: z.string(),
		expires_at: z.string(),
	})
	.openapi("Attachment");

const AttachmentList = z
	.object({ object: z.literal("list"), has_more: z.boolean(), data: z.array(AttachmentData) })
	.openapi("AttachmentList");

const AttachmentParams = IdParam.extend({
	attachment_id: z
		.string()
		.regex(UUID_PATTERN, "must be an attachment id as listed by GET /emails/{id}/attachments")
		.openapi({ param: { name: "attachment_id", in: "path" } }),
});

const listRoute = createRoute({
	method: "get",
	path: "/{id}/attachments",
	summary: "List an email's attachments, each with a download link valid for an hour",
	request: { params: IdParam },
	responses: {
		200: {
			description: "The attachments",
			content: { "application/json": { schema: AttachmentList } },
		},
		404: errorResponse("No such email in this account"),
		...commonErrors,
	},
});

const getRoute = createRoute({
	method: "get",
	path: "/{id}/attachments/{attachment_id}",
	summary: "Retrieve one attachment with a download link valid for an hour",
	request: { params: AttachmentParams },
	responses: {
		200: {
			description: "The attachment",
			content: {
				"application/json": {
					schema: AttachmentData.extend({ object: z.literal("attachment") }).openapi(
						"AttachmentWithObject",
					),
				},
			},
		},
		404: errorResponse("No such email or attachment in this account"),
		...commonErrors,
	},
});

async function present(c: Context<AppEnv>, row: AttachmentRow, now: number) {
	const expiresAt = now + DOWNLOAD_LINK_TTL;
	const path = downloadPath(row.emailId, row.id);
	const signed = await signPath(c.env.AWS_SECRET_ACCESS_KEY, DOWNLOAD_PURPOSE, path, expiresAt);
	return {
		id: row.id,
		filename: row.filename,
		size: row.size,
		content_type: row.contentType,
		content_disposition: row.contentId ? ("inline" as const) : ("attachment" as const),
		...(row.contentId ? { content_id: row.contentId } : {}),
		download_url: new URL(signed, c.req.url).toString(),
		expires_at: new Date(Math.floor(expiresAt / 1000) * 1000).toISOString(),
	};
}

/** The email's attachments; 404 when the email is not this account's (or has none stored). */
async function attachmentsOf(c: Context<AppEnv>, emailId: string) {
	const db = createDb(c.env.DB);
	const { accountId } = c.get("caller");
	const rows = await findAttachmentsOfEmail(db, accountId, emailId);
	if (rows.length === 0 && !(await findEmailOfAccount(db, accountId, emailId))) {
		throw notFound("Email");
	}
	return rows;
}

export const listAttachmentsRoute = createRouter().openapi(listRoute, async (c) => {
	const rows = await attachmentsOf(c, c.req.valid("param").id);
	const now = Date.now();
	const data = await Promise.all(rows.map((row) => present(c, row, now)));
	return c.json({ object: "list" as const, has_more: false, data }, 200);
});

export const getAttachmentRoute = createRouter().openapi(getRoute, async (c) => {
	const { id, attachment_id } = c.req.valid("param");
	const row = (await attachmentsOf(c, id)).find((r) => r.id === attachment_id);
	if (!row) throw notFound("Attachment");
	return c.json({ object: "attachment" as const, ...(await present(c, row, Date.now())) }, 200);
});
