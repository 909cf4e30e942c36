/**
 * SQLite's plan for every statement some work runs through drizzle, to show a query reads an
 * index or key range and never scans a table: the statements are recorded at bind (so those a
 * D1 batch runs count too), then each is explained with its own parameters.
 */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import type { Db } from "../../src/db/client.ts";
import * as schema from "../../src/db/schema.ts";
import { watchD1 } from "./watched-d1.ts";

export async function queryPlans(work: (db: Db) => Promise<unknown>): Promise<string[]> {
	const queries: { sql: string; params: unknown[] }[] = [];
	const recording = watchD1({ bound: (sql, params) => queries.push({ sql, params }) });
	await work(drizzle(recording, { schema }));
	if (!queries.length) throw new Error("no query ran");
	return Promise.all(
		queries.map(async (query) => {
			const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
				.bind(...query.params)
				.all<{ detail: string }>();
			return results.map((r) => r.detail).join("\n");
		}),
	);
}
