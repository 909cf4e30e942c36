/**
 * Runs: how the list's index of an account's emails by domain (`emails_account_runs`) holds a
 * batch's emails, or a busy sender's singles of a second, with one entry.
 *
 * Why: the index had an entry per email, a row written per email (D1 bills index entries as
 * rows) for the emails of a batch, which are stored together and sit side by side in the log,
 * and for a busy sender's singles, which come a few to the second.
 *
 * How:
 * - A run is an account's emails from one domain within a range of the log that its first
 *   email holds: a batch's emails stored in one request (their ids made in a millisecond or
 *   two), or the second after a single whose account sent from that domain in the two seconds
 *   before it, which the singles that follow join. Its first email is in the index and holds
 *   `run_end`, the last seq of the run's range; the others are `in_run` and have no entry. A
 *   single with nothing of its domain just before it is a run of one and claims nothing, so a
 *   quiet sender's emails do not make the list read other accounts' seconds.
 * - The account's emails of a domain are the rows of that account and domain in its runs'
 *   ranges: the list reads the runs' first emails in order and, from each, the rows of its range
 *   by seq (`inRuns`). A row of another account in a range is read and left out.
 * - Runs of an account and domain never overlap, so reading runs in order reads their emails
 *   in the log's order, and SQLite's nested loop yields a page without sorting. The insert keeps
 *   that true in SQL, against what is stored (another isolate may store emails of the same
 *   account and domain in the same milliseconds):
 *   - an email inside a stored run's range joins it (`in_run`), whatever its own request meant;
 *   - a run is made only if its range holds no email of its account and domain and starts in no
 *     run (`runEnd`); otherwise its emails are runs of one, or join the run they fall in.
 *   So a run's first email goes in an earlier statement than the rest (rows of one statement do
 *   not see each other), and a row's check reads the index over `RUN_SPAN_MS` before it.
 * - Deleting a run's first email while others of the run stay (the purge deletes the oldest
 *   emails, a batch at a time) gives its range to the first that stays (`keepRunsListed`).
 */
import { type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { idTime, UUID_PATTERN } from "../../lib/ids.ts";
import type { Db } from "../client.ts";
import { emails } from "../schema.ts";
import { aliasHasId, SLOTS, seqFloor } from "./email-seq.ts";

/**
 * The most a run's range reaches past its first email, in milliseconds: a batch's ids (made in
 * a millisecond or two) or the second a busy sender's single claims. It bounds the ranges
 * checked and read.
 */
const RUN_SPAN_MS = 1000;

/** The seqs of `ms` milliseconds: 4,096 counters of eight slots each. */
const seqsOf = (ms: number) => sql.raw(String(ms * 4096 * SLOTS));

/** The seqs `RUN_SPAN_MS` and one more millisecond cover. */
const REACH = seqsOf(RUN_SPAN_MS + 1);

/**
 * How far back an email of its account and domain makes a single's sender busy: two claimed
 * seconds, so a single just past a claimed second claims the next rather than stand alone.
 */
const BUSY = seqsOf(2 * RUN_SPAN_MS);

/** The earliest seq at which the run holding an email at `seq` can start. */
export const runReach = (seq: SQLWrapper): SQL => sql`(${seq}) - ${REACH}`;

type RunRow = { id: string; accountId: string; domainId: string };

/** Each row's part in the runs of one insert: the first of a run of several, in one, or alone. */
export type RunPart = { first: string } | "in" | "alone";

/**
 * The runs of rows stored together: per account and domain, in id order, rows whose ids are
 * at most `RUN_SPAN_MS` after the first's. Answers each row's part, by position: a run's first
 * with the id of its last row (`first`), a later row of a run (`in`), or a run of one.
 */
export function planRuns(rows: RunRow[]): RunPart[] {
	const parts: RunPart[] = rows.map(() => "alone");
	const byDomain = new Map<string, { id: string; at: number }[]>();
	rows.forEach((row, at) => {
		const key = JSON.stringify([row.accountId, row.domainId]);
		byDomain.set(key, [...(byDomain.get(key) ?? []), { id: row.id, at }]);
	});
	for (const rowsOfDomain of byDomain.values()) {
		let run: { id: string; at: number }[] = [];
		const close = () => {
			const [first, ...rest] = run;
			const last = rest.at(-1);
			if (!first || !last) return;
			parts[first.at] = { first: last.id };
			for (const row of rest) parts[row.at] = "in";
		};
		for (const row of rowsOfDomain.sort((a, b) => (a.id < b.id ? -1 : 1))) {
			if (run[0] && idTime(row.id) - idTime(run[0].id) > RUN_SPAN_MS) {
				close();
				run = [];
			}
			run.push(row);
		}
		close();
	}
	return parts;
}

/** The last seq of the window of an id (src/db/queries/email-seq.ts). */
const windowEnd = (id: string) => sql`${seqFloor(id)} + ${sql.raw(String(SLOTS - 1))}`;

/** The first emails of the account and domain's runs stored in `[from, to]`, as a condition. */
function runFirsts(row: RunRow, from: SQL, to: SQL, also: SQL = sql`1`): SQL {
	return sql`EXISTS (SELECT 1 FROM ${emails} h WHERE h.account_id = ${row.accountId} AND h.domain_id = ${row.domainId} AND h.in_run IS NULL AND h.seq > ${from} AND h.seq <= ${to} AND ${also})`;
}

/**
 * A new row's `in_run` and `run_end` (SQL, checked against the rows stored before its
 * statement): it joins a stored run whose range reaches its window; a run's first row gets its
 * range unless that range would overlap another run or hold one's email.
 */
export function runColumns(row: RunRow, part: RunPart): { inRun: SQL; runEnd: SQL | null } {
	const start = seqFloor(row.id);
	const inRun = sql`CASE WHEN ${runFirsts(row, runReach(start), windowEnd(row.id), sql`h.run_end >= ${start}`)} THEN 1 END`;
	if (part === "in") return { inRun, runEnd: null };
	const overlaps = (end: SQL) =>
		runFirsts(row, runReach(start), end, sql`(h.seq >= ${start} OR h.run_end >= ${start})`);
	if (part !== "alone") {
		const end = windowEnd(part.first);
		return { inRun, runEnd: sql`CASE WHEN NOT ${overlaps(end)} THEN ${end} END` };
	}
	// A single claims the second after it when its account sent from the domain just before:
	// the singles that follow within it join its run instead of each taking an entry.
	const end = claimEnd(row.id);
	if (!end) return { inRun, runEnd: null };
	const busy = runFirsts(row, sql`${start} - ${BUSY}`, sql`${start} - 1`);
	return { inRun, runEnd: sql`CASE WHEN ${busy} AND NOT ${overlaps(end)} THEN ${end} END` };
}

/**
 * The parameters `runColumns` binds for a row's part: the account and domain for each check (the
 * run it may join; a run's first, the overlap; a single's, whether it is busy and the overlap).
 */
export function runChecksBound(part: RunPart): number {
	if (part === "in") return 2;
	return part === "alone" ? 6 : 4;
}

/** The last seq of the millisecond `RUN_SPAN_MS` after an id's; none for text that is not one. */
function claimEnd(id: string): SQL | null {
	if (!UUID_PATTERN.test(id)) return null;
	const window = (BigInt(idTime(id) + RUN_SPAN_MS) << 12n) | 4095n;
	return sql.raw(String(window * BigInt(SLOTS) + BigInt(SLOTS - 1)));
}

type RunColumns = Record<"seq" | "accountId" | "domainId" | "inRun" | "runEnd", SQLiteColumn>;
/** The aliases of `emails` `inRuns` reads: a run's first email (`h`) and its range's rows (`e`). */
type RunAliases = { h: RunColumns; e: RunColumns };

/**
 * The join that reads an account's emails of one domain through their runs, for a query over
 * `h`, the runs' first emails (on `emails_account_runs`), and `e`, each run's emails: the
 * conditions to put in its WHERE, with the caller's bounds on `h` (`runReach` of a bound on `e`
 * from below) and on `e`, and its order, `h` then `e`.
 */
export function inRuns({ h, e }: RunAliases, accountId: string): SQL {
	return sql`${h.accountId} = ${accountId} AND ${h.inRun} IS NULL AND ${e.seq} >= ${h.seq} AND ${e.seq} <= COALESCE(${h.runEnd}, ${h.seq}) AND ${e.accountId} = ${h.accountId} AND ${e.domainId} = ${h.domainId}`;
}

/**
 * Gives each run whose first email is among `ids` (about to be deleted) and whose other
 * emails are not all among them to the first that stays: it becomes the run's first, with the
 * run's range, so the list still reaches the rest. One statement, before the delete.
 */
export function keepRunsListed(db: Db, ids: string[]) {
	const gone = sql`(SELECT value FROM json_each(${JSON.stringify(ids)}))`;
	return db
		.update(emails)
		.set({
			inRun: null,
			runEnd: sql`(SELECT h.run_end FROM ${emails} h WHERE h.account_id = ${emails.accountId} AND h.domain_id = ${emails.domainId} AND h.in_run IS NULL AND h.seq > ${runReach(emails.seq)} AND h.seq < ${emails.seq} AND h.run_end >= ${emails.seq})`,
		})
		.where(
			sql`${emails.seq} IN (SELECT (SELECT MIN(m.seq) FROM ${emails} m WHERE m.account_id = e.account_id AND m.domain_id = e.domain_id AND m.seq > e.seq AND m.seq <= e.run_end AND m.id NOT IN ${gone}) FROM json_each(${JSON.stringify(ids)}) j, ${emails} e WHERE ${aliasHasId("j.value")} AND e.in_run IS NULL AND e.run_end IS NOT NULL)`,
		);
}
