/**
 * SendFleet's own notices to account owners are recorded with the decision they announce and
 * sent exactly once, whatever fails on the way: the send queue during a staff decision, D1
 * while an SNS bounce suspends the account.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { and, eq, ne } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../simulator/app.ts";
import { createApp } from "../src/app.ts";
import { accountActions, accounts, emails, notices } from "../src/db/schema.ts";
import { noticeDepsFromEnv } from "../src/deps.ts";
import { VERIFICATION_SUBJECT } from "../src/domain/email-verification.ts";
import { dispatchNotices } from "../src/domain/notices.ts";
import { guardFor } from "../src/durable-objects/index.ts";
import type { Bindings } from "../src/env.ts";
import { MINUTE } from "../src/lib/time.ts";
import { SEND_QUEUE } from "../src/queues/index.ts";
import { api, asBrowser, logIn, signUp } from "./helpers/api.ts";
import {
	createApiKey,
	createDomain,
	createPlatformAccount,
	createQueuedEmail,
	db,
} from "./helpers/factories.ts";
import { runQueue } from "./helpers/queue.ts";
import { installSimulator } from "./helpers/simulator.ts";

const bindings = env as Bindings;

/** Calls the Worker with other bindings, and waits for its waitUntil work. */
async function call(request: Request, with_: Bindings) {
	const ctx = createExecutionContext();
	const response = await createApp().fetch(request, with_, ctx);
	await waitOnExecutionContext(ctx);
	return response;
}

// The owner's other notices: sign-up mails them a verification link too.
const noticesOf = (accountId: string) =>
	db()
		.select()
		.from(notices)
		.where(and(eq(notices.accountId, accountId), ne(notices.subject, VERIFICATION_SUBJECT)));

async function staffSession() {
	const signedUp = await signUp("staff@sendfleet.test");
	return signedUp.status === 201 ? signedUp : logIn("staff@sendfleet.test");
}

describe("a staff decision's notice", () => {
	beforeEach(async () => {
		await createPlatformAccount().catch(() => {}); // once per file
	});

	it("is recorded with the decision when the mail path is down, answers 200, and goes out once later", async () => {
		const owner = await signUp();
		const submitted = await asBrowser(owner)("POST", "/account/verification-request", {
			body: {
				use_case: "Receipts for our invoicing app's customers.",
				company_name: "Acme Ltd",
				website: "https://acme.example",
				expected_monthly_volume: 12000,
			},
		});
		expect(submitted.status).toBe(201);
		const staff = await staffSession();

		const queueDown = {
			...bindings,
			SEND_QUEUE: {
				send: async () => {
					throw new Error("queue unavailable");
				},
				sendBatch: async () => {
					throw new Error("queue unavailable");
				},
			},
		} as unknown as Bindings;
		const approved = await call(
			new Request(
				`https://api.sendfleet.test/staff/verification-requests/${submitted.json.id}/approve`,
				{
					method: "POST",
					headers: {
						cookie: staff.cookie,
						"x-csrf-token": staff.csrf,
						"content-type": "application/json",
					},
					body: JSON.stringify({ note: "Welcome" }),
				},
			),
			queueDown,
		);
		expect(approved.status).toBe(200);
		expect(await approved.json()).toMatchObject({
			request: { status: "approved" },
			owner_notified: true,
		});

		const [notice, ...more] = await noticesOf(owner.accountId);
		expect(more).toEqual([]);
		expect(notice).toMatchObject({
			to: owner.email,
			subject: "Your SendFleet account is approved",
			dispatchedAt: null,
		});
		if (!notice) return;
		expect(await db().select().from(emails).where(eq(emails.id, notice.emailId))).toEqual([]);

		// The cron's pass, twice, with the queue back: one email, to the owner.
		const deps = noticeDepsFromEnv(bindings, () => {});
		await dispatchNotices(deps, undefined, Date.now() + 2 * MINUTE);
		await dispatchNotices(deps, undefined, Date.now() + 2 * MINUTE);
		await dispatchNotices(deps, [notice], Date.now() + 2 * MINUTE);
		const sent = await db()
			.select()
			.from(emails)
			.where(eq(emails.accountId, bindings.PLATFORM_ACCOUNT_ID));
		const toOwner = sent.filter(
			(e) => e.to.includes(owner.email) && e.subject !== VERIFICATION_SUBJECT,
		);
		expect(toOwner.map((e) => [e.id, e.subject])).toEqual([
			[notice.emailId, "Your SendFleet account is approved"],
		]);
		expect((await noticesOf(owner.accountId))[0]?.dispatchedAt).toBeTypeOf("number");
	});
});

describe("a suspension decided by an SNS bounce", () => {
	let sim: SesSimulator;
	let restore: () => void;
	afterEach(() => restore());

	it("is parked when D1 cannot record it; the next delivery records it and the owner is told once", async () => {
		const owner = await signUp();
		await db()
			.update(accounts)
			.set({ plan: "pro", verificationStatus: "approved", subscriptionStatus: "active" })
			.where(eq(accounts.id, owner.accountId));
		const domain = await createDomain(owner.accountId);
		await createApiKey(owner.accountId);
		// 48 sends in the window, and the 2 below: two hard bounces in 50 reach 4%.
		await guardFor(bindings, owner.accountId).recordSends([{ recipients: 48, at: Date.now() }]);

		// D1 refuses the suspension's audit entry, as if it were down at that moment.
		const d1Down = {
			...bindings,
			DB: new Proxy(bindings.DB, {
				get(target, prop) {
					if (prop === "prepare") {
						return (query: string) => {
							if (query.includes('"account_actions"')) throw new Error("D1 unavailable");
							return target.prepare(query);
						};
					}
					const value = Reflect.get(target, prop);
					return typeof value === "function" ? value.bind(target) : value;
				},
			}),
		} as Bindings;
		({ sim, restore } = installSimulator({
			sns: { deliver: (request) => call(request, d1Down) },
		}));
		const email = await createQueuedEmail(
			{ account: { id: owner.accountId }, domain },
			{ to: ["bounce+1@simulator.sendfleet.test", "bounce+2@simulator.sendfleet.test"] },
		);
		await runQueue(SEND_QUEUE, [{ emailId: email.id }]);
		// Verified, not processed: parked on the feedback queue (200), SNS stops retrying.
		expect((await sim.sns.flush()).map((p) => [p.eventType, p.status])).toEqual([["Bounce", 200]]);
		const [bounce] = sim.sns.sent();
		expect((await noticesOf(owner.accountId)).length).toBe(0);

		// Delivered again (the queue's consumer, or SNS) to a Worker whose D1 is back: recorded
		// once, however often it comes.
		for (let i = 0; i < 3; i++) {
			const retry = await exports.default.fetch("https://api.sendfleet.test/hooks/sns", {
				method: "POST",
				body: bounce?.body,
			});
			expect(retry.status).toBe(200);
		}
		const [row] = await db().select().from(accounts).where(eq(accounts.id, owner.accountId));
		expect(row?.suspensionReason).toContain("4.00%");
		const audit = await db()
			.select()
			.from(accountActions)
			.where(
				and(eq(accountActions.accountId, owner.accountId), eq(accountActions.action, "suspended")),
			);
		expect(audit).toHaveLength(1);
		const recorded = await noticesOf(owner.accountId);
		expect(recorded.map((n) => [n.to, n.subject])).toEqual([
			[owner.email, "Your SendFleet sending is suspended"],
		]);
		const refused = await api("GET", "/account", { headers: { cookie: owner.cookie } });
		expect(refused.json).toMatchObject({ suspension: { suspended: true } });
	});
});
