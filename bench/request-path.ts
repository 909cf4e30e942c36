/**
 * The request path alone: the product Worker (src/index.ts) with its send queues' consumers
 * switched off. Their messages are acknowledged unsent, so nothing goes to SES and no SES
 * notification comes back, and the machine runs the API by itself, as an API isolate does in
 * production, where consumers and `/hooks/sns` run in isolates of their own.
 *
 * Why phase A measures it (scripts/bench/throughput.ts): locally the whole product shares one
 * workerd thread, and every accepted single brings back SES's notification, itself a request to
 * the same Worker that costs at least what a bare request does. With the pipeline running, the
 * accepted singles' ratio to the bare endpoint measures the send path and the pipeline's work
 * together; without it, the send path alone. Used by `npm run bench` only, on a state folder it
 * throws away.
 */
import type { Bindings } from "../src/env.ts";
import worker from "../src/index.ts";
import { SEND_BULK_QUEUES, SEND_QUEUE } from "../src/queues/index.ts";

export { AccountGuard, SendPacer } from "../src/index.ts";

const sendQueues = new Set<string>([SEND_QUEUE, ...SEND_BULK_QUEUES]);

export default {
	...worker,
	queue(batch, env, ctx) {
		if (!sendQueues.has(batch.queue)) return worker.queue(batch, env, ctx);
		batch.ackAll();
	},
} satisfies ExportedHandler<Bindings>;
