/**
 * D1's own count of rows written, for tests of what a step costs: a store whose D1 is metered
 * (bench/metrics/), the rows written by some work, the email rows as stored, without marks, and
 * an account's daily figure as counted.
 */
import { env } from "cloudflare:workers";
import { and, eq, inArray } from "drizzle-orm";
import { instrumentD1 } from "../../bench/metrics/d1.ts";
import { readMetrics, resetMetrics } from "../../bench/metrics/totals.ts";
import { createDb } from "../../src/db/client.ts";
import { dayOf } from "../../src/db/queries/metrics.ts";
import { accountDayCounts, emails } from "../../src/db/schema.ts";
import type { WebhookMessage } from "../../src/domain/webhook-delivery.ts";
import { db } from "./factories.ts";

/** D1 with every statement's rows counted. */
export const counted = createDb(instrumentD1(env.DB));
/** A webhook queue that takes everything and delivers nothing. */
export const webhookQueue = { sendBatch: async () => {} } as unknown as Queue<WebhookMessage>;

/** Rows written by `work`, as D1 reports them. */
export async function rowsWritten(work: () => Promise<unknown>) {
	resetMetrics();
	await work();
	return readMetrics().d1.rowsWritten;
}

/** The emails' rows as stored, without their marks (src/db/queries/send-marks.ts). */
export const storedRows = (ids: string[]) =>
	db()
		.select({
			id: emails.id,
			status: emails.status,
			lastEvent: emails.lastEvent,
			sesMessageId: emails.sesMessageId,
			sentAt: emails.sentAt,
			deliveredAt: emails.deliveredAt,
			stateKey: emails.stateKey,
			timeline: emails.timeline,
		})
		.from(emails)
		.where(inArray(emails.id, ids));

/** An account's daily `figure` (`account_day_counts`) on the day of `at`; 0 before its first. */
export async function dayFigure(accountId: string, at: number, figure: string, from = db()) {
	const [row] = await from
		.select({ count: accountDayCounts.count })
		.from(accountDayCounts)
		.where(
			and(
				eq(accountDayCounts.accountId, accountId),
				eq(accountDayCounts.day, dayOf(at)),
				eq(accountDayCounts.figure, figure),
			),
		);
	return row?.count ?? 0;
}
