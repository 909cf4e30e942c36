/**
 * The attachments' purge (src/cron/purge-attachments.ts) against the real local R2 bucket, and
 * with the D1 purge (src/cron/purge.ts): no object outlives its email.
 */
import { env } from "cloudflare:workers";
import { inArray } from "drizzle-orm";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { purgeExpiredData, RETENTION } from "../../src/cron/purge.ts";
import { purgeExpiredAttachments } from "../../src/cron/purge-attachments.ts";
import { emailAttachments, emails } from "../../src/db/schema.ts";
import { attachmentKey } from "../../src/domain/email-storage.ts";
import { idFloor, uuidv7 } from "../../src/lib/ids.ts";
import { DAY, HOUR } from "../../src/lib/time.ts";
import { api } from "../helpers/api.ts";
import { createSender, db, uuidv7At } from "../helpers/factories.ts";

const bucket = () => env.ATTACHMENTS;

/** Stores an object as acceptance does, under an email created at `createdAt`; its key. */
async function putObject(createdAt: number, emailId = uuidv7At(createdAt)): Promise<string> {
	const key = attachmentKey(emailId, uuidv7());
	await bucket().put(key, "bytes");
	return key;
}

/** Every key in the bucket, in R2's (lexicographic) order. */
async function allKeys(): Promise<string[]> {
	const keys: string[] = [];
	let cursor: string | undefined;
	do {
		const page = await bucket().list({ cursor });
		keys.push(...page.objects.map((o) => o.key));
		cursor = page.truncated ? page.cursor : undefined;
	} while (cursor);
	return keys;
}

/** The bucket, counting its calls and the keys of each delete. */
function countingBucket() {
	const calls = { lists: 0, deletes: [] as number[] };
	const counted: Pick<R2Bucket, "list" | "delete"> = {
		list: (options) => {
			calls.lists += 1;
			return bucket().list(options);
		},
		delete: (keys) => {
			calls.deletes.push(Array.isArray(keys) ? keys.length : 1);
			return bucket().delete(keys);
		},
	};
	return { bucket: counted, calls };
}

const sorted = (keys: string[]) => [...keys].sort();

describe("purgeExpiredAttachments", () => {
	// The bucket is shared by this file's tests: each starts from an empty one.
	beforeEach(async () => {
		const keys = await allKeys();
		for (let i = 0; i < keys.length; i += 1000) await bucket().delete(keys.slice(i, i + 1000));
	});

	it("deletes the objects of emails older than 90 days and keeps the rest", async () => {
		const now = Date.now();
		const cutoff = now - RETENTION;
		const old = [await putObject(now - 200 * DAY), await putObject(now - 91 * DAY)];
		const justOld = await putObject(cutoff - 1);
		// Two files of one email: both go together.
		const twoFilesId = uuidv7At(now - 100 * DAY);
		const twoFiles = [await putObject(0, twoFilesId), await putObject(0, twoFilesId)];
		const atCutoff = await putObject(cutoff);
		const recent = await putObject(now - 89 * DAY);
		const today = await putObject(now);

		const report = await purgeExpiredAttachments(bucket(), now);

		expect(report).toMatchObject({ objects: 5, finished: true });
		expect(await allKeys()).toEqual(sorted([atCutoff, recent, today]));
		for (const key of [...old, justOld, ...twoFiles]) expect(await bucket().head(key)).toBeNull();
	});

	it("deletes orphans: objects of old emails whose row was never stored", async () => {
		const now = Date.now();
		const orphanOld = await putObject(now - 91 * DAY);
		// Its acceptance may still be under way, or it failed minutes ago: kept until it is old.
		const orphanRecent = await putObject(now - HOUR);
		const ids = [orphanOld, orphanRecent].map((key) => key.slice(0, 36));
		expect(await db().select().from(emails).where(inArray(emails.id, ids))).toEqual([]);

		expect(await purgeExpiredAttachments(bucket(), now)).toMatchObject({
			objects: 1,
			finished: true,
		});
		expect(await allKeys()).toEqual([orphanRecent]);
	});

	it("stops at the first newer key: one list and one delete per page, oldest first", async () => {
		const now = Date.now();
		const old: string[] = [];
		for (let i = 0; i < 5; i++) old.push(await putObject(now - (120 - i) * DAY));
		const kept: string[] = [];
		for (let i = 0; i < 5; i++) kept.push(await putObject(now - i * DAY));
		const { bucket: counted, calls } = countingBucket();

		const report = await purgeExpiredAttachments(counted, now, { pageSize: 2 });

		// Pages [old, old], [old, old], [old, new]: the third stops the purge.
		expect(report).toMatchObject({ objects: 5, finished: true });
		expect(calls).toEqual({ lists: 3, deletes: [2, 2, 1] });
		expect(await allKeys()).toEqual(sorted(kept));
	});

	it("stops at its page budget with finished: false, and the next run goes on from the oldest", async () => {
		const now = Date.now();
		const old: string[] = [];
		for (let i = 0; i < 5; i++) old.push(await putObject(now - (120 - i) * DAY));
		const recent = await putObject(now - DAY);

		const first = await purgeExpiredAttachments(bucket(), now, { pageSize: 2, maxPages: 2 });
		expect(first).toMatchObject({ objects: 4, finished: false });
		// Cleared up to the fourth object's email: the D1 purge may delete emails below it only.
		expect(first.clearedBefore).toBe(old[3]?.slice(0, 36));
		// The oldest four went first.
		expect(await allKeys()).toEqual(sorted([old[4] ?? "", recent]));

		const second = await purgeExpiredAttachments(bucket(), now, { pageSize: 2, maxPages: 2 });
		expect(second).toMatchObject({
			objects: 1,
			finished: true,
			clearedBefore: idFloor(now - RETENTION),
		});
		expect(await allKeys()).toEqual([recent]);
	});

	it("ends when the bucket does, and with nothing to delete makes one list and no delete", async () => {
		const now = Date.now();
		const { bucket: counted, calls } = countingBucket();
		expect(await purgeExpiredAttachments(counted, now)).toMatchObject({
			objects: 0,
			finished: true,
		});
		expect(calls).toEqual({ lists: 1, deletes: [] });

		const old = [await putObject(now - 95 * DAY), await putObject(now - 94 * DAY)];
		expect(await purgeExpiredAttachments(bucket(), now, { pageSize: 2 })).toMatchObject({
			objects: 2,
			finished: true,
		});
		for (const key of old) expect(await bucket().head(key)).toBeNull();
	});

	it("starts no page once its time budget is spent", async () => {
		const now = Date.now();
		const old = await putObject(now - 91 * DAY);
		const { bucket: counted, calls } = countingBucket();
		expect(await purgeExpiredAttachments(counted, now, { maxMillis: 0 })).toMatchObject({
			objects: 0,
			finished: false,
		});
		expect(calls).toEqual({ lists: 0, deletes: [] });
		expect(await allKeys()).toEqual([old]);
	});
});

describe("the attachments' purge with the D1 purge", () => {
	it("leaves no object whose email is gone, 91 days after emails sent with attachments", async () => {
		const { key, from } = await createSender();
		const sent: string[] = [];
		for (let i = 0; i < 3; i++) {
			const response = await api("POST", "/emails", {
				key: key.token,
				body: {
					from,
					to: `purge-${i}@example.org`,
					subject: "Your invoice",
					html: "<p>Attached.</p>",
					attachments: [
						{ filename: "invoice.txt", content: btoa(`invoice ${i}`) },
						{ filename: "terms.txt", content: btoa("terms") },
					],
				},
			});
			expect(response.status).toBe(200);
			sent.push(String(response.json.id));
		}
		// An orphan: an object whose email row was never stored.
		const orphan = await putObject(Date.now() - HOUR);
		// Let the real queue's consumer send them (it reads the objects) before time moves on.
		await vi.waitFor(
			async () => {
				for (const id of sent) {
					const got = await api("GET", `/emails/${id}`, { key: key.token });
					expect(got.json.last_event).not.toBe("queued");
				}
			},
			{ timeout: 10_000, interval: 50 },
		);
		const rows = await db()
			.select({ emailId: emailAttachments.emailId, r2Key: emailAttachments.r2Key })
			.from(emailAttachments)
			.where(inArray(emailAttachments.emailId, sent));
		expect(rows).toHaveLength(6);
		const stored = await allKeys();
		for (const row of rows) expect(stored).toContain(row.r2Key);

		// 91 days later, the five-minute cron's two purges in its order, each object run cut short
		// (one page of two keys), until both finish; after every run, no object outlives its email.
		const later = Date.now() + 91 * DAY;
		let left: string[] = [];
		for (let run = 0; ; run++) {
			expect(run).toBeLessThan(20);
			const objects = await purgeExpiredAttachments(bucket(), later, { pageSize: 2, maxPages: 1 });
			const data = await purgeExpiredData(db(), {
				now: later,
				emailsBefore: objects.clearedBefore,
			});
			left = await allKeys();
			const emailIds = [...new Set(left.map((k) => k.slice(0, 36)))].filter(
				(id) => !orphan.startsWith(id),
			);
			const existing = emailIds.length
				? await db().select({ id: emails.id }).from(emails).where(inArray(emails.id, emailIds))
				: [];
			const withRow = new Set(existing.map((e) => e.id));
			expect(
				emailIds.filter((id) => !withRow.has(id)),
				`after run ${run}`,
			).toEqual([]);
			if (objects.finished && data.finished) break;
		}

		// And what was sent is gone, rows and objects, the orphan too.
		for (const row of rows) expect(left).not.toContain(row.r2Key);
		expect(left).not.toContain(orphan);
		expect(await db().select().from(emails).where(inArray(emails.id, sent))).toEqual([]);
		expect(
			await db().select().from(emailAttachments).where(inArray(emailAttachments.emailId, sent)),
		).toEqual([]);
	});
});
