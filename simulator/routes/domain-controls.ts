// The DNS and domain controls over HTTP (JSON), for demos and for tests that drive the simulator
// from outside the process; the same functions as `SesSimulator.dns` / `.domains`:
//   GET  /_simulator/domains, /_simulator/domains/:domain
//   POST /_simulator/domains/:domain/{publish,remove,corrupt}   {"records"?: [...]}
//   GET  /_simulator/dns   PUT /_simulator/dns {"name","type","values"}   DELETE /_simulator/dns?name=&type=
//   PUT  /_simulator/dns/failure {"mode": "none" | "servfail" | "unavailable"}
// A customer account's identities: `?aws_account_id=&region=` on the GETs, the same two members
// in the POST bodies; without them, the platform account's.
// Writes require a JSON body: a cross-site HTML form cannot send one without a CORS preflight,
// which the simulator never grants, so a web page cannot rewrite a developer's simulated DNS.
// A DomainControlError thrown here becomes `{"error"}` with its status in app.ts's onError.

import { type Context, Hono } from "hono";
import type { IdentityScope, SimulatorDns, SimulatorDomains } from "../domain-controls.ts";
import type { RecordKind } from "../domain-records.ts";
import { readJsonObject } from "./json-body.ts";

export interface DomainControlRouteDeps {
	dns: SimulatorDns;
	domains: SimulatorDomains;
}

const ACTIONS = ["publish", "remove", "corrupt"] as const;

export function createDomainControlRoutes(deps: DomainControlRouteDeps): Hono {
	const routes = new Hono();
	const { dns, domains } = deps;

	routes.get("/_simulator/domains", (c) =>
		c.json({ domains: domains.list(scopeOf(c.req.query())) }, 200),
	);

	routes.get("/_simulator/domains/:domain", (c) => {
		const view = domains.get(c.req.param("domain"), scopeOf(c.req.query()));
		if (view === undefined) return c.json({ error: "domain not found" }, 404);
		return c.json(view, 200);
	});

	for (const action of ACTIONS) {
		routes.post(`/_simulator/domains/:domain/${action}`, async (c) => {
			const body = await jsonBody(c);
			if (body instanceof Response) return body;
			const records = (body as { records?: unknown }).records as RecordKind[] | undefined;
			return c.json(dns[action](c.req.param("domain"), records, scopeOf(body)), 200);
		});
	}

	routes.get("/_simulator/dns", (c) =>
		c.json({ records: dns.list(), failure: dns.failure() }, 200),
	);

	routes.put("/_simulator/dns", async (c) => {
		const body = await jsonBody(c);
		if (body instanceof Response) return body;
		const { name, type, values } = body as Record<string, unknown>;
		if (typeof name !== "string" || typeof type !== "string" || !Array.isArray(values)) {
			return c.json({ error: "Send {name, type, values}: two strings and a list." }, 400);
		}
		const record = dns.set(name, type, values);
		return c.json({ record }, 200);
	});

	routes.delete("/_simulator/dns", (c) => {
		const name = c.req.query("name");
		if (name === undefined || name === "") return c.json({ error: "name is required." }, 400);
		return c.json({ deleted: dns.delete(name, c.req.query("type")) }, 200);
	});

	routes.put("/_simulator/dns/failure", async (c) => {
		const body = await jsonBody(c);
		if (body instanceof Response) return body;
		dns.fail((body as { mode?: unknown }).mode as never);
		return c.json({ failure: dns.failure() }, 200);
	});

	return routes;
}

/** A customer scope when both `aws_account_id` and `region` are given as strings. */
export function scopeOf(input: Record<string, unknown>): IdentityScope | undefined {
	const { aws_account_id: awsAccountId, region } = input;
	if (typeof awsAccountId !== "string" || awsAccountId === "") return undefined;
	return { awsAccountId, region: typeof region === "string" ? region : "" };
}

/** The JSON object body (json-body.ts), or the error response to send instead. */
async function jsonBody(c: Context): Promise<Record<string, unknown> | Response> {
	const read = await readJsonObject(c);
	return "error" in read ? c.json({ error: read.error }, read.status) : read.body;
}
