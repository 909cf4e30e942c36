// The inbox's attachments, served so that a hostile one can do no harm: each is a download
// (`GET /messages/:id/attachments/:index`, always `content-disposition: attachment`, sandboxed,
// never rendered on the simulator's origin). The HTML's `cid:<ContentId>` references are
// rewritten to that route, and the message page's CSP lets images load from that one message's
// attachment path and nowhere else on the origin: a hostile email cannot reach the simulator's
// GET controls through an <img>.

import type { SentAttachment } from "../attachments.ts";
import { READ_ONLY_CSP } from "../html.ts";
import type { SentMessage } from "../store.ts";

/** The download route of a message's attachment (0-based, in the order sent). */
export function attachmentPath(m: Pick<SentMessage, "id">, index: number): string {
	return `/messages/${encodeURIComponent(m.id)}/attachments/${index}`;
}

/**
 * The message page's policy: READ_ONLY_CSP, plus images from this message's own attachment
 * route when it has attachments (the `cid:` images). The srcdoc frame inherits it. The origin is
 * the one the browser asked for, used only when it is a plain http(s) origin.
 */
export function messagePageCsp(m: SentMessage, requestUrl: string): string {
	if (m.attachments.length === 0) return READ_ONLY_CSP;
	const origin = new URL(requestUrl).origin;
	if (!/^https?:\/\/[A-Za-z0-9.\-[\]:]+$/.test(origin)) return READ_ONLY_CSP;
	const path = `${origin}/messages/${encodeURIComponent(m.id)}/attachments/`;
	return READ_ONLY_CSP.replace("img-src data:", `img-src data: ${path}`);
}

/**
 * The bytes, as a download whatever their type: `content-disposition: attachment`, nosniff and
 * a sandboxing CSP, so an HTML or SVG attachment never runs on the simulator's origin (an <img>
 * still shows an image: images ignore the disposition).
 */
export function downloadResponse(a: SentAttachment): Response {
	return new Response(a.content, {
		status: 200,
		headers: {
			"content-type": headerSafeType(a.contentType),
			"content-disposition": contentDisposition(a.filename),
			"content-security-policy": "default-src 'none'; sandbox",
			"x-content-type-options": "nosniff",
			"referrer-policy": "no-referrer",
			"cache-control": "no-store",
		},
	});
}

/** The stored type when it is a plain `type/subtype[; params]` header value. */
function headerSafeType(contentType: string): string {
	return /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(?:\s*;[ -~]*)?$/.test(contentType)
		? contentType
		: "application/octet-stream";
}

/** RFC 6266: an ASCII `filename` for old clients and the exact name as UTF-8 `filename*`. */
export function contentDisposition(filename: string): string {
	const ascii = filename.replace(/[^ -~]|["\\%]/g, "_");
	let exact: string;
	try {
		exact = encodeURIComponent(filename).replace(
			/['()*]/g,
			(ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
		);
	} catch {
		// A lone surrogate cannot be encoded; the ASCII name is all there is.
		return `attachment; filename="${ascii}"`;
	}
	return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

/**
 * The HTML with every `cid:<ContentId>` URL of one of the message's attachments pointing at its
 * download route (an INLINE one wins over an ATTACHMENT with the same id). Content ids compare
 * without their angle brackets; the URL form is percent-decoded first (RFC 2392).
 */
export function rewriteCidUrls(
	htmlBody: string,
	m: Pick<SentMessage, "id" | "attachments">,
): string {
	const byContentId = new Map<string, number>();
	m.attachments.forEach((a, i) => {
		if (a.contentId === null) return;
		const key = bareContentId(a.contentId);
		if (!byContentId.has(key) || a.disposition === "INLINE") byContentId.set(key, i);
	});
	if (byContentId.size === 0) return htmlBody;
	return htmlBody.replace(/\bcid:([^\s"'<>()\\]+)/gi, (whole, id: string) => {
		const index = byContentId.get(bareContentId(percentDecoded(id)));
		return index === undefined ? whole : attachmentPath(m, index);
	});
}

function bareContentId(contentId: string): string {
	return contentId.replace(/^<(.*)>$/, "$1");
}

function percentDecoded(text: string): string {
	try {
		return decodeURIComponent(text);
	} catch {
		return text;
	}
}
