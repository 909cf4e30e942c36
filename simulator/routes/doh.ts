// DNS-over-HTTPS in the JSON format Cloudflare's and Google's resolvers answer
// (`GET /dns-query?name=…&type=…` or `/resolve?…`, `application/dns-json`), served from the simulator's own DNS
// store, so the Worker's record checks run against the same records SES sees. Not SigV4-protected:
// it stands in for a public resolver. Only what is in the store exists; nothing is forwarded.

import { type Context, Hono } from "hono";
import type { DnsStore } from "../dns.ts";
import { DnsInputError, normalizeName, parseQueryType } from "../dns-values.ts";

const DNS_JSON = "application/dns-json";
const SERVFAIL = 2;

export function createDohRoutes(dns: DnsStore): Hono {
	const routes = new Hono();

	// `/dns-query` is Cloudflare's path, `/resolve` Google's; both take the same parameters.
	routes.get("/dns-query", (c) => answer(c));
	routes.get("/resolve", (c) => answer(c));

	function answer(c: Context): Response {
		const rawName = c.req.query("name");
		const rawType = c.req.query("type") ?? "A";
		if (rawName === undefined || rawName === "") {
			return c.json({ error: "The name parameter is required." }, 400);
		}
		let name: string;
		try {
			name = normalizeName(rawName);
		} catch (error) {
			if (error instanceof DnsInputError) return c.json({ error: error.message }, 400);
			throw error;
		}
		const type = parseQueryType(rawType);
		if (type === null) {
			return c.json({ error: `Unknown query type ${JSON.stringify(rawType)}.` }, 400);
		}

		const failure = dns.failure();
		if (failure === "unavailable") {
			return c.json({ error: "The DNS resolver is unavailable (simulated)." }, 503);
		}
		const question = [{ name, type }];
		// Flags as a validating public resolver sets them for an unsigned zone.
		const flags = { TC: false, RD: true, RA: true, AD: false, CD: false };
		if (failure === "servfail") {
			return dnsJson({ Status: SERVFAIL, ...flags, Question: question });
		}
		const { status, answers } = dns.resolve(name, type);
		return dnsJson({
			Status: status,
			...flags,
			Question: question,
			...(answers.length === 0 ? {} : { Answer: answers }),
		});
	}

	return routes;
}

function dnsJson(body: unknown): Response {
	return new Response(JSON.stringify(body), {
		status: 200,
		headers: { "content-type": DNS_JSON, "cache-control": "no-store" },
	});
}
