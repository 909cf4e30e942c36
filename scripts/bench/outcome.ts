/**
 * What the run found wrong, and the tables' shared formatting: every load's answers are
 * checked here (refusals, 429s, a rate limit other than the one assumed, timeouts, shortfalls)
 * and kept for the table of answers by status; `problems` is printed at the end and fails the
 * run.
 */
import type { LoadResult } from "./load.ts";
import { LOAD_TIMEOUT_MS, PRO_LIMITS } from "./options.ts";

export const problems: string[] = [];
/** Every load of phases A and B, for the table of answers by status. */
export const loads: { label: string; result: LoadResult }[] = [];

const isAccepted = (status: string) => /^2\d\d$/.test(status);

/** "429 ×12, 500 ×1": the answers that were not acceptances, or "" if there were none. */
export function refusals(result: LoadResult): string {
	return [...result.statuses]
		.filter(([status]) => !isAccepted(status))
		.map(([status, n]) => `${status} ×${fixed(n)}`)
		.join(", ");
}

export function check(label: string, result: LoadResult, expected: number) {
	loads.push({ label, result });
	if (result.failures.length) {
		problems.push(
			`${label}: ${fixed(result.failures.length)} of ${fixed(result.requests)} not accepted (${refusals(result)}), e.g. ${result.failures[0]}`,
		);
	}
	const rateLimited = result.statuses.get("429") ?? 0;
	if (rateLimited) {
		problems.push(
			`${label}: ${fixed(rateLimited)} answered 429 rate_limit_exceeded: an account went over its plan's request rate; more --accounts spreads the load further`,
		);
	}
	if (result.rateLimit && result.rateLimit.limit !== PRO_LIMITS.requestBurst) {
		problems.push(
			`${label}: ratelimit-limit is ${result.rateLimit.limit}, not the Pro burst of ${PRO_LIMITS.requestBurst} in src/domain/plans.ts: is the Worker running this checkout?`,
		);
	}
	if (result.timedOut) problems.push(`${label}: stopped after ${LOAD_TIMEOUT_MS / 1000} s`);
	if (result.ok !== expected) problems.push(`${label}: ${result.ok} of ${expected} accepted`);
}

export const fixed = (n: number, digits = 0) =>
	n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const money = (n: number) => `$${n.toFixed(n < 1 ? 4 : 2)}`;

export function table(rows: string[][]): string {
	const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
	return rows
		.map((r) =>
			r
				.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
				.join("   ")
				.trimEnd(),
		)
		.map((line) => `  ${line}`)
		.join("\n");
}
