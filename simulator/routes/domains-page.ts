// The domains page (`GET /domains`): every SES identity with the records it needs, what the
// simulator's DNS holds, SES's statuses, and buttons to publish, remove or corrupt records and to
// make DNS-over-HTTPS fail.
//
// The buttons are plain HTML forms (no script: the page's CSP allows none) posting
// form-encoded bodies to `POST /domains/:domain/:action` and `POST /dns-failure`. A form post is
// a "simple" request any web page could send cross-site, so these endpoints accept it only when
// the browser says it comes from this very origin: `Origin` must equal the simulator's own origin
// and `Sec-Fetch-Site`, when sent, must be `same-origin`; otherwise 403. The JSON control API
// stays JSON-only. Values shown here (record values are free text) are HTML-escaped.

import { Hono } from "hono";
import type { DnsFailureMode } from "../dns.ts";
import {
	DomainControlError,
	type IdentityScope,
	type SimulatorDns,
	type SimulatorDomains,
} from "../domain-controls.ts";
import type { RecordCheck, RecordKind } from "../domain-records.ts";
import { escapeHtml, FORMS_CSP, htmlResponse, page } from "../html.ts";
import type { DomainView } from "../identities.ts";
import { formBody, refuseCrossSite } from "./forms.ts";

export interface DomainsPageDeps {
	dns: SimulatorDns;
	domains: SimulatorDomains;
}

const ACTIONS = ["publish", "remove", "corrupt"] as const;
type Action = (typeof ACTIONS)[number];

const KIND_LABELS: Readonly<Record<RecordKind, string>> = {
	ownership: "Ownership (TXT)",
	dkim: "DKIM (CNAME)",
	spf: "SPF (TXT)",
	mail_from: "MAIL FROM (MX + TXT)",
	dmarc: "DMARC (TXT)",
};

export function createDomainsPageRoutes(deps: DomainsPageDeps): Hono {
	const routes = new Hono();
	const { dns, domains } = deps;

	routes.get("/domains", () => htmlResponse(renderDomainsPage(domains, dns), 200, FORMS_CSP));

	routes.post("/domains/:domain/:action", async (c) => {
		const refused = refuseCrossSite(c);
		if (refused !== null) return refused;
		const action = c.req.param("action");
		if (!ACTIONS.includes(action as Action)) return c.text("Unknown action.", 404);
		const form = await formBody(c);
		if (form === null) return c.text("Expected a form-encoded body.", 415);
		const kind = form.get("records");
		const records =
			kind === null || kind === "" || kind === "all" ? undefined : [kind as RecordKind];
		const account = form.get("aws_account_id");
		const scope =
			account === null || account === ""
				? undefined
				: { awsAccountId: account, region: form.get("region") ?? "" };
		try {
			dns[action as Action](c.req.param("domain"), records, scope);
		} catch (error) {
			if (error instanceof DomainControlError) return c.text(error.message, error.status);
			throw error;
		}
		return c.redirect("/domains", 303);
	});

	routes.post("/dns-failure", async (c) => {
		const refused = refuseCrossSite(c);
		if (refused !== null) return refused;
		const form = await formBody(c);
		if (form === null) return c.text("Expected a form-encoded body.", 415);
		try {
			dns.fail((form.get("mode") ?? "") as DnsFailureMode);
		} catch (error) {
			if (error instanceof DomainControlError) return c.text(error.message, error.status);
			throw error;
		}
		return c.redirect("/domains", 303);
	});

	return routes;
}

function renderDomainsPage(domains: SimulatorDomains, dns: SimulatorDns): string {
	const failure = dns.failure();
	const views = domains.list();
	const scopes = domains.scopes();
	const sections =
		views.length === 0 && scopes.length === 0
			? "<p>No SES identities yet. Domains the Worker registers (CreateEmailIdentity or VerifyDomainIdentity) appear here.</p>"
			: [
					...views.map((view) => renderDomain(view)),
					...scopes.flatMap((scope) =>
						domains.list(scope).map((view) => renderDomain(view, scope)),
					),
				].join("\n");
	const records = dns.list();
	const dnsRows = records
		.map(
			(r) =>
				`<tr><td><code>${escapeHtml(r.name)}</code></td><td>${r.type}</td><td>${r.values
					.map((v) => `<code>${escapeHtml(v)}</code>`)
					.join("<br>")}</td></tr>`,
		)
		.join("\n");
	return page(
		"Domains",
		`<h1>SES identities and DNS</h1>
<p class="muted">JSON: <code>GET /_simulator/domains</code>, <code>GET /_simulator/dns</code>. DNS-over-HTTPS: <code>GET /dns-query?name=…&amp;type=TXT</code>.</p>
${renderFailureControls(failure)}
${sections}
<h2>All DNS records</h2>
${records.length === 0 ? "<p>The simulated DNS is empty.</p>" : `<table><thead><tr><th>Name</th><th>Type</th><th>Values</th></tr></thead><tbody>\n${dnsRows}\n</tbody></table>`}`,
	);
}

function renderFailureControls(failure: DnsFailureMode): string {
	const label: Record<DnsFailureMode, string> = {
		none: "answering",
		servfail: "answering SERVFAIL",
		unavailable: "down (HTTP 503)",
	};
	const button = (mode: DnsFailureMode, text: string) =>
		mode === failure
			? ""
			: `<form class="inline" method="post" action="/dns-failure"><input type="hidden" name="mode" value="${mode}"><button type="submit">${text}</button></form>`;
	return `<p${failure === "none" ? "" : ' class="warn"'}>DNS-over-HTTPS is ${label[failure]}. ${button("none", "Answer normally")}${button("servfail", "Answer SERVFAIL")}${button("unavailable", "Answer 503")}</p>`;
}

/** One identity; a customer account's (BYOC) is titled with its account and region. */
function renderDomain(view: DomainView, scope?: IdentityScope): string {
	const path = `/domains/${escapeHtml(encodeURIComponent(view.domain))}`;
	const scoped =
		scope === undefined
			? ""
			: `<input type="hidden" name="aws_account_id" value="${escapeHtml(scope.awsAccountId)}"><input type="hidden" name="region" value="${escapeHtml(scope.region)}">`;
	const button = (action: Action, kind: RecordKind | "all", text: string) =>
		`<form class="inline" method="post" action="${path}/${action}"><input type="hidden" name="records" value="${kind}">${scoped}<button type="submit">${text}</button></form>`;
	const seen = new Set<RecordKind>();
	const rows = view.records
		.map((r) => {
			const first = !seen.has(r.record);
			seen.add(r.record);
			const actions = first
				? `${button("publish", r.record, "Publish")}${button("remove", r.record, "Remove")}${button("corrupt", r.record, "Corrupt")}`
				: "";
			return `<tr>
<td class="nowrap">${first ? escapeHtml(KIND_LABELS[r.record]) : ""}</td>
<td><code>${escapeHtml(r.name)}</code></td>
<td>${r.type}</td>
<td><code>${escapeHtml(expectedValue(r))}</code></td>
<td>${r.published.length === 0 ? '<span class="muted">none</span>' : r.published.map((v) => `<code>${escapeHtml(v)}</code>`).join("<br>")}</td>
<td>${checkBadge(r.check)}</td>
<td class="nowrap">${actions}</td>
</tr>`;
		})
		.join("\n");
	const { status } = view;
	const owner =
		scope === undefined
			? ""
			: ` <span class="muted">AWS ${escapeHtml(scope.awsAccountId)} · ${escapeHtml(scope.region)}</span>`;
	return `<h2>${escapeHtml(view.domain)}${owner}</h2>
<dl>
<dt>Ownership (v1 TXT)</dt><dd>${statusBadge(status.ownership)}</dd>
<dt>DKIM</dt><dd>${statusBadge(status.dkim)}</dd>
<dt>MAIL FROM</dt><dd>${status.mailFrom === null ? '<span class="muted">not configured in SES</span>' : `${statusBadge(status.mailFrom)} <code>${escapeHtml(view.mailFromDomain ?? "")}</code>`}</dd>
<dt>Verified for sending</dt><dd>${status.verifiedForSending ? '<span class="ok">yes</span>' : '<span class="bad">no</span>'}</dd>
<dt>Created</dt><dd>${escapeHtml(view.createdAt)}</dd>
</dl>
<p>All records: ${button("publish", "all", "Publish all")}${button("remove", "all", "Remove all")}${button("corrupt", "all", "Corrupt all")}</p>
<table><thead><tr><th>Record</th><th>Name</th><th>Type</th><th>Expected</th><th>Published</th><th>Check</th><th>Change</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
}

function expectedValue(r: RecordCheck): string {
	return r.priority === undefined ? r.value : `${r.priority} ${r.value}`;
}

function checkBadge(check: RecordCheck["check"]): string {
	const css = check === "ok" ? "ok" : check === "wrong" ? "bad" : "pending";
	return `<span class="${css}">${check}</span>`;
}

function statusBadge(status: string): string {
	const upper = status.toUpperCase();
	const css =
		upper === "SUCCESS"
			? "ok"
			: upper === "PENDING" || upper === "NOT_STARTED" || upper === "NOTSTARTED"
				? "pending"
				: "bad";
	return `<span class="${css}">${escapeHtml(status)}</span>`;
}
