import { createExecutionContext } from "cloudflare:test";
/**
 * The account guard through the HTTP API: quota under concurrency, automatic suspension from
 * signed SNS bounces, staff reinstatement, the request rate, and the reputation figures.
 */
import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../../simulator/app.ts";
import { createApp } from "../../src/app.ts";
import { accounts, emails } from "../../src/db/schema.ts";
import { guardFor } from "../../src/durable-objects/index.ts";
import type { Bindings } from "../../src/env.ts";
import { FEEDBACK_QUEUE, SEND_QUEUE } from "../../src/queues/index.ts";
import { api, asBrowser, signUp } from "../helpers/api.ts";
import { client, expectJson } from "../helpers/client.ts";
import {
	createAccount,
	createApiKey,
	createDomain,
	createPlatformAccount,
	createQueuedEmail,
	createSender,
	db,
} from "../helpers/factories.ts";
import { runQueue } from "../helpers/queue.ts";
import { createSession } from "../helpers/sessions.ts";
import { installSimulator, installSimulatorPostingToWorker } from "../helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(() => {
	({ sim, restore } = installSimulatorPostingToWorker());
});
afterEach(() => restore());
beforeAll(createPlatformAccount);

/** An approved Pro account with an owner who can log in, a verified domain and a key. */
async function ownedSender() {
	const owner = await signUp();
	await db()
		.update(accounts)
		.set({ plan: "pro", verificationStatus: "approved", subscriptionStatus: "active" })
		.where(eq(accounts.id, owner.accountId));
	const domain = await createDomain(owner.accountId);
	const key = await createApiKey(owner.accountId);
	return {
		owner,
		account: { id: owner.accountId },
		domain,
		key,
		from: `Acme <hello@${domain.name}>`,
	};
}

const send = (key: string, from: string, to: string | string[]) =>
	api("POST", "/emails", { key, body: { from, to, subject: "Hi", text: "Hi" } });

describe("monthly quota", () => {
	it("100 concurrent one-recipient sends racing for the last 50 units: exactly 50 accepted", async () => {
		const sender = await createSender("pro");
		await guardFor(env as Bindings, sender.account.id).admit({
			plan: "pro",
			recipients: 99_950,
		});
		const answers = await Promise.all(
			Array.from({ length: 100 }, (_, i) =>
				send(sender.key.token, sender.from, `r${i}@example.org`),
			),
		);
		expect(answers.filter((a) => a.status === 200)).toHaveLength(50);
		const refused = answers.filter((a) => a.status === 429);
		expect(refused).toHaveLength(50);
		expect(refused[0]?.json.name).toBe("monthly_quota_exceeded");
		const stored = await db()
			.select({ id: emails.id })
			.from(emails)
			.where(eq(emails.accountId, sender.account.id));
		expect(stored).toHaveLength(50);
	});

	it("counts recipients, not requests: a 3-recipient send needs 3 units", async () => {
		const sender = await createSender("growth");
		await guardFor(env as Bindings, sender.account.id).admit({
			plan: "growth",
			recipients: 24_998,
		});
		const three = await send(sender.key.token, sender.from, [
			"a@example.org",
			"b@example.org",
			"c@example.org",
		]);
		expect(three.status).toBe(429);
		expect(three.json.message).toContain("only 2 of the plan's 25000 remain");
		expect(
			(await send(sender.key.token, sender.from, ["a@example.org", "b@example.org"])).status,
		).toBe(200);
	});
});

describe("automatic suspension", () => {
	it("50 recipients and 2 hard bounces back through signed SNS suspend the account; staff reinstate it", async () => {
		const sender = await ownedSender();
		const to = [
			...Array.from({ length: 48 }, (_, i) => `delivered+${i}@simulator.sendfleet.test`),
			"bounce+1@simulator.sendfleet.test",
			"bounce+2@simulator.sendfleet.test",
		];
		const accepted = await send(sender.key.token, sender.from, to);
		expect(accepted.status).toBe(200);
		await runQueue(SEND_QUEUE, [{ emailId: accepted.json.id }]);
		await sim.sns.flush();

		const refused = await send(sender.key.token, sender.from, "someone@example.org");
		expect(refused.status).toBe(403);
		expect(refused.json.name).toBe("account_suspended");
		expect(refused.json.message).toContain("Bounce rate 4.00% (2 hard bounces in 50 recipients");
		expect(refused.json.figures).toMatchObject({
			sends: 50,
			hard_bounces: 2,
			complaints: 0,
			bounce_rate: 0.04,
		});
		const batch = await api("POST", "/emails/batch", {
			key: sender.key.token,
			body: [{ from: sender.from, to: "a@example.org", subject: "x", text: "x" }],
		});
		expect(batch.status).toBe(403);

		const account = await asBrowser(sender.owner)("GET", "/account");
		expect(account.json.suspension).toMatchObject({ suspended: true });
		// The owner also gets the sign-up's confirmation, sent on its own schedule: wait for the
		// notice itself, not for the first mail to arrive.
		const notice = "Your SendFleet sending is suspended";
		const mail = await (async () => {
			for (let i = 0; i < 100; i++) {
				const mails = sim.store.listMessages({ to: sender.owner.email });
				const found = mails.find((m) => m.subject === notice);
				if (found) return found;
				await new Promise((r) => setTimeout(r, 100));
			}
		})();
		expect(mail?.subject).toBe(notice);

		const staffSession = await createSession((await createAccount()).id, { role: "staff" });
		const staff = client(staffSession).staff.accounts;
		const listed = await expectJson(staff.$get({ query: { suspended: "true" } }), 200);
		expect(listed.data.map((a) => a.id)).toContain(sender.account.id);
		const param = { id: sender.account.id };
		// A body the request type forbids (no note), so sent untyped on purpose.
		const noNote = await asBrowser(staffSession)("POST", `/staff/accounts/${param.id}/reinstate`, {
			body: {},
		});
		expect(noNote.status).toBe(422);
		const reinstated = await expectJson(
			staff[":id"].reinstate.$post({
				param,
				json: { note: "Customer removed the bad addresses." },
			}),
			200,
		);
		expect(reinstated.suspended_at).toBeNull();
		const history = await expectJson(staff[":id"].$get({ param }), 200);
		expect(history.actions.map((a) => a.action)).toEqual(["reinstated", "suspended"]);

		expect((await send(sender.key.token, sender.from, "someone@example.org")).status).toBe(200);
		// The same bounces redelivered after the reinstatement do not suspend it again.
		const [bounce] = sim.sns.sent().filter((s) => s.eventType === "Bounce");
		await exports.default.fetch("https://api.sendfleet.test/hooks/sns", {
			method: "POST",
			body: bounce?.body,
		});
		expect((await send(sender.key.token, sender.from, "someone@example.org")).status).toBe(200);
	});

	it("49 recipients with 2 hard bounces do not suspend; a duplicate bounce is counted once", async () => {
		const sender = await ownedSender();
		const to = [
			...Array.from({ length: 47 }, (_, i) => `delivered+${i}@simulator.sendfleet.test`),
			"bounce+1@simulator.sendfleet.test",
			"bounce+2@simulator.sendfleet.test",
		];
		const accepted = await send(sender.key.token, sender.from, to);
		await runQueue(SEND_QUEUE, [{ emailId: accepted.json.id }]);
		await sim.sns.flush();
		const [bounce] = sim.sns.sent().filter((s) => s.eventType === "Bounce");
		await exports.default.fetch("https://api.sendfleet.test/hooks/sns", {
			method: "POST",
			body: bounce?.body,
		});

		const reputation = await api("GET", "/account/reputation", { key: sender.key.token });
		expect(reputation.json).toMatchObject({
			object: "reputation",
			window_days: 7,
			sends: 49,
			hard_bounces: 2,
			complaints: 0,
			thresholds: { min_sends: 50, bounce_rate: 0.04, complaint_rate: 0.0008 },
			headroom: { hard_bounces_before_suspension: null, complaints_before_suspension: null },
			suspended: false,
		});
		const fiftieth = await send(sender.key.token, sender.from, "someone@example.org");
		expect(fiftieth.status).toBe(200);
		// A send counts for reputation once SES accepts it.
		await runQueue(SEND_QUEUE, [{ emailId: fiftieth.json.id }]);
		const after = await api("GET", "/account/reputation", { key: sender.key.token });
		expect(after.json).toMatchObject({
			sends: 50,
			hard_bounces: 2,
			headroom: { hard_bounces_before_suspension: 0, complaints_before_suspension: 1 },
		});
		// The 50th recipient made the figures cross (2 in 50 is 4%): the next request is refused.
		const next = await send(sender.key.token, sender.from, "someone@example.org");
		expect(next.status).toBe(403);
		expect(next.json.name).toBe("account_suspended");
		const [row] = await db().select().from(accounts).where(eq(accounts.id, sender.account.id));
		expect(row?.suspensionReason).toContain("4.00%");
	});

	it("mail to SES's mailbox simulator does not count", async () => {
		const sender = await ownedSender();
		const email = await createQueuedEmail(
			{ account: sender.account, domain: sender.domain },
			{ to: ["bounce@simulator.amazonses.com"] },
		);
		await runQueue(SEND_QUEUE, [{ emailId: email.id }]);
		await sim.sns.flush();
		const reputation = await api("GET", "/account/reputation", { key: sender.key.token });
		expect(reputation.json).toMatchObject({ hard_bounces: 0 });
	});
});

describe("request rate", () => {
	it("answers 429 rate_limit_exceeded with retry-after and ratelimit headers past the burst", async () => {
		const account = await createAccount({
			plan: "free",
			verificationStatus: "none",
			subscriptionStatus: "none",
		});
		const key = await createApiKey(account.id);
		const first = await api("GET", "/domains", { key: key.token });
		expect(first.headers.get("ratelimit-limit")).toBe("20");
		expect(first.headers.get("ratelimit-remaining")).toBe("19");
		// All at once, so the bucket's refill (5 a second) cannot keep up however slow the machine.
		const answers = await Promise.all(
			Array.from({ length: 40 }, () => api("GET", "/domains", { key: key.token })),
		);
		const limited = answers.find((a) => a.status === 429);
		expect(limited?.json.name).toBe("rate_limit_exceeded");
		expect(limited?.headers.get("retry-after")).toBe("1");
		expect(limited?.headers.get("ratelimit-remaining")).toBe("0");
	});

	it("sends carry the ratelimit headers too", async () => {
		const sender = await createSender();
		const sent = await send(sender.key.token, sender.from, "a@example.org");
		expect(sent.headers.get("ratelimit-limit")).toBe("200");
		expect(Number(sent.headers.get("ratelimit-remaining"))).toBeGreaterThan(0);
	});
});

describe("when the account guard cannot be reached", () => {
	/** The Worker's env with an ACCOUNT_GUARD whose every call fails. */
	const brokenGuardEnv = () =>
		({
			...(env as Bindings),
			ACCOUNT_GUARD: {
				idFromName: (name: string) => env.ACCOUNT_GUARD.idFromName(name),
				get: () =>
					new Proxy(
						{},
						{
							get: () => async () => {
								throw new Error("Durable Object unavailable");
							},
						},
					),
			},
		}) as unknown as Bindings;
	const call = (request: Request, bindings: Bindings) =>
		createApp().fetch(request, bindings, createExecutionContext());

	it("other endpoints go on unmetered, and sending is refused with 503", async () => {
		const sender = await createSender();
		const headers = {
			authorization: `Bearer ${sender.key.token}`,
			"content-type": "application/json",
		};
		const read = await call(
			new Request("https://api.sendfleet.test/domains", { headers }),
			brokenGuardEnv(),
		);
		expect(read.status).toBe(200);
		expect(read.headers.get("ratelimit-limit")).toBeNull();
		const sent = await call(
			new Request("https://api.sendfleet.test/emails", {
				method: "POST",
				headers,
				body: JSON.stringify({ from: sender.from, to: "a@example.org", subject: "x", text: "x" }),
			}),
			brokenGuardEnv(),
		);
		expect(sent.status).toBe(503);
		expect(await sent.json()).toMatchObject({ name: "service_unavailable" });
	});

	it("a bounce the guard cannot count now is parked on the feedback queue, then counted once", async () => {
		const sender = await ownedSender();
		// This simulator posts to a Worker whose guard is down.
		restore();
		({ sim, restore } = installSimulator({
			sns: { deliver: async (request) => call(request, brokenGuardEnv()) },
		}));
		const email = await createQueuedEmail(
			{ account: sender.account, domain: sender.domain },
			{ to: ["bounce@simulator.sendfleet.test"] },
		);
		await runQueue(SEND_QUEUE, [{ emailId: email.id }]);
		expect((await sim.sns.flush()).map((p) => [p.eventType, p.status])).toEqual([["Bounce", 200]]);
		const [bounce] = sim.sns.sent();
		const sns = JSON.parse(bounce?.body ?? "{}") as Record<string, string>;

		// The feedback queue's consumer processes it once the guard is back…
		const parked = { messageId: sns.MessageId, topicArn: sns.TopicArn, message: sns.Message };
		const run = await runQueue(FEEDBACK_QUEUE, [parked]);
		expect(run.result.explicitAcks).toEqual(run.ids);
		// …and SNS retrying on its own, or the queue redelivering, counts nothing twice.
		const retry = await exports.default.fetch("https://api.sendfleet.test/hooks/sns", {
			method: "POST",
			body: bounce?.body,
		});
		expect(await retry.json()).toEqual({ status: "duplicate" });
		await runQueue(FEEDBACK_QUEUE, [parked], 2);
		const reputation = await api("GET", "/account/reputation", { key: sender.key.token });
		// One send (counted when SES accepted it) and its bounce, each once.
		expect(reputation.json).toMatchObject({ sends: 1, hard_bounces: 1 });
	});
});
