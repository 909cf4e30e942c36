/**
 * The benchmark's usage totals (what `GET /__metrics` serves) and the counters every
 * instrumented binding adds to: in all, per queue and per entry point (`bySource`).
 *
 * Totals live in this module, so they are per isolate: meaningful on `wrangler dev` (one
 * isolate runs the fetch and queue handlers, and the Durable Objects), nowhere else.
 */

import { traces } from "./traces.ts";

/** One queue's operations (or all queues'), each message a billed write, read or delete. */
export interface QueueCounts {
	/** Messages written (`send` counts 1, `sendBatch` counts each message). */
	written: number;
	/** Messages delivered to a consumer: each delivery is one read. */
	delivered: number;
	/** Messages acked, explicitly or by a successful batch: each ack is one delete. */
	acked: number;
	/** Messages handed back for redelivery (read again later). */
	retried: number;
}

export interface MetricsTotals {
	/** When the counters were last reset (ISO 8601). */
	since: string;
	worker: { fetches: number; queueInvocations: number; scheduledRuns: number };
	d1: {
		/** SQL statements executed (a `batch` of n statements counts n). */
		statements: number;
		/** Round trips to D1 (`all`, `run`, `first`, `raw`, `batch`, `exec` calls). */
		calls: number;
		rowsRead: number;
		rowsWritten: number;
		/**
		 * The database's size in bytes (D1's `meta.size_after`) after the first statement since
		 * the reset, and the largest since: what a run added to the stored data, pages included.
		 */
		sizeFirst: number;
		sizeLast: number;
	};
	/** Every queue's operations together. */
	queue: QueueCounts;
	/** The same per queue, by queue name (wrangler.toml's `queue`), once a queue is used. */
	queues: Record<string, QueueCounts>;
	/**
	 * Calls on Durable Object stubs (`env.ACCOUNT_GUARD`): each RPC method call (or `fetch`) on a
	 * stub is its own RPC session, which Cloudflare bills as one Durable Object request. Alarms,
	 * also billed as requests, run inside the object and are not counted here.
	 */
	durableObjects: {
		calls: number;
		/**
		 * Rows the objects' SQLite storage reports (each cursor's `rowsRead`/`rowsWritten`), billed
		 * like D1's; counted only where `countDurableObjectStorage` wrapped the class.
		 */
		storageRowsRead: number;
		storageRowsWritten: number;
	};
	/** Operations on the attachments' R2 bucket (`env.ATTACHMENTS`), by method. */
	r2: R2Counts;
	/**
	 * The same usage split by what the Worker was running when it happened (its entry point):
	 * `API` (fetch requests but the hooks), `POST /hooks/sns` (SES events via SNS) or another
	 * hook's path, `queue <name>` (that queue's consumer), `scheduled`. Work an invocation left
	 * running (`waitUntil`) counts under it.
	 */
	bySource: Record<string, SourceUsage>;
}

/**
 * R2 operations by the method that made them; what each costs is the price list's business
 * (scripts/bench/prices.ts: `put` and `list` are Class A, `get` and `head` Class B, `delete`
 * free). One `delete(keys[])` is one operation however many keys it names.
 */
export interface R2Counts {
	put: number;
	list: number;
	get: number;
	head: number;
	delete: number;
	/** Multipart uploads and anything else the bucket was asked. */
	other: number;
	/** Bytes handed to `put` (an object's size as stored, which storage is billed on). */
	bytesPut: number;
}

export interface SourceUsage {
	invocations: number;
	statements: number;
	rowsRead: number;
	rowsWritten: number;
	/** Queue messages written from it (its own deliveries and acks count under `queue <name>`). */
	queueWritten: number;
	doCalls: number;
}

/** Where usage is counted when the caller names no entry point (tests, tooling). */
export const UNATTRIBUTED = "other";

const zeroQueue = (): QueueCounts => ({ written: 0, delivered: 0, acked: 0, retried: 0 });

/** Adds `n` to one counter of the total and of the named queue (when the name is known). */
export function countQueue(name: string | undefined, counter: keyof QueueCounts, n: number) {
	totals.queue[counter] += n;
	if (name === undefined) return;
	totals.queues[name] ??= zeroQueue();
	totals.queues[name][counter] += n;
}

function zero(): MetricsTotals {
	return {
		since: new Date().toISOString(),
		worker: { fetches: 0, queueInvocations: 0, scheduledRuns: 0 },
		d1: { statements: 0, calls: 0, rowsRead: 0, rowsWritten: 0, sizeFirst: 0, sizeLast: 0 },
		queue: zeroQueue(),
		queues: {},
		durableObjects: { calls: 0, storageRowsRead: 0, storageRowsWritten: 0 },
		r2: { put: 0, list: 0, get: 0, head: 0, delete: 0, other: 0, bytesPut: 0 },
		bySource: {},
	};
}

/**
 * The running totals. The counting modules add to its fields; only `resetMetrics` replaces it,
 * and ES modules' live bindings hand every importer the new object.
 */
export let totals = zero();

export function readMetrics(): MetricsTotals {
	return structuredClone(totals);
}

export function resetMetrics(): void {
	totals = zero();
	traces.length = 0;
}

/** The per-entry-point counters of `source`, created at first use. */
export function sourceUsage(source: string): SourceUsage {
	totals.bySource[source] ??= {
		invocations: 0,
		statements: 0,
		rowsRead: 0,
		rowsWritten: 0,
		queueWritten: 0,
		doCalls: 0,
	};
	return totals.bySource[source];
}
