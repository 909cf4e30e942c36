// The inbox: HTML pages to read what the Worker sent (`GET /`, `GET /messages/:id`) and JSON
// endpoints for tests and scripts (`/_simulator/messages`). Email content is hostile by default:
// every user-controlled string is HTML-escaped (html.ts), the email's HTML is shown only inside an
// `<iframe sandbox>` (no scripts, no forms, no navigation, an opaque origin), and the page's CSP
// forbids scripts and all network loads; a srcdoc frame inherits that policy.

import { Hono } from "hono";
import { escapeHtml, htmlResponse, page, READ_ONLY_CSP } from "../html.ts";
import type { NameValue, SentMessage, SimulatorStore } from "../store.ts";

export function createInboxRoutes(store: SimulatorStore): Hono {
	const routes = new Hono();

	routes.get("/", () => html(renderInbox(store.listMessages(), store.listFaults().length), 200));

	routes.get("/messages/:id", (c) => {
		const message = store.getMessage(c.req.param("id"));
		if (message === undefined) {
			return html(page("Not found", `<p>No message with this id.</p>${backLink}`), 404);
		}
		return html(renderMessage(message), 200);
	});

	routes.get("/_simulator/messages", (c) => {
		const to = c.req.query("to");
		const from = c.req.query("from");
		return c.json({ messages: store.listMessages({ to, from }) }, 200);
	});

	routes.get("/_simulator/messages/:id", (c) => {
		const message = store.getMessage(c.req.param("id"));
		if (message === undefined) return c.json({ error: "message not found" }, 404);
		return c.json(message, 200);
	});

	routes.delete("/_simulator/messages", (c) => {
		const deleted = store.listMessages().length;
		store.clearMessages();
		return c.json({ deleted }, 200);
	});

	return routes;
}

function html(body: string, status: 200 | 404): Response {
	return htmlResponse(body, status, READ_ONLY_CSP);
}

const backLink = '<p><a href="/">&larr; Inbox</a></p>';

function renderInbox(messages: SentMessage[], pendingFaults: number): string {
	const rows = messages
		.map(
			(m) => `<tr>
<td class="nowrap">${escapeHtml(formatTime(m.receivedAt))}</td>
<td>${escapeHtml(m.from)}</td>
<td>${escapeHtml([...m.to, ...m.cc, ...m.bcc].join(", "))}</td>
<td><a href="/messages/${escapeHtml(encodeURIComponent(m.id))}">${escapeHtml(m.subject || "(no subject)")}</a></td>
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
			: `<table><thead><tr><th>Received</th><th>From</th><th>To</th><th>Subject</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
	return page(
		"Inbox",
		`<h1>SES simulator inbox</h1>
<p class="muted">${messages.length} message(s), newest first. JSON: <code>GET /_simulator/messages</code>.</p>
${faults}${table}`,
	);
}

function renderMessage(m: SentMessage): string {
	const field = (label: string, value: string) =>
		value === "" ? "" : `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`;
	const pairs = (list: NameValue[]) => list.map((p) => `${p.name}: ${p.value}`).join("\n");
	const htmlPart =
		m.html === null
			? ""
			: `<h2>HTML</h2>
<iframe sandbox="" referrerpolicy="no-referrer" title="HTML body" srcdoc="${escapeHtml(m.html)}"></iframe>`;
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
${field("Configuration set", m.configurationSetName ?? "")}
</dl>
${m.tags.length === 0 ? "" : `<h2>Tags</h2><pre>${escapeHtml(pairs(m.tags))}</pre>`}
${m.headers.length === 0 ? "" : `<h2>Headers</h2><pre>${escapeHtml(pairs(m.headers))}</pre>`}
${htmlPart}
${textPart}
<p class="muted">JSON: <code>GET /_simulator/messages/${escapeHtml(m.id)}</code></p>`,
	);
}

function formatTime(iso: string): string {
	return iso.replace("T", " ").replace(/\.\d{3}Z$/, " UTC");
}
