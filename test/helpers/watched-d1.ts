/**
 * The test D1 binding, watched: each statement as it is bound (so those a batch runs count
 * too), each statement run on its own, and each batch. The statements stay D1's own, with
 * their methods wrapped, since a batch takes no other.
 */
import { env } from "cloudflare:workers";

export interface D1Watch {
	bound?: (sql: string, params: unknown[]) => void;
	/** A statement run on its own (`all`, `raw`, `run`, `first`): one round trip. */
	ran?: () => void;
	/** A batch: one round trip, whatever its statements. */
	batched?: () => void;
}

const RUNS = ["all", "raw", "run", "first"] as const;

export function watchD1(watch: D1Watch): D1Database {
	const counted = <T extends object>(statement: T): T => {
		for (const method of RUNS) {
			const original = Reflect.get(statement, method) as (...args: unknown[]) => unknown;
			Object.assign(statement, {
				[method]: (...args: unknown[]) => {
					watch.ran?.();
					return original.apply(statement, args);
				},
			});
		}
		return statement;
	};
	return new Proxy(env.DB, {
		get(target, property) {
			if (property === "prepare")
				return (sql: string) => {
					const statement = counted(target.prepare(sql));
					const bind = statement.bind.bind(statement);
					return Object.assign(statement, {
						bind: (...params: unknown[]) => {
							watch.bound?.(sql, params);
							return counted(bind(...params));
						},
					});
				};
			if (property === "batch") watch.batched?.();
			const value = Reflect.get(target, property);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
}

/** The test D1 binding, counting its round trips (`calls`, to reset between requests). */
export function countingD1() {
	const counter = { calls: 0, binding: env.DB };
	const count = () => {
		counter.calls += 1;
	};
	counter.binding = watchD1({ ran: count, batched: count });
	return counter;
}
