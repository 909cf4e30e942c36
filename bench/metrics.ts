/**
 * Usage counters for `npm run bench`: D1 statements, rows read and written (from D1's own
 * result metadata), queue operations and Durable Object calls, the units Cloudflare bills.
 *
 * Bench-only: bench/worker.ts wraps the product Worker's handlers with `withMetrics`, and the
 * benchmark runs that entry with `wrangler dev bench/worker.ts`. Nothing in src/ imports this
 * module, so the deployed Worker (src/index.ts) contains none of it. `withMetrics` wraps
 * `env.DB`, every queue producer (`SEND_QUEUE`, `FEEDBACK_QUEUE`, `WEBHOOK_QUEUE`),
 * `env.ACCOUNT_GUARD` (each call on one of its stubs) and `env.ATTACHMENTS` (each R2 operation,
 * by method), counts each queue delivery, ack and retry, in all, per queue and per entry point
 * (`bySource`), and serves the totals at `GET /__metrics` and `POST /__metrics/reset`.
 *
 * Totals live in this module, so they are per isolate: meaningful on `wrangler dev` (one
 * isolate runs the fetch and queue handlers, and the Durable Objects), nowhere else.
 *
 * Two bench-only hooks besides the counters: a request carrying the `x-bench-trace` header gets
 * its own instrumented env that records each remote call (D1, queue, Durable Object) with its
 * start and end in order, kept for `GET /__metrics/traces`, so the benchmark can count the calls
 * on a request's path and how many of them happen one after another; and
 * `countDurableObjectStorage` (applied by bench/worker.ts to the product's AccountGuard) counts
 * the rows the object's SQLite storage reports reading and writing.
 *
 * Counting costs extra work: D1's `raw()` and `first()` return no metadata, so a SELECT run
 * through them is run a second time with `all()` for its metadata (counted once). Read queries
 * are therefore doubled, and throughput must be measured on the product entry, src/index.ts.
 */

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
const UNATTRIBUTED = "other";

const zeroQueue = (): QueueCounts => ({ written: 0, delivered: 0, acked: 0, retried: 0 });

/** Adds `n` to one counter of the total and of the named queue (when the name is known). */
function countQueue(name: string | undefined, counter: keyof QueueCounts, n: number) {
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

let totals = zero();

export function readMetrics(): MetricsTotals {
	return structuredClone(totals);
}

export function resetMetrics(): void {
	totals = zero();
	traces.length = 0;
}

/** The per-entry-point counters of `source`, created at first use. */
function sourceUsage(source: string): SourceUsage {
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

// --- D1 -----------------------------------------------------------------------------------

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

// --- Queues -------------------------------------------------------------------------------

/**
 * A producer binding that counts the messages written (each one a billed write), in all, under
 * `name` (the queue it writes to) when given, and under `source` (the entry point writing).
 */
export function instrumentQueue<Body>(
	queue: Queue<Body>,
	name?: string,
	source = UNATTRIBUTED,
	trace?: RequestTrace,
): Queue<Body> {
	const written = (n: number) => {
		countQueue(name, "written", n);
		sourceUsage(source).queueWritten += n;
	};
	return {
		metrics: () => queue.metrics(),
		send: (body, options) =>
			traceCall(trace, "queue", `${name ?? "queue"} send`, async () => {
				const response = await queue.send(body, options);
				written(1);
				return response;
			}),
		sendBatch(messages, options) {
			const list = [...messages];
			return traceCall(
				trace,
				"queue",
				`${name ?? "queue"} sendBatch of ${list.length}`,
				async () => {
					const response = await queue.sendBatch(list, options);
					written(list.length);
					return response;
				},
			);
		},
	};
}

/**
 * Runs a consumer on a batch and counts each message's fate. A message's own ack()/retry()
 * decides it (the first call wins), then ackAll()/retryAll(); a message nobody decided is
 * acked if the handler returns and retried if it throws, as the Queues runtime does.
 */
export async function countQueueBatch<Body>(
	batch: MessageBatch<Body>,
	consume: (batch: MessageBatch<Body>) => void | Promise<void>,
): Promise<void> {
	totals.worker.queueInvocations += 1;
	const name = batch.queue;
	sourceUsage(queueSource(name)).invocations += 1;
	countQueue(name, "delivered", batch.messages.length);
	const decided = new Map<Message<Body>, "ack" | "retry">();
	let decidedAll: "ack" | "retry" | undefined;
	const messages = batch.messages.map(
		(message): Message<Body> => ({
			get id() {
				return message.id;
			},
			get timestamp() {
				return message.timestamp;
			},
			get body() {
				return message.body;
			},
			get attempts() {
				return message.attempts;
			},
			ack() {
				if (!decided.has(message)) decided.set(message, "ack");
				message.ack();
			},
			retry(options) {
				if (!decided.has(message)) decided.set(message, "retry");
				message.retry(options);
			},
		}),
	);
	const counted: MessageBatch<Body> = {
		messages,
		get queue() {
			return batch.queue;
		},
		get metadata() {
			return batch.metadata;
		},
		ackAll() {
			decidedAll ??= "ack";
			batch.ackAll();
		},
		retryAll(options) {
			decidedAll ??= "retry";
			batch.retryAll(options);
		},
	};
	let completed = false;
	try {
		await consume(counted);
		completed = true;
	} finally {
		for (const message of batch.messages) {
			const fate = decided.get(message) ?? decidedAll ?? (completed ? "ack" : "retry");
			countQueue(name, fate === "ack" ? "acked" : "retried", 1);
		}
	}
}

// --- Durable Objects ----------------------------------------------------------------------

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

// --- Request traces ---------------------------------------------------------------------

/** A request carrying this header is traced (bench-only: the product never sees a trace). */
export const TRACE_HEADER = "x-bench-trace";
/** Traces kept for `GET /__metrics/traces`, oldest dropped first. */
const MAX_TRACES = 1_000;

/**
 * One remote call a traced request made. `start` and `end` are ticks of the request's own
 * counter, taken as the call starts and as it settles, so "b started after a ended" is exact
 * (`b.start > a.end`) even where the clock does not move (workerd's clock stands still between
 * I/O events).
 */
export interface TracedCall {
	kind: "d1" | "queue" | "do";
	/** The SQL (start of it), the queue method or the Durable Object method. */
	what: string;
	start: number;
	end: number;
	/** Milliseconds since the request started (the Workers clock: moves on I/O only). */
	startMs: number;
	endMs: number;
}

export interface RequestTrace {
	/** `POST /emails` */
	request: string;
	status: number;
	/** The tick at which the handler returned its response; calls after it ran off the path. */
	respondedAt: number;
	calls: TracedCall[];
	/** The request's tick counter. */
	ticks: number;
	startedAt: number;
}

const traces: RequestTrace[] = [];

function newTrace(request: string): RequestTrace {
	const trace: RequestTrace = {
		request,
		status: 0,
		respondedAt: Number.POSITIVE_INFINITY,
		calls: [],
		ticks: 0,
		startedAt: performance.now(),
	};
	traces.push(trace);
	if (traces.length > MAX_TRACES) traces.shift();
	return trace;
}

/** Records a call's start now; the function returned records its end. */
function beginCall(trace: RequestTrace, kind: TracedCall["kind"], what: string): () => void {
	const call: TracedCall = {
		kind,
		what: what.replace(/\s+/g, " ").slice(0, 80),
		start: trace.ticks++,
		end: Number.POSITIVE_INFINITY,
		startMs: performance.now() - trace.startedAt,
		endMs: Number.NaN,
	};
	trace.calls.push(call);
	return () => {
		call.end = trace.ticks++;
		call.endMs = performance.now() - trace.startedAt;
	};
}

/** Runs `run`, recorded as one call in `trace` when there is one. */
async function traceCall<T>(
	trace: RequestTrace | undefined,
	kind: TracedCall["kind"],
	what: string,
	run: () => Promise<T>,
): Promise<T> {
	if (!trace) return run();
	const done = beginCall(trace, kind, what);
	try {
		return await run();
	} finally {
		done();
	}
}

// --- Durable Object storage ---------------------------------------------------------------

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

// --- R2 -----------------------------------------------------------------------------------

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

// --- Wiring -------------------------------------------------------------------------------

/** The queue producers counted besides SEND_QUEUE; optional so tests may omit them. */
const PRODUCERS = [
	"SEND_BULK_QUEUE",
	"SEND_BULK_QUEUE_1",
	"SEND_BULK_QUEUE_2",
	"SEND_BULK_QUEUE_3",
	"FEEDBACK_QUEUE",
	"WEBHOOK_QUEUE",
] as const;
type Producer = (typeof PRODUCERS)[number];

interface Instrumentable extends Partial<Record<Producer, Queue>> {
	DB: D1Database;
	SEND_QUEUE: Queue;
	/** The per-account guard's namespace (src/durable-objects/); optional so tests may omit it. */
	ACCOUNT_GUARD?: object;
	/** The one SendPacer's namespace (the consumers' slot reservations); optional likewise. */
	SEND_PACER?: object;
	/** The attachments' R2 bucket; optional so tests may omit it. */
	ATTACHMENTS?: object;
}

/** The queue each producer binding writes to (wrangler.toml), to count writes per queue. */
export type QueueNames = Partial<Record<"SEND_QUEUE" | Producer, string>>;

const instrumented = new WeakMap<object, Map<string, object>>();

/**
 * The same env with counting DB, queue producers (SEND_QUEUE and PRODUCERS),
 * ACCOUNT_GUARD and ATTACHMENTS bindings, attributing what they count to `source`, the entry
 * point running (one wrapper per env object and entry point; R2 is counted in all only). With
 * `trace`, a wrapper of its own that also records each D1, queue and Durable Object call there.
 */
export function instrumentEnv<E extends Instrumentable>(
	env: E,
	source = UNATTRIBUTED,
	queueNames: QueueNames = {},
	trace?: RequestTrace,
): E {
	const bySource = instrumented.get(env) ?? new Map<string, object>();
	instrumented.set(env, bySource);
	const cached = trace ? undefined : bySource.get(source);
	if (cached) return cached as E;
	const queue = (binding: Queue, name: keyof QueueNames) =>
		instrumentQueue(binding, queueNames[name] ?? name, source, trace);
	const wrapped: E = {
		...env,
		DB: instrumentD1(env.DB, source, trace),
		SEND_QUEUE: queue(env.SEND_QUEUE, "SEND_QUEUE"),
		...Object.fromEntries(
			PRODUCERS.flatMap((name) => {
				const binding = env[name];
				return binding ? [[name, queue(binding, name)]] : [];
			}),
		),
		...(env.ACCOUNT_GUARD && {
			ACCOUNT_GUARD: instrumentDurableObjects(env.ACCOUNT_GUARD, source, trace),
		}),
		...(env.SEND_PACER && {
			SEND_PACER: instrumentDurableObjects(env.SEND_PACER, source, trace),
		}),
		...(env.ATTACHMENTS && { ATTACHMENTS: instrumentR2(env.ATTACHMENTS) }),
	};
	if (!trace) bySource.set(source, wrapped);
	return wrapped;
}

/** A fetch's entry point: a hook by its path (`POST /hooks/sns`), any other request `API`. */
function fetchSource(request: Request): string {
	const { pathname } = new URL(request.url);
	return pathname.startsWith("/hooks/") ? `${request.method} ${pathname}` : "API";
}

const queueSource = (queue: string) => `queue ${queue}`;

/**
 * `GET /__metrics`, `GET /__metrics/traces` and `POST /__metrics/reset` (which also forgets the
 * traces); undefined for every other request.
 */
export function serveMetrics(request: Request): Response | undefined {
	const { pathname } = new URL(request.url);
	if (request.method === "GET" && pathname === "/__metrics") return Response.json(readMetrics());
	if (request.method === "GET" && pathname === "/__metrics/traces") return Response.json(traces);
	if (request.method === "POST" && pathname === "/__metrics/reset") {
		resetMetrics();
		return Response.json(readMetrics());
	}
	return undefined;
}

export interface WorkerHandlers<E> {
	fetch(request: Request, env: E, ctx: ExecutionContext): Response | Promise<Response>;
	/** `ctx` is optional so tests can call the queue handler with a batch and env only. */
	queue(batch: MessageBatch<unknown>, env: E, ctx?: ExecutionContext): void | Promise<void>;
	scheduled(controller: ScheduledController, env: E, ctx: ExecutionContext): void | Promise<void>;
}

/**
 * The Worker's handlers, counting every invocation and serving `/__metrics`; `queueNames` lets
 * writes count under the same queue names as the consumer's deliveries and acks.
 */
export function withMetrics<E extends Instrumentable>(
	handlers: WorkerHandlers<E>,
	queueNames: QueueNames = {},
): WorkerHandlers<E> {
	/** A request with the trace header: its own env, its calls recorded until it answers. */
	async function traced(request: Request, env: E, ctx: ExecutionContext): Promise<Response> {
		const { pathname } = new URL(request.url);
		const trace = newTrace(`${request.method} ${pathname}`);
		const source = fetchSource(request);
		const response = await handlers.fetch(
			request,
			instrumentEnv(env, source, queueNames, trace),
			ctx,
		);
		trace.respondedAt = trace.ticks++;
		trace.status = response.status;
		return response;
	}
	return {
		fetch(request, env, ctx) {
			const served = serveMetrics(request);
			if (served) return served;
			totals.worker.fetches += 1;
			const source = fetchSource(request);
			sourceUsage(source).invocations += 1;
			if (request.headers.has(TRACE_HEADER)) return traced(request, env, ctx);
			return handlers.fetch(request, instrumentEnv(env, source, queueNames), ctx);
		},
		queue(batch, env, ctx) {
			const source = queueSource(batch.queue);
			return countQueueBatch(batch, (counted) =>
				handlers.queue(counted, instrumentEnv(env, source, queueNames), ctx),
			);
		},
		scheduled(controller, env, ctx) {
			totals.worker.scheduledRuns += 1;
			sourceUsage("scheduled").invocations += 1;
			return handlers.scheduled(controller, instrumentEnv(env, "scheduled", queueNames), ctx);
		},
	};
}
