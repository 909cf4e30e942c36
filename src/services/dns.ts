/**
 * DNS lookups over DNS-over-HTTPS in the JSON format that Cloudflare's and Google's resolvers
 * answer (`accept: application/dns-json`), so a domain check can tell the customer exactly which
 * record is missing or wrong. The resolver URL is configuration (`DNS_RESOLVER_URL`); locally it
 * is the SES simulator, which serves the records of the domains created through it.
 *
 * A failed lookup (network, SERVFAIL, a malformed answer) is reported as such: the caller must
 * say "could not check" rather than "missing".
 */

export type DnsRecordType = "TXT" | "CNAME" | "MX";

const TYPE_CODES: Record<DnsRecordType, number> = { TXT: 16, CNAME: 5, MX: 15 };

export type DnsAnswer = { kind: "ok"; values: string[] } | { kind: "error"; message: string };

export type DnsResolver = (name: string, type: DnsRecordType) => Promise<DnsAnswer>;

interface DohJson {
	Status?: number;
	Answer?: { name?: string; type?: number; data?: string }[];
}

/** NOERROR and NXDOMAIN are answers; anything else (SERVFAIL, REFUSED…) is a failed lookup. */
const NOERROR = 0;
const NXDOMAIN = 3;

export function createDnsResolver(resolverUrl: string, timeoutMs = 5000): DnsResolver {
	return async (name, type) => {
		const url = new URL(resolverUrl);
		url.searchParams.set("name", name);
		url.searchParams.set("type", type);
		let body: DohJson;
		try {
			const response = await fetch(url, {
				headers: { accept: "application/dns-json" },
				signal: AbortSignal.timeout(timeoutMs),
			});
			if (!response.ok)
				return { kind: "error", message: `the resolver answered HTTP ${response.status}` };
			body = (await response.json()) as DohJson;
		} catch (cause) {
			return { kind: "error", message: `the resolver could not be reached (${String(cause)})` };
		}
		if (body.Status === NXDOMAIN) return { kind: "ok", values: [] };
		if (body.Status !== NOERROR)
			return { kind: "error", message: `the resolver answered DNS status ${body.Status}` };
		const values = (body.Answer ?? [])
			.filter((a) => a.type === TYPE_CODES[type] && typeof a.data === "string")
			.map((a) => normalize(type, a.data as string));
		return { kind: "ok", values };
	};
}

/**
 * TXT data comes quoted and possibly split into 255-byte strings (`"v=spf1 " "include:…"`);
 * names come with a trailing dot and in any case. Normalize to what a person would type.
 */
function normalize(type: DnsRecordType, data: string): string {
	if (type === "TXT") {
		const parts = [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) =>
			(m[1] ?? "").replace(/\\(.)/g, "$1"),
		);
		return parts.length ? parts.join("") : data;
	}
	const lower = data.trim().toLowerCase();
	return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}
