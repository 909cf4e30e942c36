/**
 * GET /emails filters: each one, combinations, pagination with a filter, other accounts, the
 * lookup rows every stored email gets, the indexes each filter uses, and the 90-day purge of
 * the lookup rows.
 */
import { eq, inArray, lt } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { purgeExpiredData, RETENTION } from "../../src/cron/purge.ts";
import { tallyDayFigures } from "../../src/cron/tally-day-figures.ts";
import { listEmails } from "../../src/db/queries/email-list.ts";
import type { NewEmail } from "../../src/db/queries/emails.ts";
import { TALLY_CURSOR } from "../../src/db/queries/metrics.ts";
import * as schema from "../../src/db/schema.ts";
import { cronCursors, emailRecipients, emails, emailTags } from "../../src/db/schema.ts";
import { idFloor, uuidv7 } from "../../src/lib/ids.ts";
import { DAY, MINUTE } from "../../src/lib/time.ts";
import { api } from "../helpers/api.ts";
import { createDomain, createQueuedEmail, createSender, db } from "../helpers/factories.ts";
import { queryPlans } from "../helpers/query-plans.ts";

type Sender = Awaited<ReturnType<typeof createSender>>;

/** A UUIDv7 created at `time` (uuidv7() itself never goes back in time). */
const uuidv7At = (time: number) => `${idFloor(time).slice(0, 14)}${uuidv7().slice(14)}`;

/** Stores an email as the app does; `at` places it in time (its id and created_at). */
async function store(sender: Sender, overrides: Partial<NewEmail> & { at?: number } = {}) {
	const { at, ...rest } = overrides;
	const createdAt = at ?? Date.now();
	const row = await createQueuedEmail(sender, {
		id: at === undefined ? uuidv7() : uuidv7At(at),
		createdAt,
		to: ["someone@example.org"],
		...rest,
	});
	return row.id as string;
}

/**
 * Makes a stored email look as emails stored before `first_recipient` and `first_tag` existed:
 * neither in its row, and a lookup row for every recipient and tag.
 */
async function storedBeforeFirstValues(id: string) {
	const [row] = await db()
		.select({ accountId: emails.accountId, recipient: emails.firstRecipient, tag: emails.firstTag })
		.from(emails)
		.where(eq(emails.id, id));
	if (!row?.recipient) throw new Error(`no email ${id}`);
	await db().update(emails).set({ firstRecipient: null, firstTag: null }).where(eq(emails.id, id));
	const { accountId, recipient, tag } = row;
	await db().insert(emailRecipients).values({ accountId, address: recipient, emailId: id });
	if (tag) await db().insert(emailTags).values({ accountId, tag, emailId: id });
}

async function ids(key: string, query: string) {
	const res = await api("GET", `/emails?${query}`, { key });
	expect(res.status, `${query}: ${JSON.stringify(res.json)}`).toBe(200);
	return {
		ids: (res.json.data as { id: string }[]).map((e) => e.id),
		hasMore: res.json.has_more as boolean,
	};
}

/** Newest first, as the list answers. */
const newestFirst = (list: string[]) => [...list].sort().reverse();

describe("GET /emails filters", () => {
	it("filters by status and last_event", async () => {
		const sender = await createSender();
		const pending = await store(sender);
		const sent = await store(sender, { status: "sent", lastEvent: "delivered" });
		const failed = await store(sender, { status: "failed", lastEvent: "bounced" });
		const key = sender.key.token;
		expect((await ids(key, "status=pending")).ids).toEqual([pending]);
		expect((await ids(key, "status=sent")).ids).toEqual([sent]);
		expect((await ids(key, "status=failed")).ids).toEqual([failed]);
		expect((await ids(key, "last_event=bounced")).ids).toEqual([failed]);
		expect((await ids(key, "last_event=delivered")).ids).toEqual([sent]);
		expect((await ids(key, "last_event=queued")).ids).toEqual([pending]);
		expect((await ids(key, "last_event=complained")).ids).toEqual([]);
	});

	it("merges a status's last events in id order, and tells sent from queued", async () => {
		// status=pending is several ranges of the state index (one per last_event), and sent
		// shares queued's range: the page must interleave them by id and keep each exact.
		const sender = await createSender();
		const kinds = ["queued", "sent", "delivery_delayed", "scheduled", "sent", "queued"] as const;
		const stored: { id: string; lastEvent: (typeof kinds)[number] }[] = [];
		for (const lastEvent of [...kinds, ...kinds]) {
			stored.push({ id: await store(sender, { lastEvent }), lastEvent });
			await store(sender, { status: "sent", lastEvent: "delivered" });
		}
		const key = sender.key.token;
		const walk = async (filter: string) => {
			const walked: string[] = [];
			let after: string | undefined;
			for (;;) {
				const page = await ids(key, `${filter}&limit=5${after ? `&after=${after}` : ""}`);
				walked.push(...page.ids);
				if (!page.hasMore) return walked;
				after = page.ids.at(-1);
			}
		};
		const of = (...events: string[]) =>
			newestFirst(stored.filter((e) => events.includes(e.lastEvent)).map((e) => e.id));
		expect(await walk("status=pending")).toEqual(of(...kinds));
		expect(await walk("last_event=sent")).toEqual(of("sent"));
		expect(await walk("last_event=queued")).toEqual(of("queued"));
		expect(await walk("status=pending&last_event=delivery_delayed")).toEqual(
			of("delivery_delayed"),
		);
		// Back from the oldest: `before` merges the ranges the other way.
		const all = of(...kinds);
		const back = await ids(key, `status=pending&limit=4&before=${all.at(-1)}`);
		expect(back.ids).toEqual(all.slice(-5, -1));
		expect(back.hasMore).toBe(true);
	});

	it("finds queued and sent emails the tally has not passed, which have no state entry", async () => {
		// Past the tally's cursor a queued or sent email is not in the state index (its entry
		// would cost a row for a state most emails leave within seconds); the pending filters read
		// those few minutes of the account's emails instead, and the tally keys what is still
		// pending when it passes them.
		const sender = await createSender();
		const key = sender.key.token;
		const older = await store(sender, { at: Date.now() - 10 * MINUTE });
		await db()
			.insert(cronCursors)
			.values({ name: TALLY_CURSOR, position: idFloor(Date.now() - 5 * MINUTE) });
		try {
			const queued = await store(sender);
			const sent = await store(sender, { lastEvent: "sent" });
			const delivered = await store(sender, { status: "sent", lastEvent: "delivered" });
			const bounced = await store(sender, { status: "failed", lastEvent: "bounced" });
			// Another account's email on its way, past the cursor too: never in this account's list.
			await store(await createSender());
			// Stored late, behind the cursor: the insert gives it its key.
			const late = await store(sender, { at: Date.now() - 8 * MINUTE });
			const keys = await db()
				.select({ id: emails.id, stateKey: emails.stateKey })
				.from(emails)
				.where(inArray(emails.id, [older, late, queued, sent, bounced]));
			expect(Object.fromEntries(keys.map((k) => [k.id, k.stateKey]))).toEqual({
				[older]: "pending:queued",
				[late]: "pending:queued",
				[queued]: null,
				[sent]: null,
				[bounced]: "failed:bounced",
			});
			await db().delete(emails).where(eq(emails.id, late));
			expect((await ids(key, "status=pending")).ids).toEqual([sent, queued, older]);
			expect((await ids(key, "last_event=queued")).ids).toEqual([queued, older]);
			expect((await ids(key, "last_event=sent")).ids).toEqual([sent]);
			expect((await ids(key, "status=pending&limit=1")).ids).toEqual([sent]);
			expect((await ids(key, `status=pending&after=${sent}&limit=1`)).ids).toEqual([queued]);
			expect((await ids(key, `status=pending&before=${older}`)).ids).toEqual([sent, queued]);
			expect((await ids(key, "status=sent")).ids).toEqual([delivered]);
			expect((await ids(key, "status=failed")).ids).toEqual([bounced]);
			// The tally passes them: the queued and sent ones get their entry, the delivered none.
			await tallyDayFigures(db(), Date.now(), { lag: 0 });
			const after = await db()
				.select({ id: emails.id, stateKey: emails.stateKey })
				.from(emails)
				.where(inArray(emails.id, [queued, sent, delivered]));
			expect(Object.fromEntries(after.map((k) => [k.id, k.stateKey]))).toEqual({
				[queued]: "pending:queued",
				[sent]: "pending:queued",
				[delivered]: null,
			});
			expect((await ids(key, "status=pending")).ids).toEqual([sent, queued, older]);
		} finally {
			await db().delete(cronCursors).where(eq(cronCursors.name, TALLY_CURSOR));
		}
	});

	it("filters by recipient in to, cc or bcc, exactly and case-insensitively", async () => {
		const sender = await createSender();
		const inTo = await store(sender, { to: ["Ann <Ann@Example.org>"] });
		const inCc = await store(sender, { to: ["x@example.org"], cc: ["ann@example.org"] });
		const inBcc = await store(sender, { to: ["y@example.org"], bcc: ["ANN@example.org"] });
		await store(sender, { to: ["anne@example.org", "nn@example.org"] });
		// Stored before first recipients had their column: found through its lookup row.
		const before = await store(sender, { to: ["ann@example.org"] });
		await storedBeforeFirstValues(before);
		const key = sender.key.token;
		expect((await ids(key, "to=ann@example.org")).ids).toEqual(
			newestFirst([inTo, inCc, inBcc, before]),
		);
		expect((await ids(key, `to=${encodeURIComponent("ANN@EXAMPLE.ORG")}`)).ids).toHaveLength(4);
		expect((await ids(key, "to=nobody@example.org")).ids).toEqual([]);
	});

	it("filters by domain_id", async () => {
		const sender = await createSender();
		const other = await createDomain(sender.account.id);
		const fromFirst = await store(sender);
		const fromOther = await store({ ...sender, domain: other });
		const key = sender.key.token;
		expect((await ids(key, `domain_id=${sender.domain.id}`)).ids).toEqual([fromFirst]);
		expect((await ids(key, `domain_id=${other.id}`)).ids).toEqual([fromOther]);
		expect((await ids(key, `domain_id=${uuidv7()}`)).ids).toEqual([]);
	});

	it("lists the account's emails from every domain, a deleted one's too, in id order both ways", async () => {
		// The list is a merge of each domain's runs (emails_account_runs): pages must
		// interleave the domains by id, find a domain whose row is gone, and keep each filter.
		const sender = await createSender();
		const second = await createDomain(sender.account.id);
		const third = await createDomain(sender.account.id);
		const senders = [sender, { ...sender, domain: second }, { ...sender, domain: third }];
		const stored: { id: string; delivered: boolean }[] = [];
		for (let i = 0; i < 14; i++) {
			const delivered = i % 3 !== 1;
			const at = Date.now() - (14 - i) * 60_000;
			const id = await store(
				senders[(i * 7) % 3] as Sender,
				delivered ? { at, status: "sent", lastEvent: "delivered" } : { at },
			);
			stored.push({ id, delivered });
		}
		await db().delete(schema.domains).where(eq(schema.domains.id, third.id));
		// Another account's emails stay out.
		await store(await createSender());
		const key = sender.key.token;
		const walk = async (filter: string) => {
			const walked: string[] = [];
			let after: string | undefined;
			for (;;) {
				const page = await ids(key, `${filter}limit=4${after ? `&after=${after}` : ""}`);
				walked.push(...page.ids);
				if (!page.hasMore) return walked;
				after = page.ids.at(-1);
			}
		};
		const all = newestFirst(stored.map((e) => e.id));
		expect(await walk("")).toEqual(all);
		const delivered = newestFirst(stored.filter((e) => e.delivered).map((e) => e.id));
		expect(await walk("status=sent&")).toEqual(delivered);
		expect(await walk("last_event=delivered&")).toEqual(delivered);
		const cutoff = Date.now() - 7.5 * 60_000;
		expect(await walk(`created_after=${new Date(cutoff).toISOString()}&`)).toEqual(all.slice(0, 7));
		const back = await ids(key, `limit=5&before=${all.at(-1)}`);
		expect(back.ids).toEqual(all.slice(-6, -1));
		expect(back.hasMore).toBe(true);
	});

	it("filters by tag name:value, exactly", async () => {
		const sender = await createSender();
		const receipt = await store(sender, {
			tags: [
				{ name: "category", value: "receipt" },
				{ name: "plan", value: "pro" },
			],
		});
		await store(sender, { tags: [{ name: "category", value: "Receipt" }] });
		await store(sender, { tags: [{ name: "kind", value: "receipt" }] });
		await store(sender);
		const key = sender.key.token;
		expect((await ids(key, "tag=category:receipt")).ids).toEqual([receipt]);
		expect((await ids(key, "tag=plan:pro")).ids).toEqual([receipt]);
		expect((await ids(key, "tag=category:invoice")).ids).toEqual([]);
	});

	it("filters by created_after (inclusive) and created_before (exclusive)", async () => {
		const sender = await createSender();
		const t = Date.parse("2026-03-01T12:00:00Z");
		const before = await store(sender, { at: t - DAY });
		const at = await store(sender, { at: t });
		const later = await store(sender, { at: t + DAY });
		const key = sender.key.token;
		const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
		expect((await ids(key, `created_after=${iso(t)}`)).ids).toEqual([later, at]);
		expect((await ids(key, `created_before=${iso(t)}`)).ids).toEqual([before]);
		expect((await ids(key, `created_after=${iso(t)}&created_before=${iso(t + DAY)}`)).ids).toEqual([
			at,
		]);
		// A date alone is midnight UTC; an offset is honoured.
		expect((await ids(key, "created_after=2026-03-02")).ids).toEqual([later]);
		expect(
			(await ids(key, `created_before=${encodeURIComponent("2026-03-01T13:00:00+01:00")}`)).ids,
		).toEqual([before]);
	});

	it("combines filters with AND", async () => {
		const sender = await createSender();
		const other = await createDomain(sender.account.id);
		const tags = [{ name: "category", value: "receipt" }];
		const t = Date.parse("2026-04-01T00:00:00Z");
		const match = await store(sender, {
			at: t,
			to: ["ann@example.org"],
			tags,
			status: "failed",
			lastEvent: "bounced",
		});
		// Each of these misses exactly one of the filters.
		const toBob = await store(sender, {
			at: t,
			to: ["bob@example.org"],
			tags,
			status: "failed",
			lastEvent: "bounced",
		});
		const untagged = await store(sender, {
			at: t,
			to: ["ann@example.org"],
			status: "failed",
			lastEvent: "bounced",
		});
		await store(sender, {
			at: t,
			to: ["ann@example.org"],
			tags,
			status: "sent",
			lastEvent: "delivered",
		});
		await store(sender, {
			at: t - 2 * DAY,
			to: ["ann@example.org"],
			tags,
			status: "failed",
			lastEvent: "bounced",
		});
		await store(
			{ ...sender, domain: other },
			{ at: t, to: ["ann@example.org"], tags, status: "failed", lastEvent: "bounced" },
		);
		const key = sender.key.token;
		const all = [
			"to=ann@example.org",
			"tag=category:receipt",
			"status=failed",
			"last_event=bounced",
			`domain_id=${sender.domain.id}`,
			"created_after=2026-03-31",
			"created_before=2026-04-02",
		];
		expect((await ids(key, all.join("&"))).ids).toEqual([match]);
		// Without `to`, the tag drives; without both, the emails' own indexes do.
		expect((await ids(key, all.slice(1).join("&"))).ids).toEqual(newestFirst([match, toBob]));
		expect((await ids(key, all.slice(2).join("&"))).ids).toEqual(
			newestFirst([match, toBob, untagged]),
		);
		expect((await ids(key, "to=ann@example.org&tag=category:receipt")).ids).toHaveLength(4);
	});

	it("pages through a filter with after and before, newest first", async () => {
		const sender = await createSender();
		const matching: string[] = [];
		// Ann and n:x are the first recipient and tag (found by the row's columns), further ones
		// (by lookup rows), or the first of an email stored before the columns (by lookup rows):
		// one list, in order.
		for (let i = 0; i < 7; i++) {
			const further = i % 3 === 1;
			const to = further ? ["carl@example.org", "ann@example.org"] : ["ann@example.org"];
			const tags = [{ name: "n", value: "x" }];
			if (further) tags.unshift({ name: "m", value: "y" });
			const id = await store(sender, { to, tags });
			if (i % 3 === 2) await storedBeforeFirstValues(id);
			matching.push(id);
			await store(sender, { to: ["bob@example.org"] });
		}
		const expected = newestFirst(matching);
		const key = sender.key.token;
		for (const filter of [
			"to=ann@example.org",
			"tag=n:x",
			"last_event=queued&to=ann@example.org",
			"to=ann@example.org&tag=n:x",
		]) {
			const walked: string[] = [];
			let after: string | undefined;
			for (;;) {
				const page = await ids(key, `${filter}&limit=3${after ? `&after=${after}` : ""}`);
				walked.push(...page.ids);
				if (!page.hasMore) break;
				after = page.ids.at(-1);
			}
			expect(walked, filter).toEqual(expected);
			// Back from the last page: `before` gives the newer neighbours, still newest first.
			const back = await ids(key, `${filter}&limit=3&before=${expected[6]}`);
			expect(back.ids, filter).toEqual(expected.slice(3, 6));
			expect(back.hasMore, filter).toBe(true);
		}
		// The emails' own indexes page the same way.
		const pending = await ids(key, "status=pending&limit=10");
		expect(pending.ids).toHaveLength(10);
		expect(pending.hasMore).toBe(true);
		const rest = await ids(key, `status=pending&limit=10&after=${pending.ids.at(-1)}`);
		expect(rest.ids).toHaveLength(4);
		expect(rest.hasMore).toBe(false);
	});

	it("never shows another account's emails", async () => {
		const mine = await createSender();
		const theirs = await createSender();
		const tags = [{ name: "category", value: "receipt" }];
		await store(theirs, { to: ["ann@example.org"], tags, status: "failed", lastEvent: "bounced" });
		const key = mine.key.token;
		for (const query of [
			"to=ann@example.org",
			"tag=category:receipt",
			"status=failed",
			"last_event=bounced",
			`domain_id=${theirs.domain.id}`,
			"created_after=2020-01-01",
			"to=ann@example.org&tag=category:receipt",
		]) {
			expect((await ids(key, query)).ids, query).toEqual([]);
		}
	});

	it("refuses invalid values and unknown parameters with 422 naming the parameter", async () => {
		const { key } = await createSender();
		for (const [query, name] of [
			["status=delivered", "status"],
			["last_event=opened", "last_event"],
			["to=not-an-address", "to"],
			["to=a@example.org,b@example.org", "to"],
			["domain_id=acme.test", "domain_id"],
			["tag=category", "tag"],
			["tag=category:a:b", "tag"],
			["created_after=yesterday", "created_after"],
			["created_before=2026-13-01", "created_before"],
			["created_after=2026-03-02&created_before=2026-03-01", "created_after"],
			["domain=acme.test", "domain"],
			["stauts=sent", "stauts"],
		]) {
			const res = await api("GET", `/emails?${query}`, { key: key.token });
			expect(res.status, query).toBe(422);
			expect(res.json.name, query).toBe("validation_error");
			expect(res.json.message, query).toContain(`\`${name}\``);
		}
	});
});

describe("lookup rows", () => {
	it("POST /emails and /emails/batch store each recipient and tag once", async () => {
		const sender = await createSender();
		const tags = [{ name: "category", value: "receipt" }];
		const one = await api("POST", "/emails", {
			key: sender.key.token,
			body: {
				from: sender.from,
				to: ["Ann <Ann@Example.org>", "bob@example.org"],
				cc: "carl@example.org",
				bcc: ["dee@example.org"],
				subject: "Hi",
				text: "Hi",
				tags,
			},
		});
		expect(one.status).toBe(200);
		const batch = await api("POST", "/emails/batch", {
			key: sender.key.token,
			body: [
				{ from: sender.from, to: "ann@example.org", subject: "1", text: "1", tags },
				{ from: sender.from, to: "eve@example.org", subject: "2", text: "2" },
			],
		});
		expect(batch.status).toBe(200);
		const key = sender.key.token;
		expect((await ids(key, "to=ann@example.org")).ids).toHaveLength(2);
		for (const address of ["bob", "carl", "dee", "eve"]) {
			expect((await ids(key, `to=${address}@example.org`)).ids, address).toHaveLength(1);
		}
		expect((await ids(key, "tag=category:receipt")).ids).toHaveLength(2);
		const id = one.json.id as string;
		const rows = await db()
			.select({ address: emailRecipients.address })
			.from(emailRecipients)
			.where(inArray(emailRecipients.emailId, [id]));
		// The first recipient is in the email's row, the others have lookup rows.
		expect(rows.map((r) => r.address).sort()).toEqual([
			"bob@example.org",
			"carl@example.org",
			"dee@example.org",
		]);
		const [stored] = await db()
			.select({ recipient: emails.firstRecipient, tag: emails.firstTag })
			.from(emails)
			.where(eq(emails.id, id));
		expect(stored).toEqual({ recipient: "ann@example.org", tag: "category:receipt" });
		// Its one tag is its first: no row in email_tags.
		expect(
			await db()
				.select()
				.from(emailTags)
				.where(inArray(emailTags.emailId, [id])),
		).toEqual([]);
	});

	it("the 90-day purge deletes them with their emails", async () => {
		const sender = await createSender();
		const now = Date.now();
		const tags = [
			{ name: "category", value: "old" },
			{ name: "category", value: "older" },
		];
		const to = ["ann@example.org", "bob@example.org"];
		const old = await store(sender, { at: now - RETENTION - DAY, to, tags });
		const older = await store(sender, { at: now - RETENTION - 2 * DAY, to, tags });
		await storedBeforeFirstValues(older);
		const kept = await store(sender, { at: now - RETENTION + DAY, to, tags });
		const due = await db()
			.select({ id: emails.id })
			.from(emails)
			.where(lt(emails.id, idFloor(now - RETENTION)));
		const report = await purgeExpiredData(db(), { now });
		// Emails only: the lookup rows deleted with them are not counted as emails.
		expect(report.emails).toBe(due.length);
		const left = async (table: typeof emailRecipients | typeof emailTags) =>
			(
				await db()
					.select({ id: table.emailId })
					.from(table)
					.where(inArray(table.emailId, [old, older, kept]))
			).map((r) => r.id);
		// The second recipient's and tag's rows, and the first ones' of the email stored before
		// the columns, go with their emails.
		expect(await left(emailRecipients)).toEqual([kept]);
		expect(await left(emailTags)).toEqual([kept]);
		expect(
			(
				await db()
					.select({ id: emails.id })
					.from(emails)
					.where(inArray(emails.id, [old, older, kept]))
			).map((r) => r.id),
		).toEqual([kept]);
		expect((await ids(sender.key.token, "to=ann@example.org")).ids).toEqual([kept]);
		expect((await ids(sender.key.token, "to=bob@example.org")).ids).toEqual([kept]);
		expect((await ids(sender.key.token, "tag=category:old")).ids).toEqual([kept]);
		expect((await ids(sender.key.token, "tag=category:older")).ids).toEqual([kept]);
	});
});

describe("query plans", () => {
	/** SQLite's plan for each statement listEmails runs for a filter. */
	const plan = (filters: Parameters<typeof listEmails>[2]) =>
		queryPlans((db) => listEmails(db, uuidv7(), filters));

	/** A range of the state index, or the read of the emails on their way past the cursor. */
	const orOnTheirWay = (state: RegExp) =>
		new RegExp(
			`USING INDEX emails_account_state ${state.source}|h USING INDEX emails_account_runs \\(account_id=\\? AND domain_id=\\? AND rowid[<>]\\?`,
		);

	it("serves every filter from an index, never a scan or a sort", async () => {
		const cases: [Parameters<typeof listEmails>[2], RegExp][] = [
			// The account's list: a range of each of its domains, at most a page each, merged.
			[
				{ limit: 20 },
				/h USING (COVERING )?INDEX emails_account_runs \(account_id=\? AND domain_id=\?/,
			],
			[
				{ limit: 20, createdAfter: 0, createdBefore: Date.now() },
				/h USING (COVERING )?INDEX emails_account_runs \(account_id=\? AND domain_id=\?/,
			],
			// The state index leaves out the common end state (status sent, last_event delivered):
			// every other filter is one range of it per status:last_event key, those two a filter
			// over the account's newest emails, where they are the majority (docs/scaling.md).
			[
				{ limit: 20, status: "failed" },
				/USING INDEX emails_account_state \(account_id=\? AND state_key=\?\)/,
			],
			[{ limit: 20, status: "pending" }, orOnTheirWay(/\(account_id=\? AND state_key=\?\)/)],
			[
				{ limit: 20, status: "sent" },
				/h USING (COVERING )?INDEX emails_account_runs \(account_id=\? AND domain_id=\?/,
			],
			[
				{ limit: 20, lastEvent: "bounced" },
				/USING INDEX emails_account_state \(account_id=\? AND state_key=\?\)/,
			],
			[
				{ limit: 20, lastEvent: "queued", after: uuidv7() },
				orOnTheirWay(/\(account_id=\? AND state_key=\? AND rowid[<>]\?\)/),
			],
			[
				{ limit: 20, status: "pending", domainId: uuidv7() },
				/USING INDEX emails_account_(state \(account_id=\? AND state_key=\?\)|runs \(account_id=\? AND domain_id=\? AND rowid>\?\))/,
			],
			[
				{ limit: 20, lastEvent: "delivered" },
				/h USING (COVERING )?INDEX emails_account_runs \(account_id=\? AND domain_id=\?/,
			],
			[{ limit: 20, domainId: uuidv7() }, /USING INDEX emails_account_runs/],
			// A first recipient through its index, further ones through their lookup rows: two
			// ranges, merged.
			[
				{ limit: 20, to: "a@example.org" },
				/emails USING (COVERING )?INDEX emails_account_recipient \(account_id=\? AND first_recipient=\?\)|email_recipients USING PRIMARY KEY \(account_id=\? AND address=\?\)/,
			],
			[
				{ limit: 20, tag: "a:b" },
				/emails USING (COVERING )?INDEX emails_account_tag \(account_id=\? AND first_tag=\?\)|email_tags USING PRIMARY KEY \(account_id=\? AND tag=\?\)/,
			],
			[
				{ limit: 20, to: "a@example.org", tag: "a:b", status: "sent", after: uuidv7() },
				/emails USING (COVERING )?INDEX emails_account_recipient \(account_id=\? AND first_recipient=\? AND rowid<\?\)|email_recipients USING PRIMARY KEY \(account_id=\? AND address=\? AND email_id[<>]\?\)/,
			],
			[
				{ limit: 20, tag: "a:b", before: uuidv7() },
				/emails USING (COVERING )?INDEX emails_account_tag \(account_id=\? AND first_tag=\? AND rowid>\?\)|email_tags USING PRIMARY KEY \(account_id=\? AND tag=\? AND email_id[<>]\?\)/,
			],
		];
		// status=pending is eight keys (nine last events, sent keyed as queued), in one batch.
		// And one more: the emails on their way past the tally's cursor, which have no key, read
		// from the cursor on in each domain's range.
		expect(await plan({ limit: 20, status: "pending" })).toHaveLength(9);
		expect(await plan({ limit: 20, to: "a@example.org", status: "failed" })).toHaveLength(2);
		expect(await plan({ limit: 20, tag: "a:b" })).toHaveLength(2);
		for (const [filters, expected] of cases) {
			for (const detail of await plan(filters)) {
				expect(detail, JSON.stringify(filters)).toMatch(expected);
				// The merge scans only its list of domain ids (`d`) and sorts only what the domains'
				// pages hold (at most a page each); nothing else scans a table or sorts.
				const merged = detail.includes("emails_account_runs (account_id=? AND domain_id=?");
				const rest = merged
					? detail.replace(/SCAN (d|CONSTANT ROW)\n|USE TEMP B-TREE FOR ORDER BY/g, "")
					: detail;
				expect(rest, JSON.stringify(filters)).not.toMatch(/SCAN|TEMP B-TREE/);
				// A run's rows are read from its first email: the runs' index is the outer loop,
				// never a range of every account's rows (a date's) looked up in it.
				if (detail.includes("SEARCH y"))
					expect(detail.indexOf("SEARCH h USING INDEX emails_account_runs")).toBeLessThan(
						detail.indexOf("SEARCH y"),
					);
			}
		}
	});
});
