/**
 * Usage counters for `npm run bench`: D1 statements, rows read and written (from D1's own
 * result metadata), queue operations and Durable Object calls, the units Cloudflare bills.
 *
 * Bench-only: bench/worker.ts wraps the product Worker's handlers with `withMetrics`, and the
 * benchmark runs that entry with `wrangler dev bench/worker.ts`. Nothing in src/ imports this
 * folder, so the deployed Worker (src/index.ts) contains none of it. `withMetrics` wraps
 * `env.DB`, every queue producer (`SEND_QUEUE`, `FEEDBACK_QUEUE`, `WEBHOOK_QUEUE`),
 * `env.ACCOUNT_GUARD` (each call on one of its stubs) and `env.ATTACHMENTS` (each R2 operation,
 * by method), counts each queue delivery, ack and retry, in all, per queue and per entry point
 * (`bySource`), and serves the totals at `GET /__metrics` and `POST /__metrics/reset`.
 *
 * This file wires the counters into a Worker's handlers; each binding's counter is its own
 * module (d1.ts, queues.ts, durable-objects.ts, r2.ts), adding to the per-isolate totals of
 * totals.ts. Two bench-only hooks besides the counters: request traces (traces.ts), for a
 * request carrying the `x-bench-trace` header; and `countDurableObjectStorage`
 * (durable-objects.ts, applied by bench/worker.ts to the product's AccountGuard).
 *
 * Counting costs extra work (D1's reads run twice, d1.ts), so throughput must be measured on the
 * product entry, src/index.ts.
 */

import { instrumentD1 } from "./d1.ts";
import { instrumentDurableObjects } from "./durable-objects.ts";
import { countQueueBatch, instrumentQueue, queueSource } from "./queues.ts";
import { instrumentR2 } from "./r2.ts";
import { readMetrics, resetMetrics, sourceUsage, totals, UNATTRIBUTED } from "./totals.ts";
import { newTrace, type RequestTrace, TRACE_HEADER, traces } from "./traces.ts";

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
