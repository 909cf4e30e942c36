/**
 * Housekeeping on Cron Triggers: one switch on the schedule, each job bounded so that it fits
 * in one invocation and picks up where it stopped on the next run.
 */
import { createDb } from "../db/client.ts";
import { forgetStoredMarks } from "../db/queries/send-marks.ts";
import { domainDepsFromEnv, laneQueuesOf, noticeDepsFromEnv } from "../deps.ts";
import { dispatchNotices } from "../domain/notices.ts";
import type { Bindings } from "../env.ts";
import { SECOND } from "../lib/time.ts";
import { checkDueDomains } from "./check-domains.ts";
import { dispatchScheduledEmails } from "./dispatch-scheduled.ts";
import { purgeExpiredData } from "./purge.ts";
import { purgeExpiredAttachments } from "./purge-attachments.ts";
import { requeueStrandedDeliveries } from "./requeue-stranded-deliveries.ts";
import { requeueStuckEmails } from "./requeue-stuck-emails.ts";
import { TALLY_LAG, tallyDayFigures } from "./tally-day-figures.ts";

/** Must match `[triggers] crons` in wrangler.toml. */
export const EVERY_MINUTE = "* * * * *";
export const EVERY_FIVE_MINUTES = "*/5 * * * *";

export async function runScheduled(
	controller: ScheduledController,
	env: Bindings,
	waitUntil: (work: Promise<unknown>) => void,
): Promise<void> {
	switch (controller.cron) {
		case EVERY_MINUTE: {
			const db = createDb(env.DB);
			await runEach([
				async () => {
					const dispatched = await dispatchScheduledEmails(db, laneQueuesOf(env));
					if (dispatched) console.log(`dispatched ${dispatched} scheduled emails`);
				},
				() => tallyDayFigures(db, Date.now(), { lag: tallyLag(env) }),
				() => forgetStoredMarks(db),
			]);
			return;
		}
		case EVERY_FIVE_MINUTES: {
			const db = createDb(env.DB);
			const now = Date.now();
			// Emails go only where their files are gone; nothing, if the files' purge failed.
			let emailsBefore = "";
			await runEach([
				() => requeueStuckEmails(db, env.SEND_BULK_QUEUE),
				() => requeueStrandedDeliveries(db, env.WEBHOOK_QUEUE),
				// Notices whose dispatch right after their decision did not go through.
				() => dispatchNotices(noticeDepsFromEnv(env, waitUntil)),
				() => checkDueDomains({ ...domainDepsFromEnv(env), db }),
				// Attachments' objects before the D1 purge, from the same `now` so by the same cutoff:
				// once it finishes, no object is left of an email the D1 purge may delete
				// (src/cron/purge-attachments.ts).
				async () => {
					const files = await purgeExpiredAttachments(env.ATTACHMENTS, now);
					emailsBefore = files.clearedBefore;
					console.log(`purge attachments: ${JSON.stringify(files)}`);
				},
				// Last: it spends what is left of the invocation's budget (src/cron/purge.ts).
				async () =>
					console.log(
						`purge: ${JSON.stringify(await purgeExpiredData(db, { now, emailsBefore }))}`,
					),
			]);
			return;
		}
		default:
			console.error(`no job for cron "${controller.cron}"`);
	}
}

/** FIGURES_TALLY_LAG_SECONDS, if set to a number (the benchmark tallies at once). */
function tallyLag(env: Bindings): number {
	const seconds = Number.parseFloat(env.FIGURES_TALLY_LAG_SECONDS);
	return Number.isFinite(seconds) && seconds >= 0 ? seconds * SECOND : TALLY_LAG;
}

/** Runs every job even when an earlier one fails, then fails the invocation if any did. */
async function runEach(jobs: (() => Promise<unknown>)[]): Promise<void> {
	const errors: unknown[] = [];
	for (const job of jobs) {
		try {
			await job();
		} catch (error) {
			console.error("cron job failed:", error);
			errors.push(error);
		}
	}
	if (errors.length === 1) throw errors[0];
	if (errors.length > 1) throw new AggregateError(errors, `${errors.length} cron jobs failed`);
}
