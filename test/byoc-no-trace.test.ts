/**
 * "Nothing of a BYOC email is kept": a send (and a batch, and a refused send) carrying a unique
 * marker in its subject, HTML, text, a header and an attachment, then a full dump of every D1
 * table, every message put on any queue, the account guard's Durable Object storage, every R2
 * object and everything the Worker logged: the marker is in none of them. A Shared SES send with the same marker is the
 * control, proving the dump would have found it.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SesSimulator } from "../simulator/app.ts";
import type { Bindings } from "../src/env.ts";
import { api } from "./helpers/api.ts";
import { byocCustomer, verifiedByocDomain } from "./helpers/byoc.ts";
import { createSender } from "./helpers/factories.ts";
import { installSimulator } from "./helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
const logged: string[] = [];
const queued: string[] = [];

beforeEach(() => {
	({ sim, restore } = installSimulator());
	logged.length = 0;
	queued.length = 0;
	for (const level of ["log", "info", "warn", "error", "debug"] as const) {
		vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
			logged.push(
				args
					.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : JSON.stringify(a)))
					.join(" "),
			);
		});
	}
	const bindings = env as unknown as Record<string, Queue<unknown>>;
	for (const name of ["SEND_QUEUE", "FEEDBACK_QUEUE", "WEBHOOK_QUEUE"]) {
		const queue = bindings[name] as Queue<unknown>;
		const send = queue.send.bind(queue);
		const sendBatch = queue.sendBatch.bind(queue);
		vi.spyOn(queue, "send").mockImplementation((body, options) => {
			queued.push(JSON.stringify(body));
			return send(body, options);
		});
		vi.spyOn(queue, "sendBatch").mockImplementation((messages, options) => {
			const list = [...messages];
			for (const m of list) queued.push(JSON.stringify(m.body));
			return sendBatch(list, options);
		});
	}
});
afterEach(() => {
	vi.restoreAllMocks();
	restore();
});

/** Every row of every table, as text. */
async function dumpD1(): Promise<string> {
	const tables = await env.DB.prepare(
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'",
	).all<{ name: string }>();
	expect(tables.results.length).toBeGreaterThan(15);
	const rows = await Promise.all(
		tables.results.map(async ({ name }) => {
			const all = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
			return `${name}: ${JSON.stringify(all.results)}`;
		}),
	);
	return rows.join("\n");
}

/** The account guard's whole SQLite storage. */
async function dumpGuard(accountId: string): Promise<string> {
	const bindings = env as unknown as Bindings;
	const stub = bindings.ACCOUNT_GUARD.get(bindings.ACCOUNT_GUARD.idFromName(accountId));
	return runInDurableObject(stub, (_instance, state) => {
		const tables = state.storage.sql
			.exec<{ name: string }>(
				"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%'",
			)
			.toArray();
		return tables
			.map(
				({ name }) =>
					`${name}: ${JSON.stringify(state.storage.sql.exec(`SELECT * FROM "${name}"`).toArray())}`,
			)
			.join("\n");
	});
}

const marked = (from: string, marker: string, to = "success@simulator.amazonses.com") => ({
	from,
	to: [to],
	subject: `Subject ${marker}`,
	html: `<p>Body ${marker}</p>`,
	text: `Text ${marker}`,
	headers: { "X-Marker": marker },
	tags: [{ name: "marker", value: marker.replaceAll("-", "_") }],
	attachments: [{ filename: `${marker}.txt`, content: btoa(`File ${marker}`) }],
});

/** Every object in the attachments bucket: its key, name and text. */
async function dumpR2(): Promise<string> {
	const bucket = (env as unknown as Bindings).ATTACHMENTS;
	const listed = await bucket.list({ include: ["httpMetadata", "customMetadata"] });
	const objects = await Promise.all(
		listed.objects.map(
			async (o) =>
				`${o.key} ${JSON.stringify(o.customMetadata)} ${await (await bucket.get(o.key))?.text()}`,
		),
	);
	return objects.join("\n");
}

describe("a BYOC send leaves no trace", () => {
	it("in D1, on any queue, in the guard's storage or in the Worker's log", async () => {
		const customer = await byocCustomer(sim, { sandbox: true });
		const domain = await verifiedByocDomain(sim, customer);
		const marker = `byoc-marker-${crypto.randomUUID()}`;

		const single = await api("POST", "/emails", {
			key: customer.key,
			body: marked(domain.from, marker),
			headers: { "idempotency-key": `key-${crypto.randomUUID()}` },
		});
		expect(single.status).toBe(200);
		const batch = await api("POST", "/emails/batch", {
			key: customer.key,
			body: [marked(domain.from, marker), marked(domain.from, marker, `${marker}@example.org`)],
		});
		expect(batch.status).toBe(200);
		expect(batch.json.errors).toHaveLength(1);
		const refused = await api("POST", "/emails", {
			key: customer.key,
			body: marked(domain.from, marker, `${marker}@example.org`),
		});
		expect(refused.status).toBe(422);

		// The customer's SES got them (the marker did travel)…
		expect(sim.store.listMessages({}).filter((m) => m.subject.includes(marker))).toHaveLength(2);
		// …and SendFleet kept nothing of it.
		const stored = await dumpD1();
		expect(stored).toContain(customer.account.id);
		const leaks = stored
			.split("\n")
			.filter((line) => line.includes(marker))
			.map(
				(line) =>
					`${line.slice(0, 40)} … ${line.slice(line.indexOf(marker) - 200, line.indexOf(marker) + 60)}`,
			);
		expect(leaks).toEqual([]);
		expect(stored).not.toContain(marker);
		expect(stored.toLowerCase()).not.toContain(marker.replaceAll("-", "_"));
		expect(queued.join("\n")).not.toContain(marker);
		expect(await dumpGuard(customer.account.id)).not.toContain(marker);
		expect(await dumpR2()).not.toContain(marker);
		expect(logged.join("\n")).not.toContain(marker);
		expect(logged.join("\n")).not.toContain(`hello@${domain.name}`);
	});

	it("while the same marker through Shared SES is found by the same dump (the control)", async () => {
		const sender = await createSender();
		const marker = `shared-marker-${crypto.randomUUID()}`;
		const sent = await api("POST", "/emails", {
			key: sender.key.token,
			body: marked(sender.from, marker),
		});
		expect(sent.status).toBe(200);
		expect(await dumpD1()).toContain(marker);
		expect(await dumpR2()).toContain(`File ${marker}`);
		expect(queued.join("\n")).toContain(String(sent.json.id));
	});
});
