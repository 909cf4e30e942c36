/**
 * The local stack each phase runs on (scripts/local-stack.ts: wrangler dev and the SES
 * simulator, loopback only) and its clean-up: at most one stack at a time, stopped on Ctrl-C
 * and by a watchdog when the run overstays its budget. Also wrangler's local D1 commands and
 * the usage counters the metered entry serves at `/__metrics`.
 */
import { spawnSync } from "node:child_process";
import type { MetricsTotals } from "../../bench/metrics/totals.ts";
import { type LocalStack, type LocalStackOptions, startLocalStack } from "../local-stack.ts";
import {
	config,
	FAIRNESS_TIMEOUT_MS,
	LIFECYCLE_TIMEOUT_MS,
	LOG_TIMEOUT_MS,
	PURGE_TIMEOUT_MS,
	RUN_TIMEOUT_MS,
	SES_MAX_SEND_RATE,
} from "./options.ts";

let stack: LocalStack | undefined;
let interrupted = false;

/** Throws once Ctrl-C or the watchdog has stopped the run, so no new stack starts. */
export function throwIfInterrupted() {
	if (interrupted) throw new Error("interrupted");
}

export async function stopStack() {
	const running = stack;
	stack = undefined;
	await running?.stop();
}

export interface StackOptions {
	/** A state folder of the bench's own, already seeded. */
	persistTo: string;
	/** The Worker entry: wrangler.toml's main unless given (METERED_ENTRY for counters). */
	entry?: LocalStackOptions["entry"];
	/** Extra vars besides SES_MAX_SEND_RATE. */
	vars?: Record<string, string>;
	/** Where wrangler writes its debug log, which holds the Worker's console output. */
	logPath?: string;
}

export async function startStack(options: StackOptions): Promise<LocalStack> {
	throwIfInterrupted();
	// WRANGLER_LOG_PATH is read by the wrangler dev process startLocalStack spawns.
	const previousLogPath = process.env.WRANGLER_LOG_PATH;
	if (options.logPath) process.env.WRANGLER_LOG_PATH = options.logPath;
	try {
		// startLocalStack then applies the (already applied) migrations and adds the demo account.
		stack = await startLocalStack({
			entry: options.entry,
			port: config.port,
			simulatorPort: config.simulatorPort,
			persistTo: options.persistTo,
			quiet: true,
			// The Worker measured, not wrangler's dev-only trace store on its thread.
			localTraces: false,
			vars: { SES_MAX_SEND_RATE, ...options.vars },
		});
	} finally {
		if (previousLogPath === undefined) delete process.env.WRANGLER_LOG_PATH;
		else process.env.WRANGLER_LOG_PATH = previousLogPath;
	}
	const { hostname } = new URL(stack.apiUrl);
	if (hostname !== "127.0.0.1") throw new Error(`refusing to load ${stack.apiUrl}: not loopback`);
	return stack;
}

/** src/cron/index.ts's EVERY_MINUTE (importing it would bring the Worker's types here). */
export const EVERY_MINUTE = "* * * * *";

/**
 * The minute's tally of daily figures with no lag, for the phases that fire it once a run is
 * drained: it counts the run's emails then, in the measurement, as it would two minutes after
 * their creation (src/cron/tally-day-figures.ts).
 */
export const TALLY_NOW_VARS = { FIGURES_TALLY_LAG_SECONDS: "0" };

/**
 * Runs a Cron Trigger's handler through `wrangler dev --test-scheduled` (`GET /__scheduled`),
 * which answers once the handler and its waitUntil work are done; the response's body.
 */
export async function fireCron(s: LocalStack, cron: string): Promise<string> {
	const response = await fetch(`${s.apiUrl}/__scheduled?cron=${encodeURIComponent(cron)}`, {
		signal: AbortSignal.timeout(120_000),
	});
	const body = await response.text();
	if (!response.ok) throw new Error(`/__scheduled answered ${response.status}: ${body}`);
	return body;
}

/**
 * Stops the stack on SIGINT/SIGTERM and when the run overstays its budget; returns the
 * watchdog's timer, for main to clear when the run ends.
 */
export function guardRun(): NodeJS.Timeout {
	for (const signal of ["SIGINT", "SIGTERM"] as const) {
		process.once(signal, () => {
			interrupted = true;
			console.error(`\n${signal}: stopping the local stack…`);
			void stopStack().finally(() => process.exit(130));
		});
	}
	// Phases A and B share RUN_TIMEOUT_MS; each other phase has its own budget.
	const watchdogMs =
		(config.phases.has("send") ? RUN_TIMEOUT_MS : 0) +
		(config.phases.has("lifecycle") ? LIFECYCLE_TIMEOUT_MS : 0) +
		(config.phases.has("fairness") ? FAIRNESS_TIMEOUT_MS : 0) +
		(config.phases.has("log") ? LOG_TIMEOUT_MS : 0) +
		(config.phases.has("purge") ? PURGE_TIMEOUT_MS + 60_000 : 0);
	const watchdog = setTimeout(() => {
		console.error(`bench: over its ${watchdogMs / 60_000}-minute budget; stopping.`);
		interrupted = true;
		void stopStack().finally(() => process.exit(1));
	}, watchdogMs);
	watchdog.unref();
	return watchdog;
}

/** A wrangler D1 command on a local state folder of the bench's own (never remote). */
export function wranglerLocal(stateDir: string, args: string[]): string {
	const result = spawnSync("wrangler", [...args, "--local", "--persist-to", stateDir], {
		stdio: ["ignore", "pipe", "pipe"],
		encoding: "utf8",
		maxBuffer: 64 * 1024 * 1024,
		env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
	});
	if (result.status !== 0) {
		throw new Error(`wrangler ${args.slice(0, 3).join(" ")} failed:\n${result.stderr}`);
	}
	return result.stdout;
}

/** The metered entry's totals (`GET /__metrics`), or zeroed first (`POST /__metrics/reset`). */
export async function metrics(s: LocalStack, reset = false): Promise<MetricsTotals> {
	const response = await fetch(`${s.apiUrl}/__metrics${reset ? "/reset" : ""}`, {
		method: reset ? "POST" : "GET",
		signal: AbortSignal.timeout(10_000),
	});
	if (!response.ok) throw new Error(`/__metrics answered ${response.status}`);
	return (await response.json()) as MetricsTotals;
}
