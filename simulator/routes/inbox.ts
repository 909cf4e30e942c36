// The inbox: HTML pages to read what the Worker sent (`GET /`, `GET /messages/:id`, rendered by
// inbox-pages.ts), each attachment as a download (`GET /messages/:id/attachments/:index`, served
// by inbox-attachments.ts) and JSON endpoints for tests and scripts (`/_simulator/messages`).
// Email content is hostile by default: the pages escape it and frame its HTML in a sandbox, and
// an attachment is never rendered on the simulator's origin.

import { Hono } from "hono";
import type { SentAttachment } from "../attachments.ts";
import { htmlResponse, READ_ONLY_CSP } from "../html.ts";
import type { SnsPublisher } from "../sns/types.ts";
import type { SentMessage, SimulatorStore } from "../store.ts";
import { attachmentPath, downloadResponse, messagePageCsp } from "./inbox-attachments.ts";
import { renderInbox, renderMessage, renderMessageNotFound } from "./inbox-pages.ts";

export function createInboxRoutes(store: SimulatorStore, sns: SnsPublisher): Hono {
	const routes = new Hono();

	routes.get("/", () =>
		html(renderInbox(store.listMessages(), store.listFaults().length, sns), 200),
	);

	routes.get("/messages/:id", (c) => {
		const message = store.getMessage(c.req.param("id"));
		if (message === undefined) {
			return html(renderMessageNotFound(), 404);
		}
		return html(renderMessage(message, sns), 200, messagePageCsp(message, c.req.url));
	});

	routes.get("/messages/:id/attachments/:index", (c) => {
		const message = store.getMessage(c.req.param("id"));
		const index = c.req.param("index");
		const attachment = /^\d{1,4}$/.test(index) ? message?.attachments[Number(index)] : undefined;
		if (attachment === undefined) return c.text("No such attachment.", 404);
		return downloadResponse(attachment);
	});

	routes.get("/_simulator/messages", (c) => {
		const to = c.req.query("to");
		const from = c.req.query("from");
		return c.json({ messages: store.listMessages({ to, from }).map(messageJson) }, 200);
	});

	routes.get("/_simulator/messages/:id", (c) => {
		const message = store.getMessage(c.req.param("id"));
		if (message === undefined) return c.json({ error: "message not found" }, 404);
		return c.json(messageJson(message), 200);
	});

	routes.delete("/_simulator/messages", (c) => {
		const deleted = store.listMessages().length;
		store.clearMessages();
		return c.json({ deleted }, 200);
	});

	return routes;
}

function html(body: string, status: 200 | 404, csp: string = READ_ONLY_CSP): Response {
	return htmlResponse(body, status, csp);
}

/** An attachment's metadata as the JSON endpoints show it: the bytes are behind `url`. */
export interface AttachmentJson {
	filename: string;
	contentType: string;
	disposition: SentAttachment["disposition"];
	contentId: string | null;
	size: number;
	/** The download route, on the simulator's origin. */
	url: string;
}

/** A message as JSON: every field, attachments without their bytes (they may be 40 MB). */
function messageJson(m: SentMessage): Omit<SentMessage, "attachments"> & {
	attachments: AttachmentJson[];
} {
	return {
		...m,
		attachments: m.attachments.map((a, i) => ({
			filename: a.filename,
			contentType: a.contentType,
			disposition: a.disposition,
			contentId: a.contentId,
			size: a.size,
			url: attachmentPath(m, i),
		})),
	};
}
