/**
 * Request traces for `npm run bench`: a request carrying the `x-bench-trace` header gets its own
 * instrumented env (bench/metrics/index.ts) that records each remote call (D1, queue, Durable
 * Object) with its start and end in order, kept for `GET /__metrics/traces`, so the benchmark
 * can count the calls on a request's path and how many of them happen one after another.
 */

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

/** Served by `GET /__metrics/traces`, and forgotten with the totals by `resetMetrics`. */
export const traces: RequestTrace[] = [];

export function newTrace(request: string): RequestTrace {
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
export function beginCall(trace: RequestTrace, kind: TracedCall["kind"], what: string): () => void {
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
export async function traceCall<T>(
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
