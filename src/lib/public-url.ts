/**
 * Which URLs SendFleet fetches or posts to on a customer's word (webhook endpoints, attachments'
 * `path`): only public https hosts, so a customer cannot point the platform at its own network.
 */

export const MAX_ENDPOINT_LENGTH = 2048;

export type EndpointCheck = { kind: "ok"; url: string } | { kind: "refused"; why: string };

const ALLOWED_PORTS = new Set(["", "443", "8443"]);

/**
 * Whether SendFleet may call `raw`. Production allows only `https://` to a public host name
 * on 443 or 8443: an IP literal, `localhost`, `*.local`, `*.internal`, `*.localhost` or a
 * single-label name could reach the platform's own network. `localPrefix` (the development
 * variables `WEBHOOK_ALLOW_LOCAL_URL_PREFIX` and `ATTACHMENT_ALLOW_LOCAL_URL_PREFIX`, empty in
 * production) lets one origin through.
 */
export function checkEndpointUrl(raw: string, localPrefix: string): EndpointCheck {
	if (raw.length > MAX_ENDPOINT_LENGTH) {
		return { kind: "refused", why: `must be at most ${MAX_ENDPOINT_LENGTH} characters` };
	}
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		return { kind: "refused", why: "must be an absolute https:// URL" };
	}
	if (localPrefix && isUnderPrefix(url, localPrefix)) return { kind: "ok", url: url.href };
	if (url.protocol !== "https:") return { kind: "refused", why: "must use https://" };
	if (url.username || url.password) {
		return { kind: "refused", why: "must not carry a user name or password" };
	}
	const host = url.hostname.toLowerCase().replace(/\.$/, "");
	if (host.startsWith("[") || /^[\d.]+$/.test(host) || /^0x/i.test(host)) {
		return { kind: "refused", why: "must name a host, not an IP address" };
	}
	if (
		host === "localhost" ||
		host.endsWith(".localhost") ||
		host.endsWith(".local") ||
		host.endsWith(".internal")
	) {
		return { kind: "refused", why: "must be a public host name, not a local or internal one" };
	}
	if (!host.includes(".")) {
		return { kind: "refused", why: "must be a fully qualified public host name" };
	}
	if (!ALLOWED_PORTS.has(url.port)) return { kind: "refused", why: "must use port 443 or 8443" };
	return { kind: "ok", url: url.href };
}

function isUnderPrefix(url: URL, prefix: string): boolean {
	let allowed: URL;
	try {
		allowed = new URL(prefix);
	} catch {
		return false;
	}
	return url.origin === allowed.origin && url.pathname.startsWith(allowed.pathname);
}
