/**
 * Who may do what that matters: a verified email before approval requests, subscriptions or
 * staff, staff derived afresh from STAFF_EMAILS and explicit grants on every request, and no
 * staff member deciding about their own account.
 */
import { env } from "cloudflare:workers";
import { and, asc, eq } from "drizzle-orm";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../../simulator/app.ts";
import { createApp } from "../../src/app.ts";
import { accounts, notices, users } from "../../src/db/schema.ts";
import { VERIFICATION_SUBJECT } from "../../src/domain/email-verification.ts";
import type { Bindings } from "../../src/env.ts";
import { sha256Hex } from "../../src/lib/ids.ts";
import { HOUR } from "../../src/lib/time.ts";
import { api, asBrowser } from "../helpers/api.ts";
import {
	signUpUnverified,
	verificationTokenFor,
	verifyEmail,
} from "../helpers/email-verification.ts";
import { createPlatformAccount, db } from "../helpers/factories.ts";
import { installSimulator } from "../helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(() => {
	({ sim, restore } = installSimulator());
});
afterEach(() => restore());
beforeAll(createPlatformAccount);

const request = {
	use_case: "Receipts and password resets for our invoicing app's customers.",
	company_name: "Acme Ltd",
	website: "https://acme.example",
	expected_monthly_volume: 12000,
};

async function waitForMail(to: string, subject: string) {
	for (let i = 0; i < 100; i++) {
		const message = sim.store.listMessages({ to }).find((m) => m.subject === subject);
		if (message) return message;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`no "${subject}" mail to ${to}`);
}

/** The Worker with other configuration, as after a deploy that changed STAFF_EMAILS. */
async function withConfig(vars: Partial<Bindings>, path: string, init: RequestInit = {}) {
	const response = await createApp().request(path, init, { ...(env as Bindings), ...vars });
	return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** Every verification link mailed to `email`, oldest first. */
const mailedTokens = async (email: string) =>
	(
		await db()
			.select({ text: notices.text })
			.from(notices)
			.where(and(eq(notices.to, email), eq(notices.subject, VERIFICATION_SUBJECT)))
			.orderBy(asc(notices.createdAt))
	).map((n) => n.text.match(/token=([A-Za-z0-9_-]+)/)?.[1] ?? "");

const userRow = async (id: string) => (await db().select().from(users).where(eq(users.id, id)))[0];

describe("email verification", () => {
	it("mails a single-use link through SendFleet's own mail and keeps only the token's hash", async () => {
		const user = await signUpUnverified();
		expect(user.status).toBe(201);
		expect(user.json.user).toMatchObject({ role: "user", email_verified: false });

		const mail = await waitForMail(user.email, "Confirm your SendFleet email address");
		expect(mail.from).toBe(env.PLATFORM_FROM);
		const token = mail.text?.match(/\/verify-email\?token=([A-Za-z0-9_-]{43})\b/)?.[1] ?? "";
		expect(token).not.toBe("");
		const row = await userRow(user.userId);
		expect(row?.verificationTokenHash).toBe(await sha256Hex(token));
		expect(JSON.stringify(row)).not.toContain(token);
		const expiresIn = (row?.verificationExpiresAt ?? 0) - Date.now();
		expect(expiresIn).toBeGreaterThan(23 * HOUR);
		expect(expiresIn).toBeLessThanOrEqual(24 * HOUR);

		const verified = await api("POST", "/auth/verify-email", { body: { token } });
		expect(verified.status).toBe(200);
		expect(verified.json).toMatchObject({
			user: { id: user.userId, email: user.email, role: "user", email_verified: true },
		});
		const again = await api("POST", "/auth/verify-email", { body: { token } });
		expect(again.status).toBe(400);
		expect(again.json.name).toBe("invalid_verification_token");
		const session = await asBrowser(user)("GET", "/auth/session");
		expect(session.json.user).toMatchObject({ email_verified: true });
	});

	it("refuses an expired link and one that was never sent", async () => {
		const user = await signUpUnverified();
		const token = await verificationTokenFor(user.email);
		await db()
			.update(users)
			.set({ verificationExpiresAt: Date.now() - 1 })
			.where(eq(users.id, user.userId));
		expect(await verifyEmail(user.email, token)).toBe(400);
		expect(await verifyEmail(user.email, "A".repeat(43))).toBe(400);
		expect((await userRow(user.userId))?.emailVerifiedAt).toBeNull();
	});

	it("resends a link that replaces the last one, three an hour however many race", async () => {
		const user = await signUpUnverified();
		const first = await verificationTokenFor(user.email);
		const browser = asBrowser(user);
		expect((await browser("POST", "/auth/resend-verification", { csrf: false })).status).toBe(403);
		const answers = await Promise.all(
			Array.from({ length: 6 }, () => browser("POST", "/auth/resend-verification")),
		);
		expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 429, 429, 429]);
		expect(answers.find((a) => a.status === 200)?.json).toMatchObject({ sent_to: user.email });
		expect(answers.find((a) => a.status === 429)?.headers.get("retry-after")).toMatch(/^\d+$/);

		// One link is live, whichever of the racing requests wrote last: the newest mail's.
		const live = (await userRow(user.userId))?.verificationTokenHash;
		const mailed = await mailedTokens(user.email);
		expect(mailed).toHaveLength(4);
		const matching = [];
		for (const token of mailed) if ((await sha256Hex(token)) === live) matching.push(token);
		expect(matching).toHaveLength(1);
		expect(await verifyEmail(user.email, first)).toBe(400);
		expect(await verifyEmail(user.email, matching[0])).toBe(200);
		const done = await browser("POST", "/auth/resend-verification");
		expect(done.status).toBe(409);
	});

	it("lets an unverified user read, but not request approval or subscribe, not even with a key", async () => {
		const user = await signUpUnverified();
		const browser = asBrowser(user);
		expect((await browser("GET", "/account")).status).toBe(200);
		const refused = await browser("POST", "/account/verification-request", { body: request });
		expect(refused.status).toBe(403);
		expect(refused.json.name).toBe("email_not_verified");
		expect(refused.json.message).toContain("/auth/resend-verification");

		const key = await browser("POST", "/api-keys", { body: { name: "Sidestep" } });
		expect(key.status).toBe(201);
		const token = String(key.json.token);
		const withKey = await api("POST", "/account/verification-request", {
			key: token,
			body: request,
		});
		expect(withKey.json.name).toBe("email_not_verified");
		const checkout = await api("POST", "/billing/checkout", { key: token, body: { plan: "pro" } });
		expect(checkout.status).toBe(403);
		expect(checkout.json.name).toBe("email_not_verified");

		expect(await verifyEmail(user.email)).toBe(200);
		expect((await browser("POST", "/account/verification-request", { body: request })).status).toBe(
			201,
		);
	});
});

describe("staff", () => {
	const STAFF = "staff@sendfleet.test";
	let staff: Awaited<ReturnType<typeof signUpUnverified>>;

	it("is not granted to a listed address until its owner proves it by the link", async () => {
		staff = await signUpUnverified(STAFF);
		expect(staff.json.user).toMatchObject({ role: "user", email_verified: false });
		const browser = asBrowser(staff);
		expect((await browser("GET", "/staff/accounts")).json.name).toBe("forbidden");

		expect(await verifyEmail(STAFF)).toBe(200);
		expect((await browser("GET", "/auth/session")).json.user).toMatchObject({ role: "staff" });
		expect((await browser("GET", "/staff/accounts")).status).toBe(200);
	});

	it("ends when the address leaves STAFF_EMAILS: at the next request and at login", async () => {
		const headers = { cookie: staff.cookie };
		const unlisted = { STAFF_EMAILS: "someone-else@sendfleet.test" };
		expect((await withConfig(unlisted, "/staff/accounts", { headers })).json.name).toBe(
			"forbidden",
		);
		expect((await withConfig(unlisted, "/auth/session", { headers })).json.user).toMatchObject({
			role: "user",
		});
		const login = await withConfig(unlisted, "/auth/login", {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ email: STAFF, password: "correct horse battery staple" }),
		});
		expect(login.status).toBe(200);
		expect(login.json.user).toMatchObject({ role: "user", email_verified: true });
		// Listed again: staff again, nothing was stored.
		expect((await asBrowser(staff)("GET", "/staff/accounts")).status).toBe(200);
	});

	it("follows explicit grants: granted needs a verified email, revoked beats the list", async () => {
		const granted = await signUpUnverified();
		// What `npm run staff -- grant <email>` writes.
		await db().update(users).set({ staffGrant: "granted" }).where(eq(users.email, granted.email));
		const browser = asBrowser(granted);
		expect((await browser("GET", "/staff/accounts")).status).toBe(403);
		expect(await verifyEmail(granted.email)).toBe(200);
		expect((await browser("GET", "/staff/accounts")).status).toBe(200);

		await db().update(users).set({ staffGrant: "revoked" }).where(eq(users.email, STAFF));
		const revoked = await asBrowser(staff)("GET", "/staff/accounts");
		expect(revoked.json.name).toBe("forbidden");
		await db().update(users).set({ staffGrant: null }).where(eq(users.email, STAFF));
	});

	it("may not decide their own account's verification request, nor reinstate it", async () => {
		const own = asBrowser(staff);
		const submitted = await own("POST", "/account/verification-request", { body: request });
		expect(submitted.status).toBe(201);
		for (const action of ["approve", "reject"]) {
			const res = await own("POST", `/staff/verification-requests/${submitted.json.id}/${action}`, {
				body: { note: "Looks fine to me" },
			});
			expect(res.status, action).toBe(403);
			expect(res.json).toMatchObject({
				name: "forbidden",
				message: expect.stringContaining("own"),
			});
		}

		await db()
			.update(accounts)
			.set({ suspendedAt: Date.now(), suspensionReason: "bounce rate 5.00%" })
			.where(eq(accounts.id, staff.accountId));
		const reinstate = await own("POST", `/staff/accounts/${staff.accountId}/reinstate`, {
			body: { note: "It was a test" },
		});
		expect(reinstate.status).toBe(403);

		// Another staff member may.
		const colleague = await signUpUnverified();
		await db().update(users).set({ staffGrant: "granted" }).where(eq(users.email, colleague.email));
		expect(await verifyEmail(colleague.email)).toBe(200);
		const approved = await asBrowser(colleague)(
			"POST",
			`/staff/verification-requests/${submitted.json.id}/approve`,
			{ body: {} },
		);
		expect(approved.status).toBe(200);
	});
});
