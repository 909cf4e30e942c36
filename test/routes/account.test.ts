import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../../simulator/app.ts";
import { api, asBrowser, signUp, staffBrowser } from "../helpers/api.ts";
import { createPlatformAccount } from "../helpers/factories.ts";
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

async function waitForMail(to: string) {
	for (let i = 0; i < 100; i++) {
		const [message] = sim.store.listMessages({ to });
		if (message) return message;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`no mail to ${to}`);
}

describe("GET /account", () => {
	it("shows a new account: free plan, not verified, no usage, cannot send and why", async () => {
		const user = await signUp();
		const res = await asBrowser(user)("GET", "/account");
		expect(res.status).toBe(200);
		expect(res.json).toMatchObject({
			object: "account",
			id: user.accountId,
			plan: "free",
			subscription: { status: "none", current_period_end: null },
			verification: { status: "none", request: null },
			usage: { emails_this_month: 0, monthly_quota: 0 },
			suspension: { suspended: false, reason: null, since: null },
			can_send: false,
		});
		expect(res.json.cannot_send_reason).toContain("verification request");
	});
});

describe("the manual approval journey", () => {
	it("request → staff approval → the owner is emailed → the account is approved", async () => {
		const owner = await signUp();
		const browser = asBrowser(owner);
		const submitted = await browser("POST", "/account/verification-request", { body: request });
		expect(submitted.status).toBe(201);
		expect(submitted.json).toMatchObject({ ...request, status: "pending", decided_at: null });
		expect((await browser("POST", "/account/verification-request", { body: request })).status).toBe(
			409,
		);
		expect((await browser("GET", "/account")).json.verification).toMatchObject({
			status: "pending",
		});

		const staff = await staffBrowser();
		const pending = await staff("GET", "/staff/verification-requests");
		expect(pending.status).toBe(200);
		const mine = (pending.json.data as { id: string; account_name: string }[]).find(
			(r) => r.id === submitted.json.id,
		);
		expect(mine?.account_name).toBe("Acme");

		const approved = await staff(
			"POST",
			`/staff/verification-requests/${submitted.json.id}/approve`,
			{
				body: { note: "Welcome aboard" },
			},
		);
		expect(approved.status).toBe(200);
		expect(approved.json).toMatchObject({
			request: { status: "approved", decision_note: "Welcome aboard" },
			owner_notified: true,
			notification_problem: null,
		});
		expect((approved.json.request as { decided_by: string }).decided_by).toBeTypeOf("string");
		expect((await browser("GET", "/account")).json.verification).toMatchObject({
			status: "approved",
		});
		expect(
			(
				await staff("POST", `/staff/verification-requests/${submitted.json.id}/reject`, {
					body: { note: "x" },
				})
			).status,
		).toBe(409);

		const mail = await waitForMail(owner.email);
		expect(mail.from).toBe("SendFleet <no-reply@platform.sendfleet.test>");
		expect(mail.subject).toBe("Your SendFleet account is approved");
		expect(mail.text).toContain("Welcome aboard");
	});

	it("a rejection needs a note, is emailed, and a new request may follow", async () => {
		const owner = await signUp();
		const browser = asBrowser(owner);
		const submitted = await browser("POST", "/account/verification-request", { body: request });
		const staff = await staffBrowser();
		const noNote = await staff("POST", `/staff/verification-requests/${submitted.json.id}/reject`, {
			body: {},
		});
		expect(noNote.status).toBe(422);
		const rejected = await staff(
			"POST",
			`/staff/verification-requests/${submitted.json.id}/reject`,
			{
				body: { note: "The website does not load." },
			},
		);
		expect(rejected.json).toMatchObject({ request: { status: "rejected" }, owner_notified: true });
		expect((await waitForMail(owner.email)).text).toContain("The website does not load.");
		expect((await browser("GET", "/account")).json.verification).toMatchObject({
			status: "rejected",
		});
		expect((await browser("POST", "/account/verification-request", { body: request })).status).toBe(
			201,
		);
	});

	it("validates the request", async () => {
		const browser = asBrowser(await signUp());
		for (const body of [
			{ ...request, use_case: "short" },
			{ ...request, website: "acme" },
			{ ...request, website: "javascript:alert(1)" },
			{ ...request, expected_monthly_volume: -1 },
			{ ...request, expected_monthly_volume: "lots" },
			{ ...request, company_name: "" },
		]) {
			const res = await browser("POST", "/account/verification-request", { body });
			expect(res.status, JSON.stringify(body)).toBe(422);
		}
	});

	it("keeps staff pages from everyone else", async () => {
		const user = asBrowser(await signUp());
		const res = await user("GET", "/staff/verification-requests");
		expect(res.status).toBe(403);
		expect(res.json.name).toBe("forbidden");
		const withKey = await api("GET", "/staff/verification-requests", { key: "sf_nope" });
		expect(withKey.status).toBe(403);
	});
});
