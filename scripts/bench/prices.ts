/**
 * Cloudflare list prices, USD, read 2026-11-26, and the cost per million emails they give for
 * a usage per email. Marginal rates beyond each plan's included usage; the $5/month Workers
 * Paid minimum, the included allowances and D1 storage are left out.
 */

import { config } from "./options.ts";
import { fixed } from "./outcome.ts";
import type { Usage } from "./phases.ts";

export const PRICES = {
	// https://developers.cloudflare.com/workers/platform/pricing/ (Standard usage model):
	// requests $0.30 per million beyond 10 M/month; CPU $0.02 per million CPU-ms beyond 30 M.
	workerRequestsPerMillion: 0.3,
	cpuMsPerMillion: 0.02,
	// https://developers.cloudflare.com/d1/platform/pricing/: rows read $0.001 per million beyond
	// 25 B/month; rows written $1.00 per million beyond 50 M/month.
	d1RowsReadPerMillion: 0.001,
	d1RowsWrittenPerMillion: 1.0,
	// https://developers.cloudflare.com/queues/platform/pricing/: $0.40 per million operations
	// beyond 1 M/month; one operation per 64 KB written, read or deleted, per message.
	queueOperationsPerMillion: 0.4,
	// https://developers.cloudflare.com/durable-objects/platform/pricing/ (checked 2026-11-26):
	// requests $0.15 per million beyond 1 M/month, counting HTTP requests, RPC sessions (every RPC
	// method call on a stub is one) and alarms. Left out: duration ($12.50 per M GB-s beyond
	// 400,000 GB-s) and SQLite storage (the guard's own rows, which /__metrics cannot see).
	durableObjectRequestsPerMillion: 0.15,
} as const;

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
	};
	return { ...cost, total: Object.values(cost).reduce((x, y) => x + y, 0) };
}
