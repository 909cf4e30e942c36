// The HTML shell shared by the simulator's pages (inbox, message, domains): escaping, the page
// layout with its navigation, and the response headers. Every page is served with a strict
// Content-Security-Policy: no scripts anywhere, so a hostile email or DNS value rendered on a
// page can never run code even if escaping were missed.

/** Escapes text for an HTML text node or a quoted attribute value. */
export function escapeHtml(value: string): string {
	return value
		.replaceAll("&", "&amp;")
		.replaceAll("<", "&lt;")
		.replaceAll(">", "&gt;")
		.replaceAll('"', "&quot;")
		.replaceAll("'", "&#39;");
}

/** The policy for read-only pages: no scripts, no network loads and no form submissions. */
export const READ_ONLY_CSP = [
	"default-src 'none'",
	"style-src 'unsafe-inline'",
	"img-src data:",
	"base-uri 'none'",
	"form-action 'none'",
	"frame-ancestors 'none'",
].join("; ");

/** Like READ_ONLY_CSP, but plain HTML forms may post back to the simulator itself. */
export const FORMS_CSP = READ_ONLY_CSP.replace("form-action 'none'", "form-action 'self'");

export function htmlResponse(
	body: string,
	status: 200 | 404,
	contentSecurityPolicy: string = READ_ONLY_CSP,
): Response {
	return new Response(body, {
		status,
		headers: {
			"content-type": "text/html; charset=utf-8",
			"content-security-policy": contentSecurityPolicy,
			"x-content-type-options": "nosniff",
			"referrer-policy": "no-referrer",
			"cache-control": "no-store",
		},
	});
}

/** A complete page: `body` is trusted markup, `title` is escaped here. */
export function page(title: string, body: string): string {
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · SES simulator</title>
<style>
body { font: 14px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1a1a1a; }
nav { margin-bottom: 1rem; }
nav a { margin-right: 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
.nowrap { white-space: nowrap; }
.muted { color: #666; }
.warn { background: #fff4d6; padding: .5rem .75rem; }
.ok { color: #17662b; font-weight: 600; }
.bad { color: #a11; font-weight: 600; }
.pending { color: #8a5a00; font-weight: 600; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; word-break: break-all; }
pre { background: #f6f6f6; padding: .75rem; white-space: pre-wrap; word-break: break-word; }
code { word-break: break-all; }
iframe { width: 100%; height: 32rem; border: 1px solid #ccc; background: #fff; }
form.inline { display: inline; }
button { font: inherit; padding: .1rem .5rem; margin: 0 .15rem .15rem 0; }
</style>
</head>
<body>
<nav><a href="/">Inbox</a><a href="/domains">Domains</a><a href="/aws">AWS accounts</a></nav>
${body}
</body>
</html>
`;
}
