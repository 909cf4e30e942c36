/**
 * Runs in the list's index (src/db/queries/email-runs.ts): a batch's emails from one domain
 * cost the index one entry, and the list still reads every email in the log's order, however
 * runs, runs of one, other domains and other accounts interleave, and whatever is deleted.
 */
import { env } from "cloudflare:workers";
import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { readMetrics, resetMetrics } from "../bench/metrics/totals.ts";
import { listEmails } from "../src/db/queries/email-list.ts";
import {
	deleteEmailsStatements,
	insertEmailsStatements,
	type NewEmail,
	runBatch,
} from "../src/db/queries/emails.ts";
import { TALLY_CURSOR } from "../src/db/queries/metrics.ts";
import { cronCursors, emails } from "../src/db/schema.ts";
import { idTime, uuidv7 } from "../src/lib/ids.ts";
import { createDomain, createSender, db, uuidv7At } from "./helpers/factories.ts";
import { counted, rowsWritten } from "./helpers/rows-written.ts";

type Sender = { account: { id: string }; domain: { id: string } };

const row = (sender: Sender, id: string, domainId = sender.domain.id): NewEmail => ({
	id,
	accountId: sender.account.id,
	domainId,
	from: "Acme <hello@acme.test>",
	to: [`r-${id}@example.org`],
	subject: "Hi",
	text: "Hi",
	createdAt: Date.now(),
});

/** Stores rows in one request's batch, as POST /emails/batch does. */
const store = (rows: NewEmail[]) => runBatch(db(), insertEmailsStatements(db(), rows));

/** Ids made one after another: each later in the log than the one before. */
const ids = (count: number) => Array.from({ length: count }, () => uuidv7());

/** Every id of the account's list (or one domain's), page by page both ways, as the API pages. */
async function everyPage(
	accountId: string,
	filters: { domainId?: string; createdAfter?: number; createdBefore?: number } = {},
	limit = 3,
) {
	const older: string[] = [];
	let after: string | undefined;
	for (;;) {
		const page = await listEmails(db(), accountId, { limit, after, ...filters });
		older.push(...page.rows.map((r) => r.id));
		if (!page.hasMore) break;
		after = page.rows.at(-1)?.id;
	}
	const newer: string[] = [];
	let before: string | undefined = older.at(-1);
	const last = older.at(-1);
	for (;;) {
		const page = await listEmails(db(), accountId, { limit, before, ...filters });
		newer.unshift(...page.rows.map((r) => r.id));
		if (!page.hasMore) break;
		before = page.rows[0]?.id;
	}
	return { older, newer: last ? [...newer, last] : newer };
}

/** Ids made in the order of `names`, by name. */
function idsNamed<Name extends string>(names: Name[]): Record<Name, string> {
	return Object.fromEntries(names.map((name) => [name, uuidv7()])) as Record<Name, string>;
}

const newestFirst = (list: string[]) => [...list].sort().reverse();

const runColumnsOf = async (list: string[]) =>
	new Map(
		(
			await db()
				.select({ id: emails.id, inRun: emails.inRun, runEnd: emails.runEnd })
				.from(emails)
				.where(inArray(emails.id, list))
		).map((r) => [r.id, { inRun: r.inRun, hasRange: r.runEnd !== null }]),
	);

describe("runs in the list's index", () => {
	it("a batch's emails from one domain write one entry of the list's index between them", async () => {
		const sender = await createSender();
		const other = await createDomain(sender.account.id);
		// With the tally's cursor behind them, emails on their way have no state entry: what is
		// left is each email's row, its recipient's lookup row and the list's entries.
		await db().insert(cronCursors).values({ name: TALLY_CURSOR, position: uuidv7() });
		const batch = ids(40);
		const written = await rowsWritten(() =>
			runBatch(
				counted,
				insertEmailsStatements(
					counted,
					batch.map((id, i) => row(sender, id, i % 4 === 3 ? other.id : sender.domain.id)),
				),
			),
		);
		// 40 rows, 40 recipients, and one entry for each domain's run (30 and 10 emails).
		expect(written).toBe(40 + 40 + 2);
		const columns = await runColumnsOf(batch);
		expect(columns.get(batch[0] as string)).toEqual({ inRun: null, hasRange: true });
		expect(columns.get(batch[3] as string)).toEqual({ inRun: null, hasRange: true });
		expect([...columns.values()].filter((c) => c.inRun === 1)).toHaveLength(38);
		expect((await everyPage(sender.account.id)).older).toEqual(newestFirst(batch));
	});

	it("lists runs among other domains', other accounts' and singles' emails in order, both ways", async () => {
		const sender = await createSender();
		const second = { ...sender, domain: await createDomain(sender.account.id) };
		const stranger = await createSender();
		// One stretch of ids dealt out to three batches and some singles, so their ranges in
		// the log interleave: the account's two domains' runs and another account's run.
		const all = ids(60);
		const mine = all.filter((_, i) => i % 3 !== 2);
		const theirs = all.filter((_, i) => i % 3 === 2);
		const singles = mine.filter((_, i) => i % 10 === 9);
		const batched = mine.filter((id) => !singles.includes(id));
		await store(theirs.map((id) => row(stranger, id)));
		await store(batched.map((id, i) => (i % 2 ? row(second, id) : row(sender, id))));
		for (const id of singles) await store([row(sender, id)]);

		const list = await everyPage(sender.account.id);
		expect(list.older).toEqual(newestFirst(mine));
		expect(list.newer).toEqual(newestFirst(mine));
		const ofSecond = batched.filter((_, i) => i % 2);
		const domain = await everyPage(sender.account.id, { domainId: second.domain.id });
		expect(domain.older).toEqual(newestFirst(ofSecond));
		expect(domain.newer).toEqual(newestFirst(ofSecond));
		expect((await everyPage(stranger.account.id)).older).toEqual(newestFirst(theirs));
		// A page of one still steps through a run email by email.
		expect((await everyPage(sender.account.id, {}, 1)).older).toEqual(newestFirst(mine));
	});

	it("a busy account's singles from one domain share a run: one claims the second after it, the next join", async () => {
		const sender = await createSender();
		const at = Date.now() - 60_000;
		// The tally's cursor behind them: emails on their way have no state entry.
		const position = uuidv7At(at - 1000);
		await db()
			.insert(cronCursors)
			.values({ name: TALLY_CURSOR, position })
			.onConflictDoUpdate({ target: cronCursors.name, set: { position } });
		// Four singles a quarter of a second apart, each in a request of its own.
		const [s0, s1, s2, s3] = [0, 250, 500, 750].map((ms) => uuidv7At(at + ms)) as [
			string,
			string,
			string,
			string,
		];
		await store([row(sender, s0)]);
		await store([row(sender, s1)]);
		const joined = await rowsWritten(() =>
			runBatch(counted, insertEmailsStatements(counted, [row(sender, s2)])),
		);
		await store([row(sender, s3)]);
		const columns = await runColumnsOf([s0, s1, s2, s3]);
		// The first has no email of its domain before it: a run of one, with no range.
		expect(columns.get(s0)).toEqual({ inRun: null, hasRange: false });
		// The second follows one: its run claims the second after it, where the others fall.
		expect(columns.get(s1)).toEqual({ inRun: null, hasRange: true });
		expect(columns.get(s2)).toEqual({ inRun: 1, hasRange: false });
		expect(columns.get(s3)).toEqual({ inRun: 1, hasRange: false });
		// A single that joins writes its row and its recipient's index entry, no list entry.
		expect(joined).toBe(2);
		const list = await everyPage(sender.account.id, {}, 1);
		expect(list.older).toEqual(newestFirst([s0, s1, s2, s3]));
		expect(list.newer).toEqual(newestFirst([s0, s1, s2, s3]));
	});

	it("a single long after its domain's last email claims nothing, and one past a claimed second starts another", async () => {
		const sender = await createSender();
		const at = Date.now() - 120_000;
		const [quiet1, quiet2, busy1, busy2, busy3] = [0, 30_000, 31_000, 31_500, 32_600].map((ms) =>
			uuidv7At(at + ms),
		) as [string, string, string, string, string];
		for (const id of [quiet1, quiet2, busy1, busy2, busy3]) await store([row(sender, id)]);
		const columns = await runColumnsOf([quiet1, quiet2, busy1, busy2, busy3]);
		for (const id of [quiet1, quiet2])
			expect(columns.get(id)).toEqual({ inRun: null, hasRange: false });
		// busy1 follows quiet2 within two seconds: it claims; busy2 joins; busy3 is past the
		// claimed second but still within two of busy1: it claims the next.
		expect(columns.get(busy1)).toEqual({ inRun: null, hasRange: true });
		expect(columns.get(busy2)).toEqual({ inRun: 1, hasRange: false });
		expect(columns.get(busy3)).toEqual({ inRun: null, hasRange: true });
	});

	it("claimed seconds list in order among other accounts', other domains' and batches' emails, both ways", async () => {
		const sender = await createSender();
		const second = { ...sender, domain: await createDomain(sender.account.id) };
		const stranger = await createSender();
		const at = Date.now() - 180_000;
		// Three seconds of traffic, an email every 40 ms dealt out round-robin: the account's
		// singles from two domains, a stranger's singles, and now and then a batch of three.
		const mine: string[] = [];
		const ofSecond: string[] = [];
		const theirs: string[] = [];
		for (let i = 0; i < 75; i++) {
			const id = uuidv7At(at + i * 40);
			if (i % 10 === 4) {
				const batch = [id, uuidv7At(at + i * 40), uuidv7At(at + i * 40 + 1)].sort();
				await store(batch.map((b) => row(sender, b)));
				mine.push(...batch);
			} else if (i % 3 === 0) {
				await store([row(stranger, id)]);
				theirs.push(id);
			} else if (i % 3 === 1) {
				await store([row(second, id)]);
				mine.push(id);
				ofSecond.push(id);
			} else {
				await store([row(sender, id)]);
				mine.push(id);
			}
		}
		const firsts = [...(await runColumnsOf(mine)).values()].filter((c) => c.inRun === null);
		expect(firsts.length).toBeLessThan(mine.length / 3);
		for (const limit of [1, 4, 7]) {
			const list = await everyPage(sender.account.id, {}, limit);
			expect(list.older, `older ${limit}`).toEqual(newestFirst(mine));
			expect(list.newer, `newer ${limit}`).toEqual(newestFirst(mine));
		}
		const domain = await everyPage(sender.account.id, { domainId: second.domain.id }, 3);
		expect(domain.older, "second older").toEqual(newestFirst(ofSecond));
		expect(domain.newer, "second newer").toEqual(newestFirst(ofSecond));
		expect((await everyPage(stranger.account.id, {}, 4)).older, "theirs").toEqual(
			newestFirst(theirs),
		);
		const dates = { createdAfter: at + 1000, createdBefore: at + 2000 };
		const inside = mine.filter((id) => idTime(id) >= at + 1000 && idTime(id) < at + 2000);
		const bounded = await everyPage(sender.account.id, dates, 3);
		expect(bounded.older, "bounded older").toEqual(newestFirst(inside));
		expect(bounded.newer, "bounded newer").toEqual(newestFirst(inside));
	});

	it("batches of one account and domain stored at once, their ids interleaved, list in order", async () => {
		const sender = await createSender();
		// Four requests' ids dealt out from one stretch, stored together as racing isolates would:
		// whichever is stored first makes its run, and the others' emails join it or stand alone.
		const all = ids(48);
		const requests = [0, 1, 2, 3].map((k) => all.filter((_, i) => i % 4 === k));
		await Promise.all(requests.map((list) => store(list.map((id) => row(sender, id)))));
		const list = await everyPage(sender.account.id, {}, 5);
		expect(list.older).toEqual(newestFirst(all));
		expect(list.newer).toEqual(newestFirst(all));
		// The first stored made a run the others' emails fall in: far fewer entries than emails.
		const firsts = [...(await runColumnsOf(all)).values()].filter((c) => c.inRun === null);
		expect(firsts.length).toBeLessThan(10);
	});

	it("a date inside a run bounds the list there, both ways", async () => {
		const sender = await createSender();
		// A batch whose ids span six milliseconds (a slow isolate), two per millisecond.
		const at = Date.now() - 60_000;
		const batch = Array.from({ length: 12 }, (_, i) => uuidv7At(at + Math.floor(i / 2))).sort();
		await store(batch.map((id) => row(sender, id)));
		expect((await runColumnsOf(batch)).get(batch[0] as string)?.hasRange).toBe(true);
		const dates = { createdAfter: at + 2, createdBefore: at + 5 };
		const inside = batch.slice(4, 10);
		for (const limit of [1, 4]) {
			const list = await everyPage(sender.account.id, dates, limit);
			expect(list.older).toEqual(newestFirst(inside));
			expect(list.newer).toEqual(newestFirst(inside));
		}
		const later = await everyPage(sender.account.id, { createdAfter: at + 3 }, 2);
		expect(later.older).toEqual(newestFirst(batch.slice(6)));
	});

	it("an email stored inside another request's run joins it, and a run that would hold one is not made", async () => {
		const sender = await createSender();
		const { a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, b1, b2, b3 } = idsNamed([
			"a1",
			"a2",
			"a3",
			"a4",
			"a5",
			"a6",
			"a7",
			"a8",
			"a9",
			"a10",
			"b1",
			"b2",
			"b3",
		]);
		await store([a1, a3, a5, a7].map((id) => row(sender, id)));
		// A single from another isolate, inside the stored run: it joins the run.
		await store([row(sender, a4)]);
		// Batches starting inside the run: their emails inside join it, those past it are alone.
		await store([a6, a8, a10].map((id) => row(sender, id)));
		await store([a2, a9].map((id) => row(sender, id)));
		// A single right after the account's other emails claims the second after it; a batch
		// whose range would hold it makes no run, and its email inside the claim joins it.
		await store([row(sender, b2)]);
		await store([b1, b3].map((id) => row(sender, id)));
		const columns = await runColumnsOf([a1, a4, a6, a8, a10, a2, a9, b1, b2, b3]);
		expect(columns.get(a1)).toEqual({ inRun: null, hasRange: true });
		for (const joined of [a4, a6, a2, b3]) expect(columns.get(joined)?.inRun).toBe(1);
		expect(columns.get(a6)?.hasRange).toBe(false);
		for (const alone of [a8, a10, a9, b1])
			expect(columns.get(alone), alone).toEqual({ inRun: null, hasRange: false });
		expect(columns.get(b2)).toEqual({ inRun: null, hasRange: true });

		const every = [a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, b1, b2, b3];
		const list = await everyPage(sender.account.id, {}, 2);
		expect(list.older).toEqual(newestFirst(every));
		expect(list.newer).toEqual(newestFirst(every));
	});

	it("a page with a date or a cursor reads its runs' rows, not every row from the bound", async () => {
		const sender = await createSender();
		const singles = ids(150);
		for (const part of [singles.slice(0, 50), singles.slice(50, 100), singles.slice(100)])
			await Promise.all(part.map((id) => store([row(sender, id)])));
		// With the table's statistics, as a database in use has them (D1 runs PRAGMA optimize).
		await env.DB.exec("ANALYZE");
		const rowsRead = async (query: Parameters<typeof listEmails>[2]) => {
			resetMetrics();
			const page = await listEmails(counted, sender.account.id, query);
			expect(page.rows).toHaveLength(5);
			return readMetrics().d1.rowsRead;
		};
		const oldest = Number.parseInt((singles[0] as string).replace(/-/g, "").slice(0, 12), 16);
		const pages = [
			{ limit: 5 },
			{ limit: 5, createdAfter: oldest },
			{ limit: 5, createdBefore: Date.now() + 1000 },
			{ limit: 5, after: singles[140] },
			{ limit: 5, before: singles[10] },
		];
		// A page of five reads its runs' first emails and their rows, and (a `before` page) the
		// runs stored within `RUN_SPAN_MS` before its cursor: some 50 to 85 rows here. Read from
		// the bound, a range of the rowid over every account's emails, it was 190 to 235.
		for (const query of pages)
			expect(await rowsRead(query), JSON.stringify(query)).toBeLessThan(120);
	});

	it("a page of a busy sender's claimed seconds reads the other accounts' emails of those seconds, no more", async () => {
		const sender = await createSender();
		const neighbour = await createSender();
		const at = Date.now() - 240_000;
		// Three seconds: the sender's singles every 100 ms, a neighbour's every 10 ms.
		const mine: string[] = [];
		for (let ms = 0; ms < 3000; ms += 10) {
			const id = uuidv7At(at + ms);
			if (ms % 100 === 0) mine.push(id);
			await store([row(ms % 100 === 0 ? sender : neighbour, id)]);
		}
		await env.DB.exec("ANALYZE");
		resetMetrics();
		const page = await listEmails(counted, sender.account.id, { limit: 5 });
		expect(page.rows.map((r) => r.id)).toEqual(newestFirst(mine).slice(0, 5));
		// The page's run holds about ten of the sender's emails and a hundred of the neighbour's,
		// read and left out: about 90 rows for the page, where the three seconds are 330.
		expect(readMetrics().d1.rowsRead).toBeLessThan(150);
	});

	/** Deletes the account's emails with these ids as the purge and a take-back do. */
	const deleted = (sender: Sender, list: string[]) =>
		runBatch(
			db(),
			deleteEmailsStatements(
				db(),
				list.map((id) => ({ id, accountId: sender.account.id, to: [`r-${id}@example.org`] })),
			),
		);

	it("deleting a run's first emails gives its range to the first email left", async () => {
		const sender = await createSender();
		const batch = ids(12);
		await store(batch.map((id) => row(sender, id)));
		const gone = (list: string[]) => deleted(sender, list);
		// The purge deletes the oldest emails a batch at a time: here, the first three.
		await gone(batch.slice(0, 3));
		expect((await everyPage(sender.account.id)).older).toEqual(newestFirst(batch.slice(3)));
		expect((await runColumnsOf([batch[3] as string])).get(batch[3] as string)).toEqual({
			inRun: null,
			hasRange: true,
		});
		// The first and some in the middle; then the rest but the last.
		await gone([batch[3], batch[5], batch[6]] as string[]);
		const left = batch.filter((_, i) => i === 4 || i > 6);
		expect((await everyPage(sender.account.id)).older).toEqual(newestFirst(left));
		await gone(left.slice(0, -1));
		expect((await everyPage(sender.account.id)).older).toEqual(left.slice(-1));
		const [last] = await db()
			.select({ inRun: emails.inRun })
			.from(emails)
			.where(eq(emails.id, left.at(-1) as string));
		expect(last?.inRun).toBeNull();
	});

	it("a claiming single taken back, or purged, leaves the singles that joined its second listed", async () => {
		const sender = await createSender();
		const at = Date.now() - 300_000;
		const [s0, s1, s2, s3] = [0, 200, 400, 600].map((ms) => uuidv7At(at + ms)) as [
			string,
			string,
			string,
			string,
		];
		for (const id of [s0, s1, s2, s3]) await store([row(sender, id)]);
		expect((await runColumnsOf([s1])).get(s1)).toEqual({ inRun: null, hasRange: true });
		// Its queue send failed: the claiming single's row is taken back.
		await deleted(sender, [s1]);
		expect((await everyPage(sender.account.id, {}, 1)).older).toEqual([s3, s2, s0]);
		expect((await runColumnsOf([s2])).get(s2)).toEqual({ inRun: null, hasRange: true });
		// And the purge, oldest first, takes the next one.
		await deleted(sender, [s0, s2]);
		expect((await everyPage(sender.account.id)).older).toEqual([s3]);
	});

	it("a request's rows taken back leave another request's email that joined their run listed", async () => {
		const sender = await createSender();
		const [first, second, third, fourth] = ids(4) as [string, string, string, string];
		await store([first, second, fourth].map((id) => row(sender, id)));
		// Another isolate's single, stored inside the run, joins it.
		await store([row(sender, third)]);
		expect((await runColumnsOf([third])).get(third)?.inRun).toBe(1);
		// The batch's queue send failed: its rows are taken back (src/domain/email-storage.ts).
		await deleted(sender, [first, second, fourth]);
		expect((await everyPage(sender.account.id)).older).toEqual([third]);
		expect((await runColumnsOf([third])).get(third)).toEqual({ inRun: null, hasRange: true });
	});
});
