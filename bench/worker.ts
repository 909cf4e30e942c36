/**
 * The benchmark's Worker entry: the product Worker (src/index.ts) with its handlers wrapped by
 * `withMetrics` (bench/metrics/), which counts D1, queue and Durable Object usage and serves
 * it at `/__metrics`. `npm run bench` runs it with the product's own wrangler.toml,
 * `wrangler dev bench/worker.ts --config wrangler.toml` (the positional script overrides
 * `main`), so bindings, vars and migrations cannot drift from what is deployed; the deployed
 * bundle is built from src/index.ts and contains none of this.
 *
 * The Durable Object classes are re-exported under their own names, `AccountGuard` and
 * `SendPacer`, the `class_name`s wrangler.toml binds; calls to it are counted on the caller's side, on the stubs of the wrapped
 * `env.ACCOUNT_GUARD`. The one hook inside it: `countDurableObjectStorage` wraps the private
 * `sql` method of its storage (GuardStore, the only way it runs SQL) to count the rows its SQLite
 * storage reads and writes; the classes stay the same, and only this entry (never src/index.ts)
 * applies the hook.
 */

import { GuardStore } from "../src/durable-objects/guard-store.ts";
import type { Bindings } from "../src/env.ts";
import worker from "../src/index.ts";
import {
	FEEDBACK_QUEUE,
	SEND_BULK_QUEUES,
	SEND_QUEUE,
	WEBHOOK_QUEUE,
} from "../src/queues/index.ts";
import { countDurableObjectStorage } from "./metrics/durable-objects.ts";
import { withMetrics } from "./metrics/index.ts";

export { AccountGuard, SendPacer } from "../src/index.ts";

countDurableObjectStorage(GuardStore, "sql");

export default withMetrics<Bindings>(worker, {
	SEND_QUEUE,
	SEND_BULK_QUEUE: SEND_BULK_QUEUES[0],
	SEND_BULK_QUEUE_1: SEND_BULK_QUEUES[1],
	SEND_BULK_QUEUE_2: SEND_BULK_QUEUES[2],
	SEND_BULK_QUEUE_3: SEND_BULK_QUEUES[3],
	FEEDBACK_QUEUE,
	WEBHOOK_QUEUE,
}) satisfies ExportedHandler<Bindings>;
