/**
 * Singles that arrive together share queue messages (src/lib/group-commit.ts, used by
 * src/domain/email-storage.ts): through POST /emails, the real local send queue and its
 * consumer, and the SES simulator; and through acceptEmails with a queue that fails.
 */
import { env } from "cloudflare:workers";
import { inArray } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SesSimulator } from "../simulator/app.ts";
import { emails } from "../src/db/schema.ts";
import { idsIn, type SendMessage } from "../src/domain/send-message.ts";
import { acceptEmails } from "../src/domain/sending.ts";
import { guardFor } from "../src/durable-objects/index.ts";
import type { Bindings } from "../src/env.ts";
import { api } from "./helpers/api.ts";
import { createCaller, createSender, db } from "./helpers/factories.ts";
import { installSimulator } from "./helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(() => {
	({ sim, restore } = installSimulator());
});
afterEach(() => {
	vi.restoreAllMocks();
	restore();
});

describe("singles sent at once share queue messages", () => {
	it("writes fewer messages than emails for concurrent POST /emails, and delivers each email exactly once", async () => {
		const queue = (env as unknown as Bindings).SEND_QUEUE;
		const messages: SendMessage[] = [];
		const sendBatch = queue.sendBatch.bind(queue);
		vi.spyOn(queue, "sendBatch").mockImplementation((batch, options) => {
			const list = [...batch];
			messages.push(...list.map((m) => m.body as SendMessage));
			return sendBatch(list, options);
		});
		const sender = await createSender();
		const SINGLES = 20;
		const answers = await Promise.all(
			Array.from({ length: SINGLES }, (_, i) =>
				api("POST", "/emails", {
					key: sender.key.token,
					body: { from: sender.from, to: `shared-${i}@example.org`, subject: "Hi", text: "Hi" },
				}),
			),
		);
		expect(answers.map((a) => a.status)).toEqual(Array(SINGLES).fill(200));
		const ids = answers.map((a) => a.json.id as string);

		const queued = messages.flatMap(idsIn);
		expect(queued.sort()).toEqual([...ids].sort());
		expect(messages.length).toBeLessThan(SINGLES / 2);

		const delivered = () => sim.store.listMessages({ from: sender.from });
		await vi.waitFor(() => expect(delivered()).toHaveLength(SINGLES), { timeout: 20_000 });
		const rows = await db()
			.select({ id: emails.id, lastEvent: emails.lastEvent })
			.from(emails)
			.where(inArray(emails.id, ids));
		expect(rows.map((r) => r.lastEvent)).toEqual(Array(SINGLES).fill("sent"));
		// A message's emails share its send group, as the messages the isolate sent within the
		// same tenth of a second do (src/domain/send-groups.ts): never more groups than messages.
		const groups = await db()
			.select({ id: emails.id, sendGroup: emails.sendGroup })
			.from(emails)
			.where(inArray(emails.id, ids));
		const groupOf = new Map(groups.map((r) => [r.id, r.sendGroup]));
		for (const message of messages) {
			expect(new Set(idsIn(message).map((id) => groupOf.get(id))).size).toBe(1);
		}
		expect(new Set(groupOf.values()).size).toBeLessThanOrEqual(messages.length);
		// Exactly once: one message in SES per recipient, a moment after the last arrived.
		await new Promise((resolve) => setTimeout(resolve, 1_500));
		const recipients = delivered().flatMap((m) => m.to);
		expect(recipients.sort()).toEqual(
			Array.from({ length: SINGLES }, (_, i) => `shared-${i}@example.org`).sort(),
		);
	}, 30_000);

	it("fails every email of a shared message whose send failed, and keeps none of their rows", async () => {
		const { sender, caller } = await createCaller();
		const sent: SendMessage[] = [];
		let calls = 0;
		const queue = {
			sendBatch: async (batch: { body: SendMessage }[]) => {
				calls += 1;
				const call = calls;
				await new Promise((resolve) => setTimeout(resolve, 20));
				// The first goes at once; the second call is the others' shared message: it fails.
				if (call === 2) throw new Error("queue unavailable");
				sent.push(...batch.map((m) => m.body));
			},
		} as unknown as Queue<SendMessage>;
		const kept: Promise<unknown>[] = [];
		const deps = {
			db: db(),
			queue,
			guard: guardFor(env as Bindings, sender.account.id),
			keepAlive: (work: Promise<unknown>) => {
				kept.push(work);
			},
		};
		const outcomes = await Promise.all(
			Array.from({ length: 5 }, (_, i) =>
				acceptEmails(
					deps,
					caller,
					[{ from: sender.from, to: [`fails-${i}@example.org`], subject: "Hi", text: "Hi" }],
					"each-on-its-own",
				),
			),
		);
		await Promise.all(kept);
		expect(calls).toBe(2);
		const accepted = outcomes.flatMap((o) =>
			o.kind === "answered" && o.results[0]?.kind === "accepted" ? [o.results[0].id] : [],
		);
		expect(accepted).toHaveLength(1);
		expect(sent.flatMap(idsIn).sort()).toEqual([...accepted].sort());
		expect(outcomes.filter((o) => o.kind === "rejected")).toEqual(
			Array(4).fill({ kind: "rejected", reason: { code: "unavailable", what: "storage" } }),
		);
		const rows = await db()
			.select({ id: emails.id })
			.from(emails)
			.where(inArray(emails.accountId, [sender.account.id]));
		expect(rows.map((r) => r.id).sort()).toEqual([...accepted].sort());
	});
});
