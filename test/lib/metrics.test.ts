/**
 * The benchmark's usage counters (bench/metrics/) and its Worker entry (bench/worker.ts),
 * against the real D1, queue and Durable Object bindings; and the product entry
 * (src/index.ts), which must serve none of it.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { instrumentD1 } from "../../bench/metrics/d1.ts";
import { instrumentEnv } from "../../bench/metrics/index.ts";
import { countQueueBatch, instrumentQueue } from "../../bench/metrics/queues.ts";
import { readMetrics, resetMetrics } from "../../bench/metrics/totals.ts";
import benchWorker, { AccountGuard as BenchAccountGuard } from "../../bench/worker.ts";
import { createDb } from "../../src/db/client.ts";
import { runBatch } from "../../src/db/queries/emails.ts";
import { accounts } from "../../src/db/schema.ts";
import { guardFor } from "../../src/durable-objects/index.ts";
import type { Bindings } from "../../src/env.ts";
import { AccountGuard } from "../../src/index.ts";
import { uuidv7 } from "../../src/lib/ids.ts";
import { api, BASE_URL } from "../helpers/api.ts";
import { createSender } from "../helpers/factories.ts";

const newAccount = () => ({
	id: uuidv7(),
	name: "Metrics test",
	plan: "pro" as const,
	verificationStatus: "approved" as const,
	createdAt: Date.now(),
});

beforeEach(() => resetMetrics());

describe("instrumentD1", () => {
	it("counts statements and D1's rows read and written, and leaves results unchanged", async () => {
		const counted = createDb(instrumentD1(env.DB));
		const plain = createDb(env.DB);
		const account = newAccount();

		await counted.insert(accounts).values(account);
		const viaCounted = await counted.select().from(accounts).where(eq(accounts.id, account.id));

		const { d1 } = readMetrics();
		expect(d1.statements).toBe(2);
		expect(d1.calls).toBe(2);
		expect(d1.rowsWritten).toBeGreaterThanOrEqual(1);
		expect(d1.rowsRead).toBeGreaterThanOrEqual(1);
		expect(viaCounted).toEqual(
			await plain.select().from(accounts).where(eq(accounts.id, account.id)),
		);
		expect(viaCounted).toEqual([expect.objectContaining(account)]);
	});

	it("runs INSERT … RETURNING once and returns the same row", async () => {
		const counted = createDb(instrumentD1(env.DB));
		const account = newAccount();

		const returned = await counted.insert(accounts).values(account).returning();

		expect(returned).toEqual([expect.objectContaining(account)]);
		expect(returned[0]?.suspendedAt).toBeNull();
		const stored = await createDb(env.DB)
			.select()
			.from(accounts)
			.where(eq(accounts.id, account.id));
		expect(stored).toHaveLength(1);
		expect(readMetrics().d1).toMatchObject({ statements: 1, calls: 1 });
	});

	it("counts each statement of a batch, in one call", async () => {
		const counted = createDb(instrumentD1(env.DB));
		const [a, b] = [newAccount(), newAccount()];

		const [, , found] = await counted.batch([
			counted.insert(accounts).values(a),
			counted.insert(accounts).values(b),
			counted.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, b.id)),
		]);

		expect(found).toEqual([{ id: b.id }]);
		const { d1 } = readMetrics();
		expect(d1).toMatchObject({ statements: 3, calls: 1 });
		expect(d1.rowsWritten).toBeGreaterThanOrEqual(2);
	});
	it("keeps the database's size after the first and the largest since the reset: what a run stored", async () => {
		const counted = createDb(instrumentD1(env.DB));
		await counted.select({ id: accounts.id }).from(accounts).limit(1);
		const before = readMetrics().d1;
		expect(before.sizeFirst).toBeGreaterThan(0);
		// Some hundred kilobytes of new rows: the file grows by whole pages.
		const big = "x".repeat(4_000);
		await runBatch(
			counted,
			Array.from({ length: 50 }, () =>
				counted.insert(accounts).values({ ...newAccount(), name: big }),
			),
		);
		const after = readMetrics().d1;
		expect(after.sizeFirst).toBe(before.sizeFirst);
		expect(after.sizeLast - after.sizeFirst).toBeGreaterThanOrEqual(50 * 4_000);
	});
});

describe("queue counters", () => {
	it("counts messages written by send and sendBatch", async () => {
		const sent: unknown[] = [];
		const fake = {
			metrics: async () => ({ backlogCount: 0, backlogBytes: 0 }),
			send: async (body: unknown) => {
				sent.push(body);
				return { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } };
			},
			sendBatch: async (messages: Iterable<{ body: unknown }>) => {
				for (const m of messages) sent.push(m.body);
				return { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } };
			},
		} satisfies Queue;
		const queue = instrumentQueue(fake);

		await queue.send({ n: 1 });
		await queue.sendBatch([{ body: { n: 2 } }, { body: { n: 3 } }]);

		expect(sent).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
		expect(readMetrics().queue.written).toBe(3);
	});

	it("counts deliveries, acks and retries, including the implicit ack of a finished batch", async () => {
		const batch = createMessageBatch("metrics-test", [
			{ id: "m1", timestamp: new Date(), attempts: 1, body: 1 },
			{ id: "m2", timestamp: new Date(), attempts: 1, body: 2 },
			{ id: "m3", timestamp: new Date(), attempts: 1, body: 3 },
		]);
		const ctx = createExecutionContext();

		await countQueueBatch(batch, (counted) => {
			counted.messages[0]?.ack();
			counted.messages[1]?.retry();
		});

		expect(readMetrics().queue).toEqual({ written: 0, delivered: 3, acked: 2, retried: 1 });
		const result = await getQueueResult(batch, ctx);
		expect(result.explicitAcks).toEqual(["m1"]);
		expect(result.retryMessages).toEqual([{ msgId: "m2" }]);
	});
});

describe("Durable Object counters", () => {
	it("counts each RPC call on an ACCOUNT_GUARD stub, not get() or idFromName(), and leaves results unchanged", async () => {
		const name = `metrics-test-${uuidv7()}`;
		const guard = guardFor(instrumentEnv(env as Bindings), name);
		expect(readMetrics().durableObjects.calls).toBe(0);

		const admission = await guard.admit({ plan: "pro", recipients: 3 });
		const usage = await guard.usage();

		expect(admission).toMatchObject({ kind: "admitted", used: 3 });
		expect(usage).toBe(3);
		expect(guard.id.toString()).toBe(env.ACCOUNT_GUARD.idFromName(name).toString());
		expect(readMetrics().durableObjects.calls).toBe(2);
		// The same object through the plain binding: the same state, and nothing counted.
		expect(await guardFor(env as Bindings, name).usage()).toBe(3);
		expect(readMetrics().durableObjects.calls).toBe(2);
	});

	it("counts the one guard call of a send request through the bench entry", async () => {
		const sender = await createSender("pro");
		const send = (path: string, body: unknown) =>
			benchWorker.fetch(
				new Request(`${BASE_URL}${path}`, {
					method: "POST",
					headers: {
						authorization: `Bearer ${sender.key.token}`,
						"content-type": "application/json",
					},
					body: JSON.stringify(body),
				}),
				env as Bindings,
				createExecutionContext(),
			);
		const email = (to: string) => ({ from: sender.from, to, subject: "Hi", text: "Hi" });

		expect((await send("/emails", email("a@example.org"))).status).toBe(200);
		expect(readMetrics().durableObjects.calls).toBe(1);
		expect(
			(await send("/emails/batch", [email("b@example.org"), email("c@example.org")])).status,
		).toBe(200);
		expect(readMetrics()).toMatchObject({ worker: { fetches: 2 }, durableObjects: { calls: 2 } });
	});
});

describe("the bench entry", () => {
	it("serves the totals at GET /__metrics and zeroes them at POST /__metrics/reset", async () => {
		const call = (method: string, path: string) =>
			benchWorker.fetch(
				new Request(`${BASE_URL}${path}`, { method }),
				env as Bindings,
				createExecutionContext(),
			);
		expect((await call("GET", "/")).status).toBe(200);

		const read = await call("GET", "/__metrics");
		expect(read.status).toBe(200);
		expect(await read.json()).toMatchObject({ worker: { fetches: 1 } });
		const reset = await call("POST", "/__metrics/reset");
		expect(await reset.json()).toMatchObject({ worker: { fetches: 0 } });
	});

	it("exports the product's Durable Object class under the name wrangler.toml binds", () => {
		expect(BenchAccountGuard).toBe(AccountGuard);
		expect(BenchAccountGuard.name).toBe("AccountGuard");
	});
});

it("the product Worker serves no /__metrics", async () => {
	expect((await api("GET", "/__metrics")).status).toBe(404);
	expect((await api("POST", "/__metrics/reset")).status).toBe(404);
});
