/**
 * The benchmark's R2 counter: operations on the attachments' bucket by method, and the bytes
 * handed to `put`, what R2 bills on.
 */

import { type R2Counts, totals } from "./totals.ts";

const R2_METHODS = new Set(["put", "list", "get", "head", "delete"]);

/** Bytes of a `put` value when its size is known up front (not a stream). */
function byteSize(value: unknown): number {
	if (typeof value === "string") return new TextEncoder().encode(value).length;
	if (value instanceof ArrayBuffer) return value.byteLength;
	if (ArrayBuffer.isView(value)) return value.byteLength;
	if (value instanceof Blob) return value.size;
	return 0;
}

/**
 * A bucket whose every method call counts one R2 operation under its method's name (`put`,
 * `list`, `get`, `head`, `delete`; the rest under `other`). Methods run on the real bucket.
 */
export function instrumentR2<B extends object>(bucket: B): B {
	return new Proxy(bucket, {
		get(target, property) {
			const value: unknown = Reflect.get(target, property);
			if (typeof property === "symbol" || typeof value !== "function") return value;
			return (...args: unknown[]) => {
				const method = R2_METHODS.has(property) ? (property as keyof R2Counts) : "other";
				totals.r2[method] += 1;
				if (property === "put") totals.r2.bytesPut += byteSize(args[1]);
				return Reflect.apply(value, target, args);
			};
		},
	});
}
