import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { emails } from "../../src/db/schema.ts";
import type { SendMessage } from "../../src/domain/send-message.ts";
import { acceptEmails } from "../../src/domain/sending.ts";
import { guardFor } from "../../src/durable-objects/index.ts";
import type { Bindings } from "../../src/env.ts";
import { createCaller, db } from "../helpers/factories.ts";

/** The ids of the account's stored emails. */
const storedOf = async (accountId: string) =>
	(await db().select({ id: emails.id }).from(emails).where(eq(emails.accountId, accountId))).map(
		(r) => r.id,
	);

/** A queue binding whose every call fails, as during a Queues incident. */
const brokenQueue = {
	send: async () => {
		throw new Error("queue unavailable");
	},
	sendBatch: async () => {
		throw new Error("queue unavailable");
	},
} as unknown as Queue<SendMessage>;

describe("acceptEmails", () => {
	it("refuses as unavailable and keeps nothing when the send queue refuses the emails", async () => {
		const { sender, caller } = await createCaller();
		const input = { from: sender.from, to: ["a@example.org"], subject: "x", text: "x" };
		const guard = guardFor(env as Bindings, sender.account.id);
		const attempt = acceptEmails(
			{ db: db(), queue: brokenQueue, guard },
			caller,
			[input, input],
			"all-or-nothing",
		);
		expect(await attempt).toEqual({
			kind: "rejected",
			reason: { code: "unavailable", what: "storage" },
		});
		// The rows written before the queue call are gone: the client's retry is the only copy.
		expect(await storedOf(sender.account.id)).toEqual([]);
		// …and the quota the guard counted for them is given back.
		expect(await guard.usage()).toBe(0);
	});

	it("refuses as unavailable, storing nothing, when the account's guard cannot be reached", async () => {
		const { sender, caller } = await createCaller();
		const unreachable = {
			admit: async () => {
				throw new Error("Durable Object unavailable");
			},
			hit: async () => {
				throw new Error("Durable Object unavailable");
			},
			release: async () => {},
		};
		const attempt = acceptEmails(
			{ db: db(), queue: env.SEND_QUEUE as Queue<SendMessage>, guard: unreachable },
			caller,
			[{ from: sender.from, to: ["a@example.org"], subject: "x", text: "x" }],
			"all-or-nothing",
		);
		expect(await attempt).toEqual({
			kind: "rejected",
			reason: { code: "unavailable", what: "account_guard" },
		});
		expect(await storedOf(sender.account.id)).toEqual([]);
	});

	it("refuses as unavailable, keeping no file, row or message, when R2 refuses a file", async () => {
		const { sender, caller } = await createCaller();
		const puts: string[] = [];
		const deleted: string[] = [];
		const failingBucket = {
			put: async (key: string) => {
				puts.push(key);
				if (puts.length === 2) throw new Error("R2 unavailable");
				return null;
			},
			get: async () => null,
			delete: async (keys: string | string[]) => {
				deleted.push(...[keys].flat());
			},
		} as unknown as R2Bucket;
		const sent: unknown[] = [];
		const queue = {
			sendBatch: async (batch: unknown[]) => {
				sent.push(...batch);
			},
		} as unknown as Queue<SendMessage>;
		const guard = guardFor(env as Bindings, sender.account.id);
		const file = (name: string) => ({ filename: name, content: new TextEncoder().encode(name) });
		const attempt = await acceptEmails(
			{ db: db(), queue, guard, files: failingBucket },
			caller,
			[
				{
					from: sender.from,
					to: ["a@example.org"],
					subject: "x",
					text: "x",
					attachments: [file("a.txt"), file("b.txt")],
				},
			],
			"all-or-nothing",
		);
		expect(attempt).toEqual({ kind: "rejected", reason: { code: "unavailable", what: "storage" } });
		expect(sent).toEqual([]);
		expect(deleted.sort()).toEqual([...puts].sort());
		expect(await storedOf(sender.account.id)).toEqual([]);
		expect(await guard.usage()).toBe(0);
	});

	it("refuses as unavailable, counting no quota, when D1 cannot confirm a warm key or look up the domains", async () => {
		const { sender, caller } = await createCaller();
		const guard = guardFor(env as Bindings, sender.account.id);
		const input = { from: sender.from, to: ["a@example.org"], subject: "x", text: "x" };
		const keyReadFails = acceptEmails(
			// A warm key is read in batch 1, with the domain and suppression lookups.
			{ db: failingBatches(new Set([1])), queue: brokenQueue, guard },
			{ cached: caller, check: { tokenHash: "0".repeat(64), settle: () => caller } },
			[input],
			"all-or-nothing",
		);
		expect(await keyReadFails).toEqual({
			kind: "rejected",
			reason: { code: "unavailable", what: "storage" },
		});
		const lookupsFail = acceptEmails(
			// Batch 1 is the domain and suppression lookups.
			{ db: failingBatches(new Set([1])), queue: brokenQueue, guard },
			caller,
			[input],
			"all-or-nothing",
		);
		expect(await lookupsFail).toEqual({
			kind: "rejected",
			reason: { code: "unavailable", what: "storage" },
		});
		expect(await storedOf(sender.account.id)).toEqual([]);
		expect(await guard.usage()).toBe(0);
	});

	it("refuses as unavailable, keeping no row and no quota, when D1 refuses the rows the queue already has", async () => {
		const { sender, caller } = await createCaller();
		const sent: unknown[] = [];
		const queue = {
			sendBatch: async (batch: unknown[]) => {
				sent.push(...batch);
			},
		} as unknown as Queue<SendMessage>;
		const guard = guardFor(env as Bindings, sender.account.id);
		const attempt = await acceptEmails(
			// Batch 1 is the lookups, batch 2 the rows.
			{ db: failingBatches(new Set([2])), queue, guard },
			caller,
			[{ from: sender.from, to: ["a@example.org"], subject: "x", text: "x" }],
			"all-or-nothing",
		);
		expect(attempt).toEqual({ kind: "rejected", reason: { code: "unavailable", what: "storage" } });
		// The message went out with the rows at once; the consumer drops a message whose row
		// never appears (test/queues/send.test.ts), so nothing is sent.
		expect(sent).toHaveLength(1);
		expect(await storedOf(sender.account.id)).toEqual([]);
		expect(await guard.usage()).toBe(0);
	});

	it("keeps the email accepted when the queue failed and the rows could not be taken back", async () => {
		const { sender, caller } = await createCaller();
		const guard = guardFor(env as Bindings, sender.account.id);
		const attempt = await acceptEmails(
			// Batch 3 is the rollback of the rows the failed queue call left.
			{ db: failingBatches(new Set([3])), queue: brokenQueue, guard },
			caller,
			[{ from: sender.from, to: ["a@example.org"], subject: "x", text: "x" }],
			"all-or-nothing",
		);
		expect(attempt).toMatchObject({ kind: "answered", results: [{ kind: "accepted" }] });
		// The row is there, still waiting for SES: the stuck-email sweep queues it.
		const stored = await db()
			.select({ id: emails.id, status: emails.status })
			.from(emails)
			.where(eq(emails.accountId, sender.account.id));
		expect(stored).toEqual([{ id: expect.any(String), status: "pending" }]);
		expect(await guard.usage()).toBe(1);
	});
});

/** The test database, with the given `db.batch` calls (counted from 1) failing as in a D1 outage. */
function failingBatches(failing: Set<number>) {
	const real = db();
	let calls = 0;
	return new Proxy(real, {
		get(target, property, receiver) {
			if (property !== "batch") return Reflect.get(target, property, receiver);
			return (...args: Parameters<typeof real.batch>) => {
				calls += 1;
				if (failing.has(calls)) return Promise.reject(new Error("D1 unavailable"));
				return target.batch(...args);
			};
		},
	});
}
