/**
 * The remote calls on one request's path, from a trace the metered entry recorded
 * (bench/metrics/traces.ts `RequestTrace`): how many there were, of which kind, and how many of them
 * happened one after another. Pure, so test/bench/call-chain.test.ts checks it directly.
 */

/** What this module needs of a traced call: its kind and its start and end ticks. */
export interface CallSpan {
	kind: string;
	start: number;
	end: number;
}

export interface PathCalls {
	/** Calls started before the response, by kind. */
	byKind: Record<string, number>;
	total: number;
	/**
	 * The longest chain of calls each started after the previous one ended: the round trips a
	 * client waits for one after another (calls made together count once).
	 */
	sequential: number;
	/** Calls started after the response (waitUntil work): off the request path. */
	afterResponse: number;
}

/**
 * The longest chain of non-overlapping calls. Taking, each time, the call that ends first among
 * those starting after the chain's last end gives the longest chain (the interval-scheduling
 * greedy argument: no other choice ends earlier, so none leaves more room after it).
 */
export function longestSequentialChain(calls: readonly CallSpan[]): number {
	let chain = 0;
	let lastEnd = Number.NEGATIVE_INFINITY;
	for (const call of [...calls].sort((a, b) => a.end - b.end)) {
		if (call.start > lastEnd) {
			chain += 1;
			lastEnd = call.end;
		}
	}
	return chain;
}

/** The calls of one request: those started before `respondedAt` are on its path. */
export function pathCalls(calls: readonly CallSpan[], respondedAt: number): PathCalls {
	const onPath = calls.filter((c) => c.start < respondedAt);
	const byKind: Record<string, number> = {};
	for (const call of onPath) byKind[call.kind] = (byKind[call.kind] ?? 0) + 1;
	return {
		byKind,
		total: onPath.length,
		sequential: longestSequentialChain(onPath),
		afterResponse: calls.length - onPath.length,
	};
}
