/**
 * A shared allowance of some quantity (bytes in memory), taken before work and given back
 * after, waiting in line while it is spent. A request larger than the whole allowance still
 * runs, alone, once everything else has given back.
 */
export interface Budget {
	take(amount: number): Promise<void>;
	give(amount: number): void;
}

export function createBudget(limit: number): Budget {
	let used = 0;
	const waiting: { amount: number; resolve: () => void }[] = [];
	const fits = (amount: number) => used === 0 || used + amount <= limit;
	const wake = () => {
		while (waiting.length && fits((waiting[0] as { amount: number }).amount)) {
			const next = waiting.shift() as { amount: number; resolve: () => void };
			used += next.amount;
			next.resolve();
		}
	};
	return {
		take(amount) {
			if (waiting.length === 0 && fits(amount)) {
				used += amount;
				return Promise.resolve();
			}
			return new Promise((resolve) => waiting.push({ amount, resolve }));
		},
		give(amount) {
			used -= amount;
			wake();
		},
	};
}
