/**
 * The account guard is the authority on suspension; D1 only mirrors it. Staff can lift a
 * suspension whatever the mirror says, and a suspension whose mirror never landed is recorded
 * by the next request that meets it.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts } from "../src/db/schema.ts";
import { guardFor } from "../src/durable-objects/index.ts";
import type { Bindings } from "../src/env.ts";
import { api, asBrowser } from "./helpers/api.ts";
import { createAccount, createSender, db } from "./helpers/factories.ts";
import { createSession } from "./helpers/sessions.ts";

const bindings = env as Bindings;

/** Suspends the account in its guard only, as if the D1 mirror had failed. */
async function suspendInGuardOnly(accountId: string) {
	const guard = guardFor(bindings, accountId);
	const at = Date.now();
	await guard.recordSends([{ recipients: 50, at }], at);
	const { unrecorded } = await guard.recordFeedback(
		[
			{ key: "b1", kind: "hard_bounce", at },
			{ key: "b2", kind: "hard_bounce", at },
		],
		at,
	);
	expect(unrecorded).not.toBeNull();
}

describe("a suspension whose D1 mirror failed", () => {
	it("can be lifted by staff: reinstate asks the guard, not the mirror", async () => {
		const sender = await createSender();
		await suspendInGuardOnly(sender.account.id);
		const staff = asBrowser(await createSession((await createAccount()).id, { role: "staff" }));
		const lifted = await staff("POST", `/staff/accounts/${sender.account.id}/reinstate`, {
			body: { note: "Lists cleaned" },
		});
		expect(lifted.status).toBe(200);
		expect(await guardFor(bindings, sender.account.id).standing()).toBeNull();
		const send = await api("POST", "/emails", {
			key: sender.key.token,
			body: { from: sender.from, to: "a@example.org", subject: "Hi", text: "Hi" },
		});
		expect(send.status).toBe(200);
	});

	it("is mirrored by the next send request that meets it", async () => {
		const sender = await createSender();
		await suspendInGuardOnly(sender.account.id);
		const send = await api("POST", "/emails", {
			key: sender.key.token,
			body: { from: sender.from, to: "a@example.org", subject: "Hi", text: "Hi" },
		});
		expect(send.json.name).toBe("account_suspended");
		const [row] = await db().select().from(accounts).where(eq(accounts.id, sender.account.id));
		expect(row?.suspensionReason).toContain("4.00%");
	});

	it("answers 409 when neither the guard nor the mirror has a suspension", async () => {
		const sender = await createSender();
		const staff = asBrowser(await createSession((await createAccount()).id, { role: "staff" }));
		const res = await staff("POST", `/staff/accounts/${sender.account.id}/reinstate`, {
			body: { note: "x" },
		});
		expect(res.status).toBe(409);
	});
});
