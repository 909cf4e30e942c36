/**
 * The benchmark's Worker entry: the product Worker (src/index.ts) with its handlers wrapped by
 * `withMetrics` (bench/metrics.ts), which counts D1, queue and Durable Object usage and serves
 * it at `/__metrics`. `npm run bench` runs it with the product's own wrangler.toml,
 * `wrangler dev bench/worker.ts --config wrangler.toml` (the positional script overrides
 * `main`), so bindings, vars and migrations cannot drift from what is deployed; the deployed
 * bundle is built from src/index.ts and contains none of this.
 *
 * The Durable Object class is re-exported unchanged under its own name, `AccountGuard`, the
 * `class_name` wrangler.toml binds; calls to it are counted on the caller's side, on the stubs
 * of the wrapped `env.ACCOUNT_GUARD`.
 */
import type { Bindings } from "../src/env.ts";
import worker from "../src/index.ts";
import { FEEDBACK_QUEUE, SEND_QUEUE, WEBHOOK_QUEUE } from "../src/queues/index.ts";
import { withMetrics } from "./metrics.ts";

export { AccountGuard } from "../src/index.ts";

export default withMetrics<Bindings>(worker, {
	SEND_QUEUE,
	FEEDBACK_QUEUE,
	WEBHOOK_QUEUE,
}) satisfies ExportedHandler<Bindings>;
