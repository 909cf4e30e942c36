/**
 * The benchmark's Durable Object counters: calls made on the stubs of a namespace (each one a
 * billed request), counted on the caller's side; and the rows an object's SQLite storage reports
 * reading and writing, counted inside the object where bench/worker.ts applies
 * `countDurableObjectStorage`.
 */

import { sourceUsage, totals, UNATTRIBUTED } from "./totals.ts";
import { beginCall, type RequestTrace } from "./traces.ts";

/**
 * A stub whose every method call (RPC, or `fetch`) counts one Durable Object call. Properties
 * that are not functions (`id`, `name`) pass through; so does `then`, which must stay
 * undefined-or-native so that awaiting code never mistakes the stub for a promise.
 */
function countStub<S extends object>(stub: S, source: string, trace?: RequestTrace): S {
	return new Proxy(stub, {
		get(target, property) {
			const value: unknown = Reflect.get(target, property);
			if (typeof property === "symbol" || property === "then" || typeof value !== "function") {
				return value;
			}
			return (...args: unknown[]) => {
				totals.durableObjects.calls += 1;
				sourceUsage(source).doCalls += 1;
				const done = trace && beginCall(trace, "do", property);
				const result: unknown = Reflect.apply(value, target, args);
				// The RPC's own promise is handed back untouched; the trace only watches it settle.
				if (done) Promise.resolve(result).then(done, done);
				return result;
			};
		},
	});
}

/**
 * A Durable Object namespace whose stubs (from `get` and `getByName`) count each call made on
 * them. Its other methods (`idFromName`, `newUniqueId` …) run on the real namespace uncounted:
 * they make no request to an object.
 */
export function instrumentDurableObjects<N extends object>(
	namespace: N,
	source = UNATTRIBUTED,
	trace?: RequestTrace,
): N {
	return new Proxy(namespace, {
		get(target, property) {
			const value: unknown = Reflect.get(target, property);
			if (typeof value !== "function") return value;
			if (property === "get" || property === "getByName") {
				return (...args: unknown[]) =>
					countStub(Reflect.apply(value, target, args) as object, source, trace);
			}
			return (...args: unknown[]) => Reflect.apply(value, target, args);
		},
	});
}

/**
 * Counts the rows a Durable Object class's SQLite storage reports reading and writing
 * (`SqlStorageCursor.rowsRead`/`rowsWritten`), by wrapping the one method through which the
 * class runs its SQL (`method`, the private `sql` of the product's GuardStore, src/durable-objects/guard-store.ts). Bench-only: the
 * metered entry applies it to the class it re-exports, which stays the same class. A cursor's
 * rows are counted as its statement runs: at `exec`, and after each read of its results.
 */
export function countDurableObjectStorage(klass: { prototype: object }, method: string): boolean {
	const original: unknown = Reflect.get(klass.prototype, method);
	// A renamed method would leave the guard's rows uncounted without a word: fail loudly.
	if (typeof original !== "function")
		throw new Error(`countDurableObjectStorage: no method ${method}`);
	if (storageCounted.has(original)) return false;
	const wrapped = function (this: unknown, ...args: unknown[]) {
		return countCursor(Reflect.apply(original, this, args));
	};
	storageCounted.add(wrapped);
	Reflect.set(klass.prototype, method, wrapped);
	return true;
}

const storageCounted = new WeakSet<object>();

function countCursor(cursor: unknown): unknown {
	if (typeof cursor !== "object" || cursor === null || !("rowsWritten" in cursor)) return cursor;
	let read = 0;
	let written = 0;
	const settle = () => {
		const nowRead = Number(Reflect.get(cursor, "rowsRead") ?? 0);
		const nowWritten = Number(Reflect.get(cursor, "rowsWritten") ?? 0);
		totals.durableObjects.storageRowsRead += nowRead - read;
		totals.durableObjects.storageRowsWritten += nowWritten - written;
		read = nowRead;
		written = nowWritten;
	};
	settle();
	return new Proxy(cursor, {
		get(target, property) {
			const value: unknown = Reflect.get(target, property);
			if (typeof value !== "function") return value;
			return (...args: unknown[]) => {
				const result: unknown = Reflect.apply(value, target, args);
				settle();
				return result;
			};
		},
	});
}
