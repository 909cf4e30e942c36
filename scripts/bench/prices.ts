/**
 * Cloudflare list prices, USD, read 2026-11-26, and the cost per million emails they give for
 * a usage per email. Marginal rates beyond each plan's included usage; the $5/month Workers
 * Paid minimum and the included allowances are left out, and D1 storage is priced apart
 * (`d1StoragePerEmail`).
 */

import { RETENTION } from "../../src/cron/purge.ts";
import { PAGE_SIZE } from "../../src/cron/purge-attachments.ts";
import type { Usage } from "./measure-usage.ts";
import { config } from "./options.ts";
import { fixed } from "./outcome.ts";

export const PRICES = {
	// https://developers.cloudflare.com/workers/platform/pricing/ (Standard usage model):
	// requests $0.30 per million beyond 10 M/month; CPU $0.02 per million CPU-ms beyond 30 M.
	workerRequestsPerMillion: 0.3,
	cpuMsPerMillion: 0.02,
	// https://developers.cloudflare.com/d1/platform/pricing/: rows read $0.001 per million beyond
	// 25 B/month; rows written $1.00 per million beyond 50 M/month.
	d1RowsReadPerMillion: 0.001,
	d1RowsWrittenPerMillion: 1.0,
	// The same page: storage $0.75 per GB-month beyond 5 GB. Reported beside the totals, not in
	// them (scripts/bench/storage-report.ts): it depends on the customers' bodies more than on
	// our code.
	d1StoragePerGbMonth: 0.75,
	// https://developers.cloudflare.com/queues/platform/pricing/: $0.40 per million operations
	// beyond 1 M/month; one operation per 64 KB written, read or deleted, per message.
	queueOperationsPerMillion: 0.4,
	// https://developers.cloudflare.com/durable-objects/platform/pricing/ (checked 2026-11-26):
	// requests $0.15 per million beyond 1 M/month, counting HTTP requests, RPC sessions (every RPC
	// method call on a stub is one) and alarms. Left out: duration ($12.50 per M GB-s beyond
	// 400,000 GB-s) and SQLite storage (the guard's own rows, which /__metrics cannot see).
	durableObjectRequestsPerMillion: 0.15,
	// https://developers.cloudflare.com/r2/pricing/ (Standard storage, read 2026-11-29): Class A
	// operations (PutObject, ListObjects, …) $4.50 per million beyond 1 M/month, Class B
	// (GetObject, HeadObject, …) $0.36 per million beyond 10 M/month, storage $0.015 per GB-month
	// beyond 10 GB-month (a GB-month: the daily peak averaged over a 30-day billing period);
	// DeleteObject is free, and so is egress.
	r2ClassAPerMillion: 4.5,
	r2ClassBPerMillion: 0.36,
	r2StoragePerGbMonth: 0.015,
	// The same Durable Objects page: SQLite-backed objects' storage bills rows like D1, $0.001 per
	// million rows read beyond 25 B/month and $1.00 per million rows written beyond 50 M/month.
	// Priced only in the lifecycle table, where bench/metrics/durable-objects.ts counts the guard's rows.
	durableObjectRowsReadPerMillion: 0.001,
	durableObjectRowsWrittenPerMillion: 1.0,
} as const;

/** R2 bills storage in GB-months of 30 days (the pricing page above); GB taken as 10^9 bytes. */
const GB = 1e9;
const BILLING_MONTH_DAYS = 30;
const RETENTION_DAYS = RETENTION / 86_400_000;

export function perEmail(u: Usage) {
	const t = u.totals;
	const per = (n: number) => n / u.emails;
	const queueOps = t.queue.written + t.queue.delivered + t.queue.acked;
	return {
		statements: per(t.d1.statements),
		calls: per(t.d1.calls),
		rowsRead: per(t.d1.rowsRead),
		rowsWritten: per(t.d1.rowsWritten),
		queueOps: per(queueOps),
		queueSplit: `${fixed(per(t.queue.written), 2)}/${fixed(per(t.queue.delivered), 2)}/${fixed(per(t.queue.acked), 2)}`,
		doCalls: per(t.durableObjects.calls),
		invocations: per(t.worker.fetches + t.worker.queueInvocations + t.worker.scheduledRuns),
	};
}

/**
 * R2 per email: the operations measured (by the metered entry), the purge's share of a list
 * (counted from src/cron/purge-attachments.ts: one Class A list per page of PAGE_SIZE objects;
 * its deletes are free), and the bytes stored, kept for the whole retention (90 days).
 */
export function r2PerEmail(u: Usage) {
	const r2 = u.totals.r2;
	const per = (n: number) => n / u.emails;
	const objects = per(r2.put);
	return {
		classA: per(r2.put + r2.list + r2.other),
		purgeLists: objects / PAGE_SIZE,
		classB: per(r2.get + r2.head),
		deletes: per(r2.delete),
		bytes: per(r2.bytesPut),
		gbMonths: (per(r2.bytesPut) / GB) * (RETENTION_DAYS / BILLING_MONTH_DAYS),
	};
}

/**
 * D1 storage per email: what the run added to the database (its rows, index entries and
 * timelines, as SQLite pages), kept for the whole retention; and its cost per million emails.
 */
export function d1StoragePerEmail(u: Usage) {
	const bytes = Math.max(0, u.totals.d1.sizeLast - u.totals.d1.sizeFirst) / u.emails;
	const gbMonths = (bytes / GB) * (RETENTION_DAYS / BILLING_MONTH_DAYS);
	return { bytes, gbMonths, costPerMillion: gbMonths * 1e6 * PRICES.d1StoragePerGbMonth };
}

/** What each KB of an email's body adds to D1 storage's cost per million emails. */
export const D1_STORAGE_PER_KB_PER_MILLION =
	(1_000 / GB) * (RETENTION_DAYS / BILLING_MONTH_DAYS) * 1e6 * PRICES.d1StoragePerGbMonth;

/** R2's cost per million emails: Class A (with the purge's lists), Class B, storage. */
export function r2CostPerMillion(u: Usage) {
	const r = r2PerEmail(u);
	const cost = {
		classA: (r.classA + r.purgeLists) * PRICES.r2ClassAPerMillion,
		classB: r.classB * PRICES.r2ClassBPerMillion,
		// GB-months per email × a million emails × $ per GB-month.
		storage: r.gbMonths * 1e6 * PRICES.r2StoragePerGbMonth,
	};
	return { ...cost, total: cost.classA + cost.classB + cost.storage };
}

/** Per million emails, units per email × price per million units is the cost in dollars. */
export function costPerMillion(u: Usage) {
	const p = perEmail(u);
	const cpuMsPerEmail = p.invocations * config.cpuMsPerInvocation + config.cpuMsPerEmail;
	const cost = {
		requests: p.invocations * PRICES.workerRequestsPerMillion,
		cpu: cpuMsPerEmail * PRICES.cpuMsPerMillion,
		rowsRead: p.rowsRead * PRICES.d1RowsReadPerMillion,
		rowsWritten: p.rowsWritten * PRICES.d1RowsWrittenPerMillion,
		queues: p.queueOps * PRICES.queueOperationsPerMillion,
		durableObjects: p.doCalls * PRICES.durableObjectRequestsPerMillion,
		r2: r2CostPerMillion(u).total,
	};
	return { ...cost, total: Object.values(cost).reduce((x, y) => x + y, 0) };
}
