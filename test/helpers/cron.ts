/** Runs the Worker's scheduled handler, as a Cron Trigger would, and returns its `waitUntil` work. */
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Bindings } from "../../src/env.ts";
import worker from "../../src/index.ts";

export async function runCron(cron: string): Promise<Promise<unknown>[]> {
	const waits: Promise<unknown>[] = [];
	await worker.scheduled(
		createScheduledController({ cron }),
		env as Bindings,
		{
			waitUntil: (p: Promise<unknown>) => waits.push(p),
			passThroughOnException: () => {},
		} as unknown as ExecutionContext,
	);
	return waits;
}
