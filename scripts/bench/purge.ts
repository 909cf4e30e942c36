/**
 * Phase C, the retention purge (src/cron/purge.ts) over a million expired rows: a fresh state
 * folder seeded before wrangler dev starts (scripts/bench/purge-seed.ts), then the five-minute
 * cron fired through `wrangler dev --test-scheduled` (`GET /__scheduled`) on the metered entry
 * until the purge reports `finished`; then its report. Each run's `purge: {…}` line, which the
 * Worker logs, is read back from wrangler's log file (WRANGLER_LOG_PATH).
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { PurgeReport } from "../../src/cron/purge.ts";
import { waitFor } from "./load.ts";
import { config, METERED_ENTRY, PURGE_TIMEOUT_MS } from "./options.ts";
import { fixed, problems, table } from "./outcome.ts";
import { PRICES } from "./prices.ts";
import {
	addCounts,
	CC_EVERY,
	COUNT_TABLES_SQL,
	purgeSeed,
	sumCounts,
	type TableCounts,
} from "./purge-seed.ts";
import {
	fireCron,
	metrics,
	startStack,
	stopStack,
	throwIfInterrupted,
	wranglerLocal,
} from "./stack.ts";

const PURGE_STATE_DIR = ".wrangler/bench-purge-state";
const PURGE_LOG_DIR = `${PURGE_STATE_DIR}/logs`;
/** EVERY_FIVE_MINUTES in src/cron/index.ts: its run ends with the purge. */
const PURGE_CRON = "*/5 * * * *";

function tableCounts(): TableCounts {
	const out = wranglerLocal(PURGE_STATE_DIR, [
		"d1",
		"execute",
		"DB",
		"--json",
		`--command=${COUNT_TABLES_SQL}`,
	]);
	const parsed = JSON.parse(out.slice(out.indexOf("["))) as { results: TableCounts[] }[];
	const row = parsed.at(-1)?.results[0];
	if (!row) throw new Error(`no counts in wrangler's answer: ${out.slice(0, 200)}`);
	return row;
}

/** Every `purge: {…}` report the Worker has logged so far, oldest first. */
function loggedPurgeReports(): PurgeReport[] {
	if (!existsSync(PURGE_LOG_DIR)) return [];
	const reports: PurgeReport[] = [];
	for (const name of readdirSync(PURGE_LOG_DIR).sort()) {
		const log = readFileSync(`${PURGE_LOG_DIR}/${name}`, "utf8");
		for (const [, json] of log.matchAll(/purge: (\{[^\n]*\})/g)) {
			if (json) reports.push(JSON.parse(json) as PurgeReport);
		}
	}
	return reports;
}

interface Invocation {
	ms: number;
	report: PurgeReport;
	/** From /__metrics: every D1 statement of the invocation, the cron's other jobs included. */
	d1Statements: number;
	d1RowsWritten: number;
}

export interface PurgeRun {
	seedSeconds: number;
	expired: TableCounts;
	kept: TableCounts;
	seeded: TableCounts;
	left: TableCounts;
	invocations: Invocation[];
	finished: boolean;
	stoppedBecause: string;
}

export async function phaseC(): Promise<PurgeRun> {
	throwIfInterrupted();
	const deadline = performance.now() + PURGE_TIMEOUT_MS;
	console.log("Phase C: retention purge (metrics on). Seeding a fresh local database…");
	rmSync(PURGE_STATE_DIR, { recursive: true, force: true });
	wranglerLocal(PURGE_STATE_DIR, ["d1", "migrations", "apply", "DB"]);
	const { sql, expired, kept } = purgeSeed(Date.now());
	const seedFile = `${PURGE_STATE_DIR}/purge-seed.sql`;
	writeFileSync(seedFile, sql);
	const seedStarted = performance.now();
	wranglerLocal(PURGE_STATE_DIR, ["d1", "execute", "DB", `--file=${seedFile}`]);
	const seedSeconds = (performance.now() - seedStarted) / 1000;
	const seeded = tableCounts();

	// The Worker's console output reaches wrangler's debug log, where its reports are read.
	const s = await startStack({
		persistTo: PURGE_STATE_DIR,
		entry: METERED_ENTRY,
		logPath: PURGE_LOG_DIR,
	});
	console.log(
		`  ${fixed(sumCounts(seeded))} rows seeded in ${fixed(seedSeconds, 1)} s; firing the five-minute cron until the purge finishes…`,
	);

	const invocations: Invocation[] = [];
	let stoppedBecause = "";
	const reportsBefore = loggedPurgeReports().length;
	while (!stoppedBecause) {
		if (invocations.length >= config.purgeMaxInvocations) {
			stoppedBecause = `stopped after ${config.purgeMaxInvocations} invocations (--purge-max-invocations)`;
			break;
		}
		if (performance.now() > deadline) {
			stoppedBecause = `stopped after ${PURGE_TIMEOUT_MS / 60_000} minutes`;
			break;
		}
		const before = await metrics(s);
		const started = performance.now();
		await fireCron(s, PURGE_CRON);
		const ms = performance.now() - started;
		const after = await metrics(s);
		// The response comes once the handler and its waitUntil work are done; the log line
		// follows within moments.
		const wanted = reportsBefore + invocations.length + 1;
		const logged = await waitFor(() => loggedPurgeReports().length >= wanted);
		const report = loggedPurgeReports()[wanted - 1];
		if (logged === undefined || !report) {
			throw new Error(
				`no purge report in wrangler's log (${PURGE_LOG_DIR}) after invocation ${wanted}`,
			);
		}
		invocations.push({
			ms,
			report,
			d1Statements: after.d1.statements - before.d1.statements,
			d1RowsWritten: after.d1.rowsWritten - before.d1.rowsWritten,
		});
		if (report.finished) stoppedBecause = "finished";
	}
	await stopStack();
	const left = tableCounts();
	rmSync(PURGE_STATE_DIR, { recursive: true, force: true });

	const finished = stoppedBecause === "finished";
	if (!finished) problems.push(`purge: ${stoppedBecause} without finishing`);
	if (finished && JSON.stringify(left) !== JSON.stringify(kept)) {
		problems.push(`purge: rows left ${JSON.stringify(left)}, expected ${JSON.stringify(kept)}`);
	}
	if (JSON.stringify(seeded) !== JSON.stringify(addCounts(expired, kept))) {
		problems.push(
			`purge: seeded ${JSON.stringify(seeded)}, planned ${JSON.stringify(addCounts(expired, kept))}`,
		);
	}
	return { seedSeconds, expired, kept, seeded, left, invocations, finished, stoppedBecause };
}

const deletedBy = (r: PurgeReport) =>
	r.emails +
	r.dayCounts +
	r.unmatchedNotifications +
	r.sessions +
	r.loginFailures +
	r.idempotencyKeys;

export function purgeReport(run: PurgeRun) {
	const inv = run.invocations;
	const total = (pick: (i: Invocation) => number) => inv.reduce((sum, i) => sum + pick(i), 0);
	const max = (pick: (i: Invocation) => number) => Math.max(0, ...inv.map(pick));
	const n = Math.max(1, inv.length);
	const deleted = total((i) => deletedBy(i.report));
	const seconds = total((i) => i.ms) / 1000;
	const batches = total((i) => i.report.batches);
	// The purge's rows written for emails alone: the other tables' rows deleted are a row each.
	const emailsPurged = total((i) => i.report.emails);
	const perEmail =
		(total((i) => i.d1RowsWritten) - (deleted - emailsPurged)) / Math.max(1, emailsPurged);
	const rows: string[][] = [
		[
			"invocation",
			"time",
			"emails",
			"day figures",
			"other rows",
			"batches",
			"statements",
			"D1 statements",
			"finished",
		],
	];
	const shown = inv.length <= 12 ? inv : [...inv.slice(0, 9), ...inv.slice(-2)];
	for (const i of shown) {
		const r = i.report;
		if (shown.length < inv.length && i === inv[inv.length - 2]) rows.push(["…"]);
		rows.push([
			`#${inv.indexOf(i) + 1}`,
			`${fixed(i.ms / 1000, 2)} s`,
			fixed(r.emails),
			fixed(r.dayCounts),
			fixed(deletedBy(r) - r.emails - r.dayCounts),
			fixed(r.batches),
			fixed(r.statements),
			fixed(i.d1Statements),
			r.finished ? "yes" : "no",
		]);
	}
	console.log(`
Retention purge (src/cron/purge.ts), metrics on: ${fixed(sumCounts(run.expired))} expired rows (${fixed(run.expired.emails)} emails with their timelines, ${fixed(run.expired.recipients)} lookup rows of their second recipients, ${fixed(run.expired.marks)} send groups' marks, ${fixed(run.expired.dayCounts)} daily figures and ${fixed(sumCounts(run.expired) - run.expired.emails - run.expired.recipients - run.expired.marks - run.expired.dayCounts)} other rows)
  and ${fixed(sumCounts(run.kept))} rows inside their retention, seeded in ${fixed(run.seedSeconds, 1)} s; cron "${PURGE_CRON}" fired through /__scheduled.
${table(rows)}
  "statements" is the purge's own count; "D1 statements" (from /__metrics) adds the cron's other jobs.

  invocations needed        ${fixed(inv.length)} (${run.finished ? "finished" : run.stoppedBecause})
  rows deleted              ${fixed(deleted)} in ${fixed(seconds, 1)} s of invocations: ${fixed(deleted / Math.max(seconds, 0.001))} rows/s
  time per invocation       ${fixed(seconds / n, 2)} s average, ${fixed(max((i) => i.ms) / 1000, 2)} s longest
  statements per invocation ${fixed(total((i) => i.report.statements) / n, 1)} average, ${fixed(max((i) => i.report.statements))} most (D1, all jobs: ${fixed(total((i) => i.d1Statements) / n, 1)} average)
  time per batch            ${fixed((seconds * 1000) / Math.max(1, batches), 1)} ms average over ${fixed(batches)} batches
  D1 rows written           ${fixed(total((i) => i.d1RowsWritten))} (as local D1 reports them: D1 bills a deleted row as written)
  per expired email         ${fixed(perEmail, 2)} rows written, $${fixed(perEmail * PRICES.d1RowsWrittenPerMillion, 2)} per million emails: the email's row (its first recipient's index entry goes free), the lookup rows of second recipients (one email in ${CC_EVERY} has one) and its share of its group's mark.
                            Not in the lifecycle's cost table, whose emails end sent or failed, not purged: every email pays it 90 days later.
  left afterwards           ${JSON.stringify(run.left)}${run.finished && JSON.stringify(run.left) === JSON.stringify(run.kept) ? ": exactly the rows inside their retention" : ""}`);
}
