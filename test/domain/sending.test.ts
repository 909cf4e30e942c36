import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { emails } from "../../src/db/schema.ts";
import { acceptEmails, type SendMessage } from "../../src/domain/sending.ts";
import { guardFor } from "../../src/durable-objects/index.ts";
import type { Bindings, Caller } from "../../src/env.ts";
import { ApiError } from "../../src/lib/errors.ts";
import { createSender, db } from "../helpers/factories.ts";

async function callerFor() {
	const sender = await createSender();
	const caller: Caller = {
		accountId: sender.account.id,
		apiKeyId: sender.key.id,
		userId: null,
		isStaff: false,
		permission: "full_access",
		restrictedToDomainId: null,
		account: {
			plan: "pro",
			verificationStatus: "approved",
			subscriptionStatus: "active",
			suspendedAt: null,
			suspensionReason: null,
			suspensionDetails: null,
		},
	};
	return { sender, caller };
}

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
	it("answers 503 and keeps nothing when the send queue refuses the emails", async () => {
		const { sender, caller } = await callerFor();
		const input = { from: sender.from, to: ["a@example.org"], subject: "x", text: "x" };
		const guard = guardFor(env as Bindings, sender.account.id);
		const attempt = acceptEmails(
			{ db: db(), queue: brokenQueue, guard },
			caller,
			[input, input],
			"all-or-nothing",
		);
		await expect(attempt).rejects.toMatchObject({ name: "service_unavailable", status: 503 });
		await expect(attempt).rejects.toBeInstanceOf(ApiError);
		// The rows written before the queue call are gone: the client's retry is the only copy.
		const stored = await db()
			.select({ id: emails.id })
			.from(emails)
			.where(eq(emails.accountId, sender.account.id));
		expect(stored).toEqual([]);
		// …and the quota the guard counted for them is given back.
		expect(await guard.usage()).toBe(0);
	});

	it("refuses with 503, storing nothing, when the account's guard cannot be reached", async () => {
		const { sender, caller } = await callerFor();
		const unreachable = {
			admit: async () => {
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
		await expect(attempt).rejects.toMatchObject({ name: "service_unavailable", status: 503 });
		const stored = await db()
			.select({ id: emails.id })
			.from(emails)
			.where(eq(emails.accountId, sender.account.id));
		expect(stored).toEqual([]);
	});
});
