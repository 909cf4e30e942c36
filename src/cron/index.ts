/**
 * Housekeeping on Cron Triggers: one switch on the schedule, each job bounded so that it fits
 * in one invocation and picks up where it stopped on the next run.
 */
import { createDb } from "../db/client.ts";
import type { Bindings } from "../env.ts";
import { servicesFromEnv } from "../services/index.ts";
import { checkDueDomains } from "./check-domains.ts";
import { requeueStuckEmails } from "./requeue-stuck-emails.ts";

/** Must match `[triggers] crons` in wrangler.toml. */
export const EVERY_FIVE_MINUTES = "*/5 * * * *";

export async function runScheduled(controller: ScheduledController, env: Bindings): Promise<void> {
	switch (controller.cron) {
		case EVERY_FIVE_MINUTES: {
			const db = createDb(env.DB);
			await requeueStuckEmails(db, env.SEND_QUEUE);
			await checkDueDomains({ db, ...servicesFromEnv(env) });
			return;
		}
		default:
			console.error(`no job for cron "${controller.cron}"`);
	}
}
