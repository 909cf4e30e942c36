/** How queue consumers back off when a message must wait for another try. */

/** Exponential backoff with jitter: 5 s, 10 s, 20 s … capped at 15 minutes. */
export function retryDelaySeconds(attempts: number): number {
	const base = Math.min(5 * 2 ** Math.max(attempts - 1, 0), 900);
	return Math.round(base * (0.8 + Math.random() * 0.4));
}
