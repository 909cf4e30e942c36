// The inbox: HTML pages to read what the Worker sent (`GET /`, `GET /messages/:id`) and JSON
// endpoints for tests and scripts (`/_simulator/messages`). Email content is hostile by default:
// every user-controlled string is HTML-escaped (html.ts), the email's HTML is shown only inside an
// `<iframe sandbox>` (no scripts, no forms, no navigation, an opaque origin), and the page's CSP
// forbids scripts and all network loads; a srcdoc frame inherits that policy.
// Each message also shows the SNS notifications the simulator posted about it (or queued) and
// the Worker's answers; the inbox lists the special recipient addresses (ses-events.ts).
// Attachments: each is listed with a download link (`GET /messages/:id/attachments/:index`,
// always `content-disposition: attachment`, sandboxed, never rendered on the simulator's
// origin). The HTML's `cid:<ContentId>` references are rewritten to that route, and the message
// page's CSP lets images load from that one message's attachment path and nowhere else on the
// origin: a hostile email cannot reach the simulator's GET controls through an <img>.

import { Hono } from "hono";
import type { SentAttachment } from "../attachments.ts";
import { PLATFORM_ACCOUNT_ID } from "../aws-accounts.ts";
import { escapeHtml, htmlResponse, page, READ_ONLY_CSP } from "../html.ts";
import { SIMULATOR_ADDRESSES } from "../ses-events.ts";
import type { PendingNotification, SentNotification, SnsPublisher } from "../sns/types.ts";
import type { NameValue, SentMessage, SimulatorStore } from "../store.ts";

type Notification = PendingNotification | SentNotification;

export function createInboxRoutes(store: SimulatorStore, sns: SnsPublisher): Hono {
	const routes = new Hono();

	routes.get("/", () =>
		html(renderInbox(store.listMessages(), store.listFaults().length, sns), 200),
	);

	routes.get("/messages/:id", (c) => {
		const message = store.getMessage(c.req.param("id"));
		if (message === undefined) {
			return html(page("Not found", `<p>No message with this id.</p>${backLink}`), 404);
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

/** The download route of a message's attachment (0-based, in the order sent). */
export function attachmentPath(m: Pick<SentMessage, "id">, index: number): string {
	return `/messages/${encodeURIComponent(m.id)}/attachments/${index}`;
}

/**
 * The message page's policy: READ_ONLY_CSP, plus images from this message's own attachment
 * route when it has attachments (the `cid:` images). The srcdoc frame inherits it. The origin is
 * the one the browser asked for, used only when it is a plain http(s) origin.
 */
function messagePageCsp(m: SentMessage, requestUrl: string): string {
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
function downloadResponse(a: SentAttachment): Response {
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

function formatSize(bytes: number): string {
	if (bytes < 1024) return `${bytes} bytes`;
	const [value, unit] = bytes < 1024 * 1024 ? [bytes / 1024, "KB"] : [bytes / 1024 / 1024, "MB"];
	return `${value.toFixed(1)} ${unit} (${bytes} bytes)`;
}

function renderAttachments(m: SentMessage): string {
	if (m.attachments.length === 0) return "";
	const rows = m.attachments
		.map(
			(a, i) => `<tr>
<td><a href="${escapeHtml(attachmentPath(m, i))}">${escapeHtml(a.filename)}</a></td>
<td>${escapeHtml(a.contentType)}</td>
<td class="nowrap">${escapeHtml(formatSize(a.size))}</td>
<td>${escapeHtml(a.disposition === "INLINE" ? "inline" : "attachment")}${
				a.contentId === null ? "" : ` <code>${escapeHtml(`cid:${a.contentId}`)}</code>`
			}</td>
</tr>`,
		)
		.join("\n");
	return `<h2>Attachments</h2>
<table><thead><tr><th>File</th><th>Type</th><th>Size</th><th>Disposition</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
}

const backLink = '<p><a href="/">&larr; Inbox</a></p>';

function renderInbox(messages: SentMessage[], pendingFaults: number, sns: SnsPublisher): string {
	const rows = messages
		.map(
			(m) => `<tr>
<td class="nowrap">${escapeHtml(formatTime(m.receivedAt))}</td>
<td>${escapeHtml(m.from)}${awsLabel(m)}</td>
<td>${escapeHtml([...m.to, ...m.cc, ...m.bcc].join(", "))}</td>
<td><a href="/messages/${escapeHtml(encodeURIComponent(m.id))}">${escapeHtml(m.subject || "(no subject)")}</a>${
				m.attachments.length === 0
					? ""
					: ` <span class="muted nowrap">${escapeHtml(`(${m.attachments.length} attachment${m.attachments.length === 1 ? "" : "s"})`)}</span>`
			}</td>
<td>${sns
				.notificationsFor(m.messageId)
				.map((n) => `<span class="nowrap">${escapeHtml(`${label(n)} ${answer(n, sns)}`)}</span>`)
				.join("<br>")}</td>
</tr>`,
		)
		.join("\n");
	const faults =
		pendingFaults > 0
			? `<p class="warn">${pendingFaults} fault rule(s) pending: see <code>GET /_simulator/faults</code>.</p>`
			: "";
	const table =
		messages.length === 0
			? "<p>No messages yet. Emails sent through the simulator appear here.</p>"
			: `<table><thead><tr><th>Received</th><th>From</th><th>To</th><th>Subject</th><th>SNS notifications</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
	return page(
		"Inbox",
		`<h1>SES simulator inbox</h1>
<p class="muted">${messages.length} message(s), newest first. JSON: <code>GET /_simulator/messages</code>.
Webhook deliveries from the Worker: <a href="/webhooks">the webhook receiver</a>.</p>
${faults}${table}
${renderSnsStatus(sns)}
${renderAddresses()}`,
	);
}

function renderSnsStatus(sns: SnsPublisher): string {
	const subscription = sns.subscription();
	const target =
		sns.endpoint === null
			? "No SNS endpoint is configured: events are recorded, not posted."
			: `Posting to <code>${escapeHtml(sns.endpoint)}</code>; subscription ${
					subscription.confirmed
						? `confirmed (<code>${escapeHtml(subscription.arn ?? "")}</code>)`
						: "not confirmed"
				}.`;
	return `<h2>SNS</h2>
<p>Topic <code>${escapeHtml(sns.topicArn)}</code>. ${target}
Signing certificate: <code>${escapeHtml(sns.certUrl)}</code>. JSON: <code>GET /_simulator/sns</code>.</p>`;
}

function renderAddresses(): string {
	const rows = SIMULATOR_ADDRESSES.map(
		(a) =>
			`<tr><td><code>${escapeHtml(a.address)}</code></td><td>${escapeHtml(a.events)}</td></tr>`,
	).join("\n");
	return `<h2>Test recipients</h2>
<p class="muted">After each send, SES events are published for every recipient; any other address
is delivered. A <code>+label</code> before the <code>@</code> is ignored. SES does not count mail to
<code>@simulator.amazonses.com</code> in reputation metrics and neither does SendFleet's guard;
<code>@simulator.sendfleet.test</code> addresses count, so suspension can be shown locally.</p>
<table><thead><tr><th>Recipient</th><th>Events</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
}

/** "Delivery", "Bounce", "SubscriptionConfirmation"… */
function label(n: Notification): string {
	return n.eventType ?? n.type;
}

/** What became of a notification, in a few words. */
function answer(n: Notification, sns: SnsPublisher): string {
	if (!("attempts" in n)) return sns.endpoint === null ? "not posted (no endpoint)" : "queued";
	const last = n.attempts.at(-1);
	const status = last === undefined ? "" : last.status === null ? "no answer" : String(last.status);
	switch (n.outcome) {
		case "recorded":
			return "not posted";
		case "posting":
			return last === undefined ? "posting" : `${status}, retrying`;
		case "delivered":
			return status;
		case "failed":
			return `${status}, gave up after ${n.attempts.length} attempts`;
	}
}

function renderNotifications(notifications: Notification[], sns: SnsPublisher): string {
	if (notifications.length === 0) return "";
	const rows = notifications
		.map((n) => {
			const time = "attempts" in n ? (n.attempts.at(-1)?.at ?? n.message.Timestamp) : n.timestamp;
			const attempts =
				"attempts" in n
					? n.attempts
							.map((a) => `${formatTime(a.at)}: ${a.status ?? "no answer"} ${a.answer}`.trim())
							.join("\n")
					: "";
			return `<tr>
<td>${escapeHtml(label(n))}</td>
<td>${escapeHtml(n.recipients.join(", "))}</td>
<td class="nowrap">${escapeHtml(formatTime(time))}</td>
<td>${escapeHtml(answer(n, sns))}${attempts === "" ? "" : `<pre>${escapeHtml(attempts)}</pre>`}</td>
</tr>`;
		})
		.join("\n");
	return `<h2>SNS notifications</h2>
<table><thead><tr><th>Event</th><th>Recipients</th><th>Time</th><th>Worker's answer</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
}

function renderMessage(m: SentMessage, sns: SnsPublisher): string {
	const field = (label: string, value: string) =>
		value === "" ? "" : `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`;
	const pairs = (list: NameValue[]) => list.map((p) => `${p.name}: ${p.value}`).join("\n");
	const htmlPart =
		m.html === null
			? ""
			: `<h2>HTML</h2>
<iframe sandbox="" referrerpolicy="no-referrer" title="HTML body" srcdoc="${escapeHtml(rewriteCidUrls(m.html, m))}"></iframe>`;
	const textPart = m.text === null ? "" : `<h2>Text</h2><pre>${escapeHtml(m.text)}</pre>`;
	return page(
		m.subject || "(no subject)",
		`${backLink}
<h1>${escapeHtml(m.subject || "(no subject)")}</h1>
<dl>
${field("From", m.from)}
${field("To", m.to.join(", "))}
${field("Cc", m.cc.join(", "))}
${field("Bcc", m.bcc.join(", "))}
${field("Reply-To", m.replyTo.join(", "))}
${field("Received", formatTime(m.receivedAt))}
${field("SES MessageId", m.messageId)}
${field("AWS account", `${m.awsAccountId} · ${m.region}`)}
${field("Configuration set", m.configurationSetName ?? "")}
</dl>
${m.tags.length === 0 ? "" : `<h2>Tags</h2><pre>${escapeHtml(pairs(m.tags))}</pre>`}
${m.headers.length === 0 ? "" : `<h2>Headers</h2><pre>${escapeHtml(pairs(m.headers))}</pre>`}
${renderAttachments(m)}
${renderNotifications(sns.notificationsFor(m.messageId), sns)}
${htmlPart}
${textPart}
<p class="muted">JSON: <code>GET /_simulator/messages/${escapeHtml(m.id)}</code></p>`,
	);
}

/** Customer accounts' messages (BYOC) say whose SES sent them; the platform's say nothing. */
function awsLabel(m: SentMessage): string {
	if (m.awsAccountId === PLATFORM_ACCOUNT_ID) return "";
	return `<br><span class="muted nowrap">${escapeHtml(`AWS ${m.awsAccountId} · ${m.region}`)}</span>`;
}

function formatTime(iso: string): string {
	return iso.replace("T", " ").replace(/\.\d{3}Z$/, " UTC");
}
