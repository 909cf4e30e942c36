/**
 * The benchmark's D1 counter: a D1Database that counts statements, round trips and the rows D1
 * reports reading and writing (its own result metadata), the units Cloudflare bills.
 *
 * Counting costs extra work: D1's `raw()` and `first()` return no metadata, so a SELECT run
 * through them is run a second time with `all()` for its metadata (counted once). Read queries
 * are therefore doubled, and throughput must be measured on the product entry, src/index.ts.
 */

import { sourceUsage, totals, UNATTRIBUTED } from "./totals.ts";
import { type RequestTrace, traceCall } from "./traces.ts";

function recordD1(
	meta: Partial<D1Meta> | undefined,
	statements: number,
	source: string,
	calls = 1,
) {
	totals.d1.calls += calls;
	totals.d1.statements += statements;
	totals.d1.rowsRead += meta?.rows_read ?? 0;
	totals.d1.rowsWritten += meta?.rows_written ?? 0;
	if (meta?.size_after) {
		totals.d1.sizeFirst ||= meta.size_after;
		totals.d1.sizeLast = Math.max(totals.d1.sizeLast, meta.size_after);
	}
	const usage = sourceUsage(source);
	usage.statements += statements;
	usage.rowsRead += meta?.rows_read ?? 0;
	usage.rowsWritten += meta?.rows_written ?? 0;
}

/** Our wrappers around the real statements, so `batch` can hand D1 the real ones. */
const realStatements = new WeakMap<D1PreparedStatement, D1PreparedStatement>();

/** A SELECT cannot write, so running it twice (once for the metadata) changes nothing. */
const isSelect = (sql: string) => /^\s*select\b/i.test(sql);

function countStatement(
	real: D1PreparedStatement,
	sql: string,
	source: string,
	trace?: RequestTrace,
): D1PreparedStatement {
	// One traced call per call the product makes, however many the counting itself needs.
	const traced = <T>(run: () => Promise<T>) => traceCall(trace, "d1", sql, run);
	const statement = {
		bind: (...values: unknown[]) => countStatement(real.bind(...values), sql, source, trace),
		all: () =>
			traced(async () => {
				const result = await real.all();
				recordD1(result.meta, 1, source);
				return result;
			}),
		run: () =>
			traced(async () => {
				const result = await real.run();
				recordD1(result.meta, 1, source);
				return result;
			}),
		first: (colName?: string) => traced(() => first(colName)),
		raw: (options?: { columnNames?: boolean }) => traced(() => raw(options)),
	};
	async function first(colName?: string) {
		if (!isSelect(sql)) {
			const result = await real.all();
			recordD1(result.meta, 1, source);
			const row = result.results[0] as Record<string, unknown> | undefined;
			if (row === undefined || colName === undefined) return row ?? null;
			if (!(colName in row)) throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${colName})`);
			return row[colName];
		}
		// first() returns no metadata: all() for the metadata, first() for the value.
		recordD1((await real.all()).meta, 1, source);
		return colName === undefined ? real.first() : real.first(colName);
	}
	async function raw(options?: { columnNames?: boolean }) {
		if (isSelect(sql)) {
			// raw() returns no metadata: all() for the metadata, raw() for the arrays (a join's
			// duplicate column names survive only in raw()). Doubles every read query.
			recordD1((await real.all()).meta, 1, source);
			return options?.columnNames ? real.raw({ columnNames: true }) : real.raw();
		}
		// A write (INSERT … RETURNING) must run once: take all()'s rows as arrays, in column
		// order, which is how drizzle itself reads rows that come back from a batch.
		const result = await real.all();
		recordD1(result.meta, 1, source);
		const rows = result.results.map((row) => Object.values(row as Record<string, unknown>));
		if (!options?.columnNames) return rows;
		const first = result.results[0] as Record<string, unknown> | undefined;
		return [first ? Object.keys(first) : [], ...rows];
	}
	const counted = statement as unknown as D1PreparedStatement;
	realStatements.set(counted, real);
	return counted;
}

function countBatch(
	run: (statements: D1PreparedStatement[]) => Promise<D1Result<unknown>[]>,
	source: string,
	trace?: RequestTrace,
): D1Database["batch"] {
	return <T>(statements: D1PreparedStatement[]) =>
		traceCall(trace, "d1", `batch of ${statements.length}`, async () => {
			const results = await run(statements.map((s) => realStatements.get(s) ?? s));
			const meta = { rows_read: 0, rows_written: 0, size_after: 0 };
			for (const result of results) {
				meta.rows_read += result.meta?.rows_read ?? 0;
				meta.rows_written += result.meta?.rows_written ?? 0;
				meta.size_after = result.meta?.size_after ?? meta.size_after;
			}
			recordD1(meta, statements.length, source);
			return results as D1Result<T>[];
		});
}

/**
 * A D1Database that counts every statement and the rows D1 reports reading and writing, in all
 * and under `source` (the entry point running), and records each call in `trace` when given.
 */
export function instrumentD1(
	db: D1Database,
	source = UNATTRIBUTED,
	trace?: RequestTrace,
): D1Database {
	const counted = {
		prepare: (query: string) => countStatement(db.prepare(query), query, source, trace),
		batch: countBatch((statements) => db.batch(statements), source, trace),
		exec: (query: string) =>
			traceCall(trace, "d1", "exec", async () => {
				// exec() reports a statement count but no rows; it is used only by tooling.
				const result = await db.exec(query);
				recordD1(undefined, result.count, source);
				return result;
			}),
		withSession(constraintOrBookmark?: string) {
			const session = db.withSession(constraintOrBookmark);
			return {
				prepare: (query: string) => countStatement(session.prepare(query), query, source, trace),
				batch: countBatch((statements) => session.batch(statements), source, trace),
				getBookmark: () => session.getBookmark(),
			};
		},
		dump: () => db.dump(),
	};
	return counted as unknown as D1Database;
}
