// What the Checkout and portal pages share: their form posts' guard, their CSP, amounts and
// dates as Stripe's pages show them, and the list of events posted to the Worker.
//
// The buttons are plain HTML forms (no script: the CSP allows none). A form post is a "simple"
// request any web page could send cross-site, so the actions accept it only when the browser
// says it comes from the stand-in's own pages (`Sec-Fetch-Site: same-origin`, or without that
// header an `Origin` equal to its own); a client sending neither (curl, a test) is let through,
// as it is no browser being tricked. `Origin` alone is not enough: the pages are served with
// `Referrer-Policy: no-referrer`, under which browsers send `Origin: null` with form posts.

import type { Context } from "hono";
import { escapeHtml, FORMS_CSP } from "../html.ts";
import type { StripeActions } from "./actions.ts";
import type { EventDelivery, EventSender } from "./events.ts";
import type { StripePrice, StripeState } from "./state.ts";

export interface StripePagesDeps {
	state: StripeState;
	prices: Map<string, StripePrice>;
	actions: StripeActions;
	sender: EventSender;
}

export function refuseCrossSite(c: Context): Response | null {
	const site = c.req.header("sec-fetch-site");
	const origin = c.req.header("origin");
	const own = new URL(c.req.url).origin;
	const allowed =
		site !== undefined ? site === "same-origin" : origin === undefined || origin === own;
	return allowed
		? null
		: c.text("Refused: this form only accepts posts from the Stripe stand-in's own pages.", 403);
}

/**
 * FORMS_CSP, also letting a form's redirect go to these URLs' origins: browsers apply
 * `form-action` to where a form post is redirected, and Pay is redirected to the success URL.
 */
export function cspAllowingRedirects(urls: (string | null)[]): string {
	const origins = new Set<string>();
	for (const url of urls) {
		const parsed = url === null ? null : URL.parse(url);
		if (parsed && (parsed.protocol === "http:" || parsed.protocol === "https:")) {
			origins.add(parsed.origin);
		}
	}
	return FORMS_CSP.replace("form-action 'self'", ["form-action 'self'", ...origins].join(" "));
}

/** An http(s) URL a page may redirect to or link, or null. */
export function navigable(url: string | null): string | null {
	const parsed = url === null ? null : URL.parse(url);
	return parsed && (parsed.protocol === "http:" || parsed.protocol === "https:")
		? parsed.href
		: null;
}

export function formatAmount(price: StripePrice | undefined): string {
	return price === undefined ? "an unknown price" : `$${(price.unitAmount / 100).toFixed(2)}/month`;
}

export function formatDate(seconds: number): string {
	return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/** A POST button; `action` and `fields` are escaped here. */
export function button(action: string, label: string, fields: Record<string, string> = {}): string {
	const inputs = Object.entries(fields)
		.map(
			([name, value]) =>
				`<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
		)
		.join("");
	return `<form class="inline" method="post" action="${escapeHtml(action)}">${inputs}<button type="submit">${escapeHtml(label)}</button></form>`;
}

/** The Worker's answers to the events posted, newest first. */
export function renderDeliveries(deliveries: EventDelivery[], endpoint: string | null): string {
	if (deliveries.length === 0) return '<p class="muted">No events posted yet.</p>';
	const rows = deliveries
		.slice()
		.reverse()
		.map((d) => {
			const ok = d.status !== null && d.status >= 200 && d.status < 300;
			const status = `<span class="${ok ? "ok" : "bad"}">${d.status ?? "no answer"}</span>`;
			return `<tr><td class="nowrap">${escapeHtml(d.at.replace("T", " ").replace(/\.\d{3}Z$/, " UTC"))}</td><td>${escapeHtml(d.type)}</td><td><code>${escapeHtml(d.eventId)}</code></td><td>${status}${ok ? "" : `<br><span class="muted">${escapeHtml(d.answer)}</span>`}</td></tr>`;
		})
		.join("\n");
	const where = endpoint === null ? "" : ` to <code>${escapeHtml(endpoint)}</code>`;
	return `<p class="muted">Posted${where}, signed with the webhook secret.</p>
<table><thead><tr><th>Posted</th><th>Event</th><th>Id</th><th>Worker answered</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
}

/** Whether every delivery was taken (2xx). */
export const allTaken = (deliveries: EventDelivery[]) =>
	deliveries.every((d) => d.status !== null && d.status >= 200 && d.status < 300);
