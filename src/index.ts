/**
 * SendFleet's Worker: the table of contents. Every request, queue batch and cron run enters
 * here; follow the imports to find its whole path.
 *
 * - fetch: the HTTP API (src/app.ts → src/routes/<resource>/)
 * - queue: the send queue's consumer and its dead-letter consumer (src/queues/)
 * - scheduled: housekeeping (src/cron/)
 * - queue: also the bulk send lane's (src/domain/lanes.ts)
 * - AccountGuard: the per-account Durable Object; SendPacer: the one SES pace (src/durable-objects/)
 */
import { createApp } from "./app.ts";
import { runScheduled } from "./cron/index.ts";
import type { Bindings } from "./env.ts";
import { handleQueueBatch } from "./queues/index.ts";

export { AccountGuard } from "./durable-objects/account-guard.ts";
export { SendPacer } from "./durable-objects/send-pacer.ts";

const app = createApp();

export default {
	fetch: (request, env, ctx) => app.fetch(request, env, ctx),
	queue: (batch, env, ctx) => handleQueueBatch(batch, env, (work) => ctx.waitUntil(work)),
	scheduled: (controller, env, ctx) =>
		ctx.waitUntil(runScheduled(controller, env, (work) => ctx.waitUntil(work))),
} satisfies ExportedHandler<Bindings>;
