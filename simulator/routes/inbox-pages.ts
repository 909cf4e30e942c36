// The inbox's HTML pages: the list of messages the Worker sent (`GET /`) and one message
// (`GET /messages/:id`). Email content is hostile by default: every user-controlled string is
// HTML-escaped (html.ts), the email's HTML is shown only inside an `<iframe sandbox>` (no
// scripts, no forms, no navigation, an opaque origin), and the page's CSP forbids scripts and all
// network loads; a srcdoc frame inherits that policy. Each message also shows the SNS
// notifications the simulator posted about it (or queued) and the Worker's answers; the inbox
// lists the special recipient addresses (mailbox-simulator.ts).

import { PLATFORM_ACCOUNT_ID } from "../aws-accounts.ts";
import { escapeHtml, page } from "../html.ts";
import { SIMULATOR_ADDRESSES } from "../mailbox-simulator.ts";
import type { PendingNotification, SentNotification, SnsPublisher } from "../sns/types.ts";
import type { NameValue, SentMessage } from "../store.ts";
import { attachmentPath, rewriteCidUrls } from "./inbox-attachments.ts";

type Notification = PendingNotification | SentNotification;

const backLink = '<p><a href="/">&larr; Inbox</a></p>';

/** The page for a message id the store does not hold. */
export function renderMessageNotFound(): string {
	return page("Not found", `<p>No message with this id.</p>${backLink}`);
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

export function renderInbox(
	messages: SentMessage[],
	pendingFaults: number,
	sns: SnsPublisher,
): string {
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

export function renderMessage(m: SentMessage, sns: SnsPublisher): string {
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
