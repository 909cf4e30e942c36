/**
 * `emails.seq` (src/db/queries/email-seq.ts): the rowid an email's id finds without an index of
 * ids. The SQL that computes it is checked against an independent computation, and emails that
 * share a window (two isolates picking the same counter in the same millisecond) are each
 * stored, found, listed once and deleted, in every path that finds emails by id or in order.
 */
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
	nextWindowFloorId,
	seqFloor,
	windowFloorId,
	windowStartText,
} from "../src/db/queries/email-seq.ts";
import {
	findEmailOfAccount,
	findEmailsByIds,
	insertEmailsStatements,
	runBatch,
} from "../src/db/queries/emails.ts";
import { deleteOldestEmails } from "../src/db/queries/retention.ts";
import { idFloor, uuidv7 } from "../src/lib/ids.ts";
import { api } from "./helpers/api.ts";
import { createDomain, createQueuedEmail, createSender, db } from "./helpers/factories.ts";

/** What the seq's window should be, computed apart from the SQL: time and counter, times 8. */
const expectedFloor = (id: string) =>
	BigInt(`0x${id.slice(0, 8)}${id.slice(9, 13)}${id.slice(15, 18)}`) * 8n;

/** Another id of the same window: the same time and counter, other random bits. */
const windowMate = (id: string) => {
	const random = crypto.getRandomValues(new Uint8Array(8));
	const hex = Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("");
	return `${id.slice(0, 19)}${"89ab"[(random[0] ?? 0) % 4]}${hex.slice(1, 4)}-${hex.slice(4, 16)}`;
};

/** An email's seq, as text (a seq has more bits than a JavaScript number holds). */
async function seqOfRow(id: string) {
	const row = await env.DB.prepare("SELECT CAST(seq AS TEXT) AS seq FROM emails WHERE id = ?")
		.bind(id)
		.first<{ seq: string }>();
	return row && BigInt(row.seq);
}

describe("emails keyed by seq", () => {
	it("computes each id's window in SQL as its time and counter times eight", async () => {
		const ids = [uuidv7(), uuidv7(), idFloor(Date.now()), "ffffffff-ffff-7fff-bfff-ffffffffffff"];
		for (const id of ids) {
			const [row] = await db().all<{ floor: string }>(
				sql`SELECT CAST(${seqFloor(id)} AS TEXT) AS floor`,
			);
			expect(BigInt(row?.floor ?? "-1")).toBe(expectedFloor(id));
			const text = await env.DB.prepare(
				`WITH k(id) AS (SELECT ?) SELECT CAST(${windowStartText("k.id")} AS TEXT) AS floor FROM k`,
			)
				.bind(id)
				.first<{ floor: string }>();
			expect(BigInt(text?.floor ?? "-1")).toBe(expectedFloor(id));
		}
		// The largest window still fits a signed 64-bit rowid with its eight slots.
		expect(expectedFloor("ffffffff-ffff-7fff-bfff-ffffffffffff") + 7n).toBe(2n ** 63n - 1n);
	});

	it("stores an email in its window's first slot, and one sharing the window in the next", async () => {
		const sender = await createSender();
		const first = await createQueuedEmail(sender);
		const mate = await createQueuedEmail(sender, { id: windowMate(first.id) });
		expect(await seqOfRow(first.id)).toBe(expectedFloor(first.id));
		expect(await seqOfRow(mate.id)).toBe(expectedFloor(first.id) + 1n);

		// Each is found by its own id, one at a time and together.
		const one = await findEmailOfAccount(db(), sender.account.id, mate.id);
		expect(one?.id).toBe(mate.id);
		const both = await findEmailsByIds(db(), [first.id, mate.id]);
		expect(both.map((e) => e.id).sort()).toEqual([first.id, mate.id].sort());
		// A third id of the window, never stored, finds nothing.
		expect(await findEmailsByIds(db(), [windowMate(first.id)])).toEqual([]);
		for (const id of [first.id, mate.id]) {
			const got = await api("GET", `/emails/${id}`, { key: sender.key.token });
			expect(got.status).toBe(200);
			expect(got.json).toMatchObject({ id });
		}
	});

	it("refuses an id already stored, as a primary key of ids did", async () => {
		const sender = await createSender();
		const first = await createQueuedEmail(sender);
		await expect(createQueuedEmail(sender, { id: first.id, subject: "Again" })).rejects.toThrow();
		const found = await findEmailsByIds(db(), [first.id]);
		expect(found.map((e) => e.subject)).toEqual([first.subject]);
	});

	it("refuses a ninth email of one window rather than take another window's slot", async () => {
		const sender = await createSender();
		const first = await createQueuedEmail(sender);
		for (let i = 0; i < 7; i++) await createQueuedEmail(sender, { id: windowMate(first.id) });
		const ninth = windowMate(first.id);
		await expect(createQueuedEmail(sender, { id: ninth })).rejects.toThrow();
		expect(await findEmailsByIds(db(), [ninth])).toEqual([]);
		const next = uuidv7();
		await createQueuedEmail(sender, { id: next });
		expect(await seqOfRow(next)).toBe(expectedFloor(next));
	});

	it("lists emails sharing windows across domains once each, page by page, either way", async () => {
		const sender = await createSender();
		// A second domain of the same account: the list merges the domains' pages.
		const domain = { ...sender, domain: await createDomain(sender.account.id) };
		// Each of a window's emails in another state too: `status=pending` reads a range of the
		// state index per state and merges them.
		const ids: string[] = [];
		for (let i = 0; i < 4; i++) {
			const a = await createQueuedEmail(sender);
			const b = await createQueuedEmail(domain, {
				id: windowMate(a.id),
				lastEvent: "delivery_delayed",
			});
			const c = await createQueuedEmail(sender, {
				id: windowMate(a.id),
				lastEvent: "scheduled",
				scheduledAt: Date.now() + 86_400_000,
			});
			ids.push(a.id, b.id, c.id);
		}
		const walk = async (direction: "after" | "before", start?: string, filter = "") => {
			const seen: string[] = [];
			let cursor = start;
			for (let page = 0; page < 30; page++) {
				const query = `${filter}${cursor ? `&${direction}=${cursor}` : ""}`;
				const got = await api("GET", `/emails?limit=1${query}`, { key: sender.key.token });
				const data = (got.json as { data: { id: string }[]; has_more: boolean }).data;
				const row = data[0];
				if (!row) break;
				seen.push(row.id);
				cursor = row.id;
			}
			return seen;
		};
		const older = await walk("after");
		expect([...older].sort()).toEqual([...ids].sort());
		// Back up from the oldest: the same emails in the opposite order.
		const oldest = older.at(-1) as string;
		const newer = await walk("before", oldest);
		expect(newer).toEqual(older.slice(0, -1).reverse());
		expect(await walk("after", undefined, "&status=pending")).toEqual(older);
	});

	it("deletes emails sharing a window with the purge, with their lookup rows", async () => {
		const sender = await createSender();
		const old = Date.now() - 100 * 86_400_000;
		// An id of that time (the generator never goes back): its time, a fresh id's rest.
		const a = await createQueuedEmail(sender, {
			id: `${idFloor(old).slice(0, 14)}${uuidv7().slice(14)}`,
			createdAt: old,
		});
		const b = await createQueuedEmail(sender, { id: windowMate(a.id), createdAt: old });
		const kept = await createQueuedEmail(sender);
		let deleted = 0;
		for (let run = 0; run < 100; run++) {
			const outcome = await deleteOldestEmails(db(), idFloor(old + 1), 1000);
			deleted += outcome.deleted;
			if (outcome.read < 1000) break;
		}
		expect(deleted).toBeGreaterThanOrEqual(2);
		expect(await findEmailsByIds(db(), [a.id, b.id])).toEqual([]);
		expect((await findEmailsByIds(db(), [kept.id])).map((e) => e.id)).toEqual([kept.id]);
		const lookups = await env.DB.prepare(
			"SELECT count(*) AS n FROM email_recipients WHERE email_id IN (?, ?)",
		)
			.bind(a.id, b.id)
			.first<{ n: number }>();
		expect(lookups?.n).toBe(0);
	});

	it("knows a window's first id and the next window's", () => {
		const id = "019ad2f0-1c3e-7fff-9abc-def012345678";
		expect(windowFloorId(id)).toBe("019ad2f0-1c3e-7fff-8000-000000000000");
		expect(nextWindowFloorId(id)).toBe("019ad2f0-1c3f-7000-8000-000000000000");
		expect(windowFloorId(id) <= id).toBe(true);
		expect(nextWindowFloorId(id) > id).toBe(true);
	});
});

// A statement's rows come from one isolate, whose ids never share a window (src/lib/ids.ts).
describe("ids of one isolate", () => {
	it("never share a window, even a thousand in one millisecond", async () => {
		const now = Date.now() + 5_000;
		const windows = new Set(
			Array.from({ length: 1000 }, () => expectedFloor(uuidv7(now)).toString()),
		);
		expect(windows.size).toBe(1000);
		const sender = await createSender();
		const rows = Array.from({ length: 100 }, () => ({
			id: uuidv7(now + 1),
			accountId: sender.account.id,
			domainId: sender.domain.id,
			from: sender.from,
			to: ["ann@example.org"],
			subject: "One of a hundred",
			createdAt: now,
		}));
		await runBatch(db(), insertEmailsStatements(db(), rows));
		expect(
			await findEmailsByIds(
				db(),
				rows.map((r) => r.id),
			),
		).toHaveLength(100);
	});
});
