import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema.ts";

/**
 * One drizzle instance per D1 binding: building one walks the whole schema (its relational
 * config), which the request path's profile showed as a measurable share of a send's CPU when
 * done for every `createDb` call.
 */
const instances = new WeakMap<D1Database, ReturnType<typeof build>>();

const build = (d1: D1Database) => drizzle(d1, { schema });

export function createDb(d1: D1Database) {
	let db = instances.get(d1);
	if (!db) {
		db = build(d1);
		instances.set(d1, db);
	}
	return db;
}

export type Db = ReturnType<typeof createDb>;
