/**
 * Runs async work at most `perSecond` starts per second with at most `concurrency` in flight.
 * Used to respect SES's maximum send rate (a Worker invocation may also hold at most six
 * outgoing connections at once, so concurrency stays at or below six).
 */
export async function mapPaced<T, R>(
	items: readonly T[],
	options: { perSecond: number; concurrency: number },
	work: (item: T) => Promise<R>,
): Promise<R[]> {
	const interval = 1000 / Math.max(options.perSecond, 0.001);
	const results: R[] = new Array(items.length);
	let next = 0;
	let nextStart = Date.now();

	async function worker() {
		while (next < items.length) {
			const index = next++;
			const wait = nextStart - Date.now();
			nextStart = Math.max(nextStart, Date.now()) + interval;
			if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
			results[index] = await work(items[index] as T);
		}
	}

	const workers = Math.max(1, Math.min(options.concurrency, items.length));
	await Promise.all(Array.from({ length: workers }, worker));
	return results;
}
