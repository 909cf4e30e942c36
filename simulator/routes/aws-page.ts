// The AWS accounts page (`GET /aws`): the platform account and every customer account (BYOC)
// with its access keys (secrets shown: the simulator is local and these are not real keys), the
// roles SendFleet may assume with their trust (account and external id), the sandbox and its
// quota, denied IAM actions and SES identities per region, and the AssumeRole calls so far.
// Buttons are plain HTML forms (no script: the page's CSP allows none) posting form-encoded
// bodies under `/aws/…`, accepted only from the simulator's own pages (forms.ts), as the domains
// page's are. Everything shown is HTML-escaped.

import { type Context, Hono } from "hono";
import type { AwsAccountView, SimulatorAws } from "../aws.ts";
import { AwsControlError, PLATFORM_ACCOUNT_ID } from "../aws-accounts.ts";
import { escapeHtml, FORMS_CSP, htmlResponse, page } from "../html.ts";
import { formBody, refuseCrossSite } from "./forms.ts";

export interface AwsPageDeps {
	aws: SimulatorAws;
	/** The platform's region and whether its key is checked, for the page's header. */
	region: string;
	platformKeyId: string | null;
}

export function createAwsPageRoutes(deps: AwsPageDeps): Hono {
	const routes = new Hono();
	const { aws } = deps;

	routes.get("/aws", () => htmlResponse(renderAwsPage(deps), 200, FORMS_CSP));

	/** A form post: checked, applied, then back to the page (or the error as text). */
	const action = (path: string, apply: (form: URLSearchParams, c: Context) => void) =>
		routes.post(path, async (c) => {
			const refused = refuseCrossSite(c);
			if (refused !== null) return refused;
			const form = await formBody(c);
			if (form === null) return c.text("Expected a form-encoded body.", 415);
			try {
				apply(form, c);
			} catch (error) {
				if (error instanceof AwsControlError) return c.text(error.message, error.status);
				throw error;
			}
			return c.redirect("/aws", 303);
		});

	const text = (form: URLSearchParams, name: string) => {
		const value = form.get(name)?.trim() ?? "";
		return value === "" ? undefined : value;
	};
	const need = (form: URLSearchParams, name: string) => {
		const value = text(form, name);
		if (value === undefined) throw new AwsControlError(400, `${name} is required.`);
		return value;
	};

	action("/aws/accounts", (form) => {
		aws.createAccount({
			accountId: text(form, "account_id"),
			sandbox: form.get("sandbox") === "on",
		});
	});
	action("/aws/accounts/:id/keys", (_form, c) => {
		aws.createAccessKey(c.req.param("id") ?? "");
	});
	action("/aws/keys/:key/revoke", (_form, c) => aws.revokeAccessKey(c.req.param("key") ?? ""));
	action("/aws/accounts/:id/roles", (form, c) => {
		aws.createRole(c.req.param("id") ?? "", {
			name: need(form, "name"),
			externalId: need(form, "external_id"),
			trustedAccountId: text(form, "trusted_account_id"),
		});
	});
	action("/aws/roles/delete", (form) => aws.deleteRole(need(form, "arn")));
	action("/aws/accounts/:id/sandbox", (form, c) =>
		aws.setSandbox(c.req.param("id") ?? "", form.get("sandbox") === "on"),
	);
	action("/aws/accounts/:id/denied", (form, c) =>
		aws.setDenied(c.req.param("id") ?? "", need(form, "action"), form.get("denied") === "true"),
	);
	action("/aws/accounts/:id/addresses", (form, c) =>
		aws.verifyAddress(c.req.param("id") ?? "", need(form, "region"), need(form, "address")),
	);

	return routes;
}

function renderAwsPage(deps: AwsPageDeps): string {
	const accounts = deps.aws.accounts();
	const calls = deps.aws.assumeRoleCalls.slice(-20).reverse();
	const platformKey =
		deps.platformKeyId === null
			? "any access key no customer account owns (signatures not checked)"
			: `access key <code>${escapeHtml(deps.platformKeyId)}</code>`;
	return page(
		"AWS accounts",
		`<h1>AWS accounts</h1>
<p>The platform account <code>${PLATFORM_ACCOUNT_ID}</code> (SendFleet's own SES, region
<code>${escapeHtml(deps.region)}</code>) signs with ${platformKey}. Customer accounts (bring your
own cloud) sign with their own keys, or with the temporary credentials of STS AssumeRole
(<code>POST /sts</code>), in any region.</p>
<p class="muted">JSON: <code>GET /_simulator/aws/accounts</code>, <code>GET /_simulator/aws/assume-role-calls</code>.</p>
<form method="post" action="/aws/accounts">
<label>Account id <input name="account_id" placeholder="random" pattern="\\d{12}" size="14"></label>
<label><input type="checkbox" name="sandbox" checked> in the SES sandbox</label>
<button type="submit">Create account</button>
</form>
${accounts.length === 0 ? "<p>No customer accounts yet.</p>" : accounts.map(renderAccount).join("\n")}
<h2>AssumeRole calls</h2>
${
	calls.length === 0
		? "<p>None yet.</p>"
		: `<table><thead><tr><th>At</th><th>Role</th><th>External id</th><th>Outcome</th></tr></thead><tbody>
${calls
	.map(
		(call) =>
			`<tr><td class="nowrap">${escapeHtml(call.at)}</td><td><code>${escapeHtml(call.roleArn)}</code></td><td><code>${escapeHtml(call.externalId ?? "(none)")}</code></td><td>${call.ok ? '<span class="ok">ok</span>' : '<span class="bad">refused</span>'}</td></tr>`,
	)
	.join("\n")}
</tbody></table>`
}`,
	);
}

function renderAccount(account: AwsAccountView): string {
	const id = escapeHtml(account.accountId);
	const post = (path: string, fields: Record<string, string>, label: string) =>
		`<form class="inline" method="post" action="${path}">${Object.entries(fields)
			.map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`)
			.join("")}<button type="submit">${label}</button></form>`;
	const keys = account.accessKeys
		.map(
			(k) =>
				`<tr><td><code>${escapeHtml(k.accessKeyId)}</code></td><td><code>${escapeHtml(k.secretAccessKey)}</code></td><td>${k.revoked ? '<span class="bad">revoked</span>' : `<span class="ok">active</span> ${post(`/aws/keys/${escapeHtml(encodeURIComponent(k.accessKeyId))}/revoke`, {}, "Revoke")}`}</td></tr>`,
		)
		.join("\n");
	const roles = account.roles
		.map(
			(r) =>
				`<tr><td><code>${escapeHtml(r.roleArn)}</code></td><td><code>${escapeHtml(r.trustedAccountId)}</code></td><td><code>${escapeHtml(r.externalId)}</code></td><td>${post("/aws/roles/delete", { arn: r.roleArn }, "Delete")}</td></tr>`,
		)
		.join("\n");
	const regions = account.regions
		.map(
			(r) =>
				`<li><code>${escapeHtml(r.region)}</code>: ${
					r.identities
						.map(
							(i) =>
								`${escapeHtml(i.domain)} (${i.status.verifiedForSending ? '<span class="ok">verified</span>' : '<span class="pending">not verified</span>'})`,
						)
						.join(", ") || '<span class="muted">no domains</span>'
				}${r.verifiedAddresses.length === 0 ? "" : `; addresses ${escapeHtml(r.verifiedAddresses.join(", "))}`}</li>`,
		)
		.join("\n");
	const base = `/aws/accounts/${id}`;
	return `<h2>Account ${id}</h2>
<dl>
<dt>SES</dt><dd>${account.sandbox ? '<span class="pending">sandbox</span>' : '<span class="ok">production access</span>'} ${post(`${base}/sandbox`, account.sandbox ? { sandbox: "off" } : { sandbox: "on" }, account.sandbox ? "Grant production access" : "Back to the sandbox")}</dd>
<dt>Quota</dt><dd>${account.maxSendRate}/s, ${account.max24HourSend} per 24 h; ${account.sentLast24Hours} sent in the last 24 h</dd>
<dt>Denied IAM actions</dt><dd>${
		account.denied
			.map(
				(a) =>
					`<code>${escapeHtml(a)}</code> ${post(`${base}/denied`, { action: a, denied: "false" }, "Allow")}`,
			)
			.join(" ") || '<span class="muted">none</span>'
	}
<form class="inline" method="post" action="${base}/denied"><input type="hidden" name="denied" value="true"><input name="action" placeholder="ses:SendEmail" size="24"><button type="submit">Deny</button></form></dd>
</dl>
<h3>Access keys</h3>
<table><thead><tr><th>Access key id</th><th>Secret</th><th>State</th></tr></thead><tbody>
${keys}
</tbody></table>
<p>${post(`${base}/keys`, {}, "Create access key")}</p>
<h3>Roles</h3>
${account.roles.length === 0 ? "<p>No roles.</p>" : `<table><thead><tr><th>Role ARN</th><th>Trusted account</th><th>External id</th><th></th></tr></thead><tbody>\n${roles}\n</tbody></table>`}
<form method="post" action="${base}/roles">
<label>Name <input name="name" value="SendFleet" size="16"></label>
<label>External id <input name="external_id" required size="28"></label>
<label>Trusted account <input name="trusted_account_id" value="${PLATFORM_ACCOUNT_ID}" size="14"></label>
<button type="submit">Create role</button>
</form>
<h3>SES by region</h3>
${regions === "" ? '<p class="muted">No SES calls yet.</p>' : `<ul>\n${regions}\n</ul>`}
<form method="post" action="${base}/addresses">
<label>Verify address <input name="address" type="email" placeholder="you@example.org" required></label>
<label>in <input name="region" value="eu-west-1" size="14"></label>
<button type="submit">Verify</button>
</form>`;
}
