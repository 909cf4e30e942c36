/**
 * The end of phase D: the remote calls on the path of a single send. Singles sent one at a time
 * with the `x-bench-trace` header, each from an account that has sent before (a warm API key),
 * and the calls the metered entry recorded for each (D1, Durable Object, queue, with their
 * order), counted by scripts/bench/call-chain.ts; then their lines in the report.
 */
import type { RequestTrace } from "../../bench/metrics/traces.ts";
import type { LocalStack } from "../local-stack.ts";
import { accountFor } from "./accounts.ts";
import { type PathCalls, pathCalls } from "./call-chain.ts";
import { email } from "./load.ts";
import { config } from "./options.ts";
import { fixed, problems } from "./outcome.ts";
import { metrics } from "./stack.ts";

export interface CallsOnPath {
	requests: number;
	/** Averages per request. */
	d1: number;
	durableObjects: number;
	queue: number;
	total: number;
	sequential: number;
	afterResponse: number;
	/** The most sequential request's calls, in order, for the report. */
	example: { what: string; kind: string; start: number; end: number }[];
}

export async function traceSingles(s: LocalStack): Promise<CallsOnPath | undefined> {
	await metrics(s, true); // also forgets earlier traces
	let ok = 0;
	for (let i = 0; i < config.traceSingles; i++) {
		const account = accountFor(i);
		const response = await fetch(`${s.apiUrl}/emails`, {
			method: "POST",
			headers: {
				authorization: `Bearer ${account.apiKey}`,
				"content-type": "application/json",
				"x-bench-trace": "1",
			},
			body: JSON.stringify(email(account, `trace-${i}@example.org`)),
			signal: AbortSignal.timeout(30_000),
		});
		await response.text();
		if (response.ok) ok += 1;
	}
	if (ok < config.traceSingles) {
		problems.push(`trace: ${config.traceSingles - ok} of ${config.traceSingles} singles refused`);
	}
	// Let waitUntil work finish, so calls made after the response are recorded as such.
	await new Promise((r) => setTimeout(r, 1_000));
	const response = await fetch(`${s.apiUrl}/__metrics/traces`);
	const traces = ((await response.json()) as RequestTrace[]).filter(
		(t) => t.request === "POST /emails" && t.status === 200,
	);
	if (traces.length === 0) {
		problems.push("trace: the metered entry recorded no POST /emails");
		return undefined;
	}
	const each: { trace: RequestTrace; path: PathCalls }[] = traces.map((trace) => ({
		trace,
		path: pathCalls(trace.calls, trace.respondedAt),
	}));
	const mean = (pick: (p: PathCalls) => number) =>
		each.reduce((sum, e) => sum + pick(e.path), 0) / each.length;
	const worst = each.reduce((a, b) => (b.path.sequential > a.path.sequential ? b : a));
	return {
		requests: each.length,
		d1: mean((p) => p.byKind.d1 ?? 0),
		durableObjects: mean((p) => p.byKind.do ?? 0),
		queue: mean((p) => p.byKind.queue ?? 0),
		total: mean((p) => p.total),
		sequential: mean((p) => p.sequential),
		afterResponse: mean((p) => p.afterResponse),
		example: worst.trace.calls
			.filter((c) => c.start < worst.trace.respondedAt)
			.map(({ what, kind, start, end }) => ({ what, kind, start, end })),
	};
}

export function callsReport(c: CallsOnPath): string {
	return `
Remote calls on the path of POST /emails (a single, warm API key; ${fixed(c.requests)} requests one at a time)
  per request   D1 ${fixed(c.d1, 2)}   Durable Object ${fixed(c.durableObjects, 2)}   queue ${fixed(c.queue, 2)}   total ${fixed(c.total, 2)}
  sequential remote calls (longest chain, each started after the previous ended): ${fixed(c.sequential, 2)} per request
  off the path (started after the response, waitUntil): ${fixed(c.afterResponse, 2)} per request
  One request's calls in order (start–end ticks):
${c.example.map((call, i) => `    ${i + 1}. ${call.kind.padEnd(5)} ${String(call.start).padStart(2)}–${String(call.end).padEnd(2)} ${call.what}`).join("\n")}
  Counted by the metered entry (bench/metrics/): each prepare().run/all/first/raw or batch is one
  D1 call, each stub method one Durable Object call, each send/sendBatch one queue call. Issue 15's
  target: at most 2 sequential.`;
}
