/**
 * SendFleet's Worker: the table of contents. Every request, queue batch and cron run enters
 * here; follow the imports to find its whole path.
 *
 * - fetch: the HTTP API (src/app.ts → src/routes/<resource>/)
 * - queue: the send queue's consumer and its dead-letter consumer (src/queues/)
 * - scheduled: housekeeping (src/cron/)
 * - AccountGuard: the per-account Durable Object (src/durable-objects/)
 */
import { createApp } from "./app.ts";
import { runScheduled } from "./cron/index.ts";
import type { Bindings } from "./env.ts";
import { handleQueueBatch } from "./queues/index.ts";

export { AccountGuard } from "./durable-objects/account-guard.ts";

const app = createApp();

export default {
	fetch: (request, env, ctx) => app.fetch(request, env, ctx),
	queue: (batch, env, ctx) => handleQueueBatch(batch, env, (work) => ctx.waitUntil(work)),
	scheduled: (controller, env, ctx) =>
		ctx.waitUntil(runScheduled(controller, env, (work) => ctx.waitUntil(work))),
} satisfies ExportedHandler<Bindings>;
