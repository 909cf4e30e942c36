// The webhook receiver over HTTP (webhook-receiver.ts does the work):
//   POST   /webhooks/receive/:name          where the Worker delivers; verified, recorded, answered
//   GET    /webhooks                        the page: receivers and deliveries, newest first
//   GET    /webhooks/deliveries[?receiver=&webhook_id=]   GET /webhooks/deliveries/:id
//   DELETE /webhooks/deliveries
//   GET    /webhooks/receivers              GET /webhooks/receivers/:name
//   POST   /webhooks/receivers/:name        {"secret"?, "status"?, "delayMs"?, "times"?}
//   DELETE /webhooks/receivers/:name
// Control writes require a JSON body, as the other controls do (faults.ts), so a web page cannot
// change a developer's receiver. Delivered bodies are escaped on the page, which forbids scripts.

import { Hono } from "hono";
import { escapeHtml, htmlResponse, page, READ_ONLY_CSP } from "../html.ts";
import type { WebhookDelivery } from "../store.ts";
import type { ReceiverView, WebhookReceiver } from "../webhook-receiver.ts";
import {
	ReceiverConfigError,
	type ReceiverConfigInput,
	type ReceiverFailure,
} from "../webhook-receiver-config.ts";
import { describeVerification, TIMESTAMP_TOLERANCE_SECONDS } from "../webhook-verification.ts";
import { isJsonContentType } from "./json-body.ts";

export function createWebhookRoutes(receiver: WebhookReceiver): Hono {
	const routes = new Hono();

	// Any name receives: a receiver nobody configured lists its deliveries unverified (no secret).
	routes.post("/webhooks/receive/:name", (c) => receiver.receive(c.req.param("name"), c.req.raw));

	routes.get("/webhooks", () =>
		htmlResponse(renderPage(receiver.receivers(), receiver.deliveries()), 200, READ_ONLY_CSP),
	);

	routes.get("/webhooks/deliveries", (c) => {
		const filter = { receiver: c.req.query("receiver"), webhookId: c.req.query("webhook_id") };
		return c.json({ deliveries: receiver.deliveries(filter) }, 200);
	});

	routes.get("/webhooks/deliveries/:id", (c) => {
		const delivery = receiver.delivery(c.req.param("id"));
		if (delivery === undefined) return c.json({ error: "delivery not found" }, 404);
		return c.json(delivery, 200);
	});

	routes.delete("/webhooks/deliveries", (c) =>
		c.json({ deleted: receiver.clearDeliveries() }, 200),
	);

	routes.get("/webhooks/receivers", (c) => c.json({ receivers: receiver.receivers() }, 200));

	routes.get("/webhooks/receivers/:name", (c) => {
		const view = receiver.receiver(c.req.param("name"));
		if (view === undefined) return c.json({ error: "receiver not found" }, 404);
		return c.json(view, 200);
	});

	routes.post("/webhooks/receivers/:name", async (c) => {
		if (!isJsonContentType(c.req.header("content-type"))) {
			return c.json({ error: "Content-Type must be application/json." }, 415);
		}
		let input: unknown;
		try {
			input = await c.req.json();
		} catch {
			return c.json({ error: "The request body is not valid JSON." }, 400);
		}
		if (typeof input !== "object" || input === null || Array.isArray(input)) {
			return c.json(
				{ error: 'Send an object: {"secret"?, "status"?, "delayMs"?, "times"?}.' },
				400,
			);
		}
		try {
			return c.json(receiver.configure(c.req.param("name"), input as ReceiverConfigInput), 200);
		} catch (error) {
			if (error instanceof ReceiverConfigError) return c.json({ error: error.message }, 400);
			throw error;
		}
	});

	routes.delete("/webhooks/receivers/:name", (c) =>
		c.json({ deleted: receiver.remove(c.req.param("name")) }, 200),
	);

	return routes;
}

function renderPage(receivers: ReceiverView[], deliveries: WebhookDelivery[]): string {
	return page(
		"Webhooks",
		`<h1>Webhook receiver</h1>
<p class="muted">Stands in for a customer's webhook endpoint: each delivery's Standard Webhooks
signature (<code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>,
${TIMESTAMP_TOLERANCE_SECONDS / 60} minutes' tolerance) is checked with the receiver's signing
secret. It answers 200 when the signature verifies and 401 when not, unless told to fail.</p>
<h2>Receivers</h2>
${renderReceivers(receivers)}
<h2>Deliveries</h2>
<p class="muted">${deliveries.length} delivery(ies), newest first. JSON: <code>GET /webhooks/deliveries</code>.</p>
${renderDeliveries(deliveries)}
<h2>Failing on purpose</h2>
<p class="muted">To watch the Worker retry, make a receiver answer a status (default 503) after an
optional delay, for the next <code>times</code> deliveries (default: until cleared):</p>
<pre>curl -X POST &lt;this simulator&gt;/webhooks/receivers/demo -H 'Content-Type: application/json' \\
  -d '{"status": 503, "delayMs": 0, "times": 3}'
curl -X POST &lt;this simulator&gt;/webhooks/receivers/demo -H 'Content-Type: application/json' \\
  -d '{"status": null}'   # clears it</pre>`,
	);
}

function renderReceivers(receivers: ReceiverView[]): string {
	if (receivers.length === 0) {
		return `<p>No receiver is configured. <code>POST /webhooks/receivers/:name</code> with
<code>{"secret": "whsec_…"}</code> (the endpoint's <code>signing_secret</code>) creates one.</p>`;
	}
	const rows = receivers
		.map(
			(r) => `<tr>
<td>${escapeHtml(r.name)}</td>
<td><code>${escapeHtml(r.url)}</code></td>
<td>${r.secretConfigured ? "configured" : '<span class="bad">none</span>'}</td>
<td>${r.failure === null ? "off" : `<span class="pending">${escapeHtml(describeFailure(r.failure))}</span>`}</td>
</tr>`,
		)
		.join("\n");
	return `<table><thead><tr><th>Name</th><th>URL</th><th>Signing secret</th><th>Fail switch</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
}

function describeFailure(failure: ReceiverFailure): string {
	const delay = failure.delayMs > 0 ? ` after ${failure.delayMs} ms` : "";
	const times = failure.remaining === null ? "until cleared" : `${failure.remaining} more time(s)`;
	return `answers ${failure.status}${delay}, ${times}`;
}

function renderDeliveries(deliveries: WebhookDelivery[]): string {
	if (deliveries.length === 0) {
		return "<p>No deliveries yet. Webhook events the Worker posts to a receiver appear here.</p>";
	}
	const rows = deliveries
		.map((d) => {
			const verified = d.verified
				? '<span class="ok">yes</span>'
				: `<span class="bad">no</span><br><span class="muted">${escapeHtml(describeVerification(d.verification))}</span>`;
			const svix =
				d.svixHeaders === "same"
					? ""
					: `<br><span class="muted">svix-* headers ${escapeHtml(d.svixHeaders)}</span>`;
			const attempt = d.attempt > 1 ? `<br><span class="muted">attempt ${d.attempt}</span>` : "";
			const delay = d.delayMs > 0 ? ` after ${d.delayMs} ms` : "";
			const truncated = d.bodyTruncated
				? `<p class="muted">First ${d.body.length} characters of ${d.bodyBytes} bytes.</p>`
				: "";
			return `<tr>
<td class="nowrap">${escapeHtml(formatTime(d.receivedAt))}</td>
<td>${escapeHtml(d.receiver)}</td>
<td>${escapeHtml(d.type ?? "")}</td>
<td><code>${escapeHtml(d.webhookId ?? "(none)")}</code>${attempt}</td>
<td>${verified}${svix}</td>
<td>${d.status}${delay}</td>
<td><pre>${escapeHtml(prettyBody(d))}</pre>${truncated}</td>
</tr>`;
		})
		.join("\n");
	return `<table><thead><tr><th>Received</th><th>Receiver</th><th>Type</th><th>webhook-id</th><th>Verified</th><th>Answered</th><th>Body</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
}

/** JSON bodies indented for reading; anything else as received. */
function prettyBody(delivery: WebhookDelivery): string {
	if (delivery.bodyTruncated) return delivery.body;
	try {
		return JSON.stringify(JSON.parse(delivery.body), null, 2);
	} catch {
		return delivery.body;
	}
}

function formatTime(iso: string): string {
	return iso.replace("T", " ").replace(/\.\d{3}Z$/, " UTC");
}
