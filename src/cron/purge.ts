/**
 * Retention: deletes what SendFleet keeps for a limited time, in bounded batches that
 * fit in one cron invocation and continue on the next one.
 *
 * - emails older than 90 days, with their content and their whole timeline (both in the row,
 *   so an event recorded later, a complaint days after the send, goes too), and accounts'
 *   daily figures of days past the 90;
 * - unmatched feedback notifications older than 90 days;
 * - customer webhook events older than 90 days (their deliveries, with the attempts logged in them);
 * - expired dashboard sessions, login-failure counters whose window started over a day ago,
 *   and idempotency keys past their 24 hours.
 *
 * Attachments' metadata goes with its email (ON DELETE CASCADE); their bytes are R2 objects,
 * which src/cron/purge-attachments.ts deletes by the same cutoff, from the key's email id. The
 * cron runs it just before this purge with the same `now`, so a finished run of it leaves no
 * object of an email this purge may delete (orphan objects, whose row was never stored, too).
 *
 * Every delete takes the oldest rows below a bound through an index with `LIMIT` (see
 * src/db/queries/retention.ts), so a batch costs the same on a table of a thousand rows or a
 * hundred million, and a run that stops early leaves nothing to remember: the next run starts
 * again from the oldest row. The tables take turns, one batch each per round, so a backlog in
 * one (a first purge of millions of emails) never starves the others.
 *
 * Schedule: the five-minute cron, after its other jobs and the attachments' purge
 * (src/cron/index.ts), which runs each job even when an earlier one fails. Frequent short runs
 * keep the load on D1, which executes one query at a time per database, small and even. A run
 * of 400 statements deletes up to 100,000 emails with their timelines and lookup rows (an
 * email batch counts 4: its read, and the lookup rows' and emails' deletes; the benchmark
 * deletes 250,000 expired emails with 60,000 other rows in 3 runs of 2.0 to 3.7 s), so at 288
 * runs a day the purge keeps up with tens of millions of emails a day and drains a backlog of a
 * million emails in under an hour.
 *
 * The budget, and where the numbers come from:
 * - BATCH_SIZE = 1,000 rows (emails, with their lookup rows): each batch is a read and one
 *   short transaction, 26 ms on average in the benchmark (`npm run bench`), far from D1's
 *   30-second limit per query, so the sending path's queries never wait long behind one.
 *   Every statement binds at most 2 parameters (D1 allows 100; the lookup rows' delete binds one
 *   JSON array of at most 10,000 keys, far below D1's 2 MB a value) and is a few hundred bytes
 *   long (D1 allows 100 KB). https://developers.cloudflare.com/d1/platform/limits/
 * - MAX_STATEMENTS = 400 per run: D1 allows 1,000 queries per Worker invocation on Workers Paid
 *   (same page; 50 on Free), and the cron's other jobs in the same invocation use a few dozen
 *   (up to 25 domain updates, the stuck-email scan, the stranded webhook deliveries' windows).
 * - MAX_MILLIS = 20 s: no batch starts after 20 s of wall time. A Cron Trigger may run for 15
 *   minutes of wall time and 30 s of CPU by default
 *   (https://developers.cloudflare.com/workers/platform/limits/); waiting on D1 uses no CPU, so
 *   the CPU limit is far away, and 20 s ends every run long before the next one starts.
 */
import type { Db } from "../db/client.ts";
import { deleteExpiredIdempotencyKeys, IDEMPOTENCY_KEY_TTL } from "../db/queries/idempotency.ts";
import { dayOf } from "../db/queries/metrics.ts";
import {
	deleteOldDayCounts,
	deleteOldestEmails,
	deleteOldestUnmatchedNotifications,
	deleteOldestWebhookDeliveries,
	deleteStaleLoginFailures,
} from "../db/queries/retention.ts";
import { deleteExpiredSessions } from "../db/queries/users.ts";
import { idFloor } from "../lib/ids.ts";
import { DAY } from "../lib/time.ts";

/** Emails, events and unmatched notifications are kept 90 days (the product page, every plan). */
export const RETENTION = 90 * DAY;
/** Login throttling counts failures over 15 minutes; a day-old window is long over. */
export const LOGIN_FAILURE_RETENTION = DAY;

export const BATCH_SIZE = 1000;
export const MAX_STATEMENTS = 400;
export const MAX_MILLIS = 20_000;

export interface PurgeOptions {
	/** The time the cutoffs are computed from (epoch ms). */
	now?: number;
	/**
	 * Deletes emails only below this id too: where the attachments' purge has cleared R2 up to
	 * (src/cron/purge-attachments.ts), so no object outlives its email.
	 */
	emailsBefore?: string;
	batchSize?: number;
	maxStatements?: number;
	maxMillis?: number;
}

export interface PurgeReport {
	/** Emails, with their timelines, lookup rows and attachments' metadata. */
	emails: number;
	/** Accounts' daily figures (GET /account/metrics) of days past the retention. */
	dayCounts: number;
	unmatchedNotifications: number;
	/** Customer webhook events' deliveries, each an event for one endpoint with its attempts. */
	webhookDeliveries: number;
	sessions: number;
	loginFailures: number;
	idempotencyKeys: number;
	/** SQL statements run (a batch counts each of its statements). */
	statements: number;
	/** Transactions run: D1 batches and single statements. */
	batches: number;
	/** True when nothing due remains; false when the budget ran out first. */
	finished: boolean;
}

type Counter = Exclude<keyof PurgeReport, "statements" | "batches" | "finished">;

interface Task {
	statements: number;
	/** Runs one batch; returns how many of its `limit` rows it found. */
	run(limit: number, report: PurgeReport): Promise<number>;
	/** A task that joins the rounds once this one is done. */
	next?: Task;
}

function single(counter: Counter, del: (limit: number) => Promise<number>): Task {
	return {
		statements: 1,
		async run(limit, report) {
			const deleted = await del(limit);
			report[counter] += deleted;
			return deleted;
		},
	};
}

export async function purgeExpiredData(db: Db, options: PurgeOptions = {}): Promise<PurgeReport> {
	const now = options.now ?? Date.now();
	const batchSize = options.batchSize ?? BATCH_SIZE;
	const maxStatements = options.maxStatements ?? MAX_STATEMENTS;
	const stopAt = Date.now() + (options.maxMillis ?? MAX_MILLIS);
	const retainedFrom = idFloor(now - RETENTION);
	const emailsBefore =
		options.emailsBefore !== undefined && options.emailsBefore < retainedFrom
			? options.emailsBefore
			: retainedFrom;

	const pending: Task[] = [
		{
			// A read, then the lookup rows' deletes and the emails' in one batch.
			statements: 4,
			async run(limit, report) {
				const { read, deleted } = await deleteOldestEmails(db, emailsBefore, limit);
				report.emails += deleted;
				// Cut short by many recipients: there is more, whatever was read.
				return deleted < read ? limit : read;
			},
		},
		single("dayCounts", (limit) => deleteOldDayCounts(db, dayOf(now - RETENTION), limit)),
		single("unmatchedNotifications", (limit) =>
			deleteOldestUnmatchedNotifications(db, retainedFrom, limit),
		),
		single("sessions", (limit) => deleteExpiredSessions(db, now, limit)),
		single("loginFailures", (limit) =>
			deleteStaleLoginFailures(db, now - LOGIN_FAILURE_RETENTION, limit),
		),
		single("idempotencyKeys", (limit) =>
			deleteExpiredIdempotencyKeys(db, now - IDEMPOTENCY_KEY_TTL, limit),
		),
		single("webhookDeliveries", (limit) => deleteOldestWebhookDeliveries(db, retainedFrom, limit)),
	];
	const report: PurgeReport = {
		emails: 0,
		dayCounts: 0,
		unmatchedNotifications: 0,
		webhookDeliveries: 0,
		sessions: 0,
		loginFailures: 0,
		idempotencyKeys: 0,
		statements: 0,
		batches: 0,
		finished: false,
	};

	// Round robin: one batch per unfinished task per round. A task is done when a batch finds
	// fewer rows than it may delete; the task it leads to joins from the next round.
	while (pending.length > 0) {
		for (const task of [...pending]) {
			if (report.statements + task.statements > maxStatements || Date.now() >= stopAt) {
				return report;
			}
			const found = await task.run(batchSize, report);
			report.statements += task.statements;
			report.batches += 1;
			if (found < batchSize) {
				pending.splice(pending.indexOf(task), 1);
				if (task.next) pending.push(task.next);
			}
		}
	}
	report.finished = true;
	return report;
}
