import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../../simulator/app.ts";
import { asBrowser, signUp, staffBrowser } from "../helpers/api.ts";
import { client, expectJson } from "../helpers/client.ts";
import { runCommonRouteTests } from "../helpers/common-route-tests.ts";
import { createAccount, createPlatformAccount } from "../helpers/factories.ts";
import { createSession } from "../helpers/sessions.ts";
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
		// Skipping the verification link that sign-up mails.
		const [message] = sim.store
			.listMessages({ to })
			.filter((m) => !m.subject.startsWith("Confirm"));
		if (message) return message;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`no mail to ${to}`);
}

describe("GET /account", () => {
	it("shows a new account: free plan, not verified, no usage, cannot send and why", async () => {
		const user = await signUp();
		const account = await expectJson(client(user).account.$get(), 200);
		expect(account).toMatchObject({
			object: "account",
			id: user.accountId,
			plan: "free",
			subscription: { status: "none", current_period_end: null },
			verification: { status: "none", request: null },
			usage: { emails_this_month: 0, monthly_quota: 0 },
			suspension: { suspended: false, reason: null, since: null },
			can_send: false,
		});
		expect(account.cannot_send_reason).toContain("verification request");
	});
});

describe("the manual approval journey", () => {
	it("request → staff approval → the owner is emailed → the account is approved", async () => {
		const owner = await signUp();
		const account = client(owner).account;
		const submitted = await expectJson(
			account["verification-request"].$post({ json: request }),
			201,
		);
		expect(submitted).toMatchObject({ ...request, status: "pending", decided_at: null });
		await expectJson(account["verification-request"].$post({ json: request }), 409);
		expect((await expectJson(account.$get(), 200)).verification).toMatchObject({
			status: "pending",
		});

		const staffSession = await createSession((await createAccount()).id, { role: "staff" });
		const pending = await expectJson(
			client(staffSession).staff["verification-requests"].$get({ query: {} }),
			200,
		);
		expect(pending.data.find((r) => r.id === submitted.id)?.account_name).toBe("Acme");

		// Approve and reject are registered in a loop, so `hc` has no type for them
		// (test/helpers/client.ts): sent untyped, checked by shape.
		const staff = asBrowser(staffSession);
		const approved = await staff("POST", `/staff/verification-requests/${submitted.id}/approve`, {
			body: { note: "Welcome aboard" },
		});
		expect(approved.status).toBe(200);
		expect(approved.json).toMatchObject({
			request: {
				status: "approved",
				decision_note: "Welcome aboard",
				decided_by: staffSession.userId,
			},
			owner_notified: true,
			notification_problem: null,
		});
		expect((await expectJson(account.$get(), 200)).verification).toMatchObject({
			status: "approved",
		});
		const again = await staff("POST", `/staff/verification-requests/${submitted.id}/reject`, {
			body: { note: "x" },
		});
		expect(again.status).toBe(409);

		const mail = await waitForMail(owner.email);
		expect(mail.from).toBe("SendFleet <no-reply@platform.sendfleet.test>");
		expect(mail.subject).toBe("Your SendFleet account is approved");
		expect(mail.text).toContain("Welcome aboard");
	});

	it("a rejection needs a note, is emailed, and a new request may follow", async () => {
		const owner = await signUp();
		const account = client(owner).account;
		const submitted = await expectJson(
			account["verification-request"].$post({ json: request }),
			201,
		);
		const staff = await staffBrowser();
		const reject = `/staff/verification-requests/${submitted.id}/reject`;
		expect((await staff("POST", reject, { body: {} })).status).toBe(422);
		const rejected = await staff("POST", reject, { body: { note: "The website does not load." } });
		expect(rejected.json).toMatchObject({ request: { status: "rejected" }, owner_notified: true });
		expect((await waitForMail(owner.email)).text).toContain("The website does not load.");
		expect((await expectJson(account.$get(), 200)).verification).toMatchObject({
			status: "rejected",
		});
		await expectJson(account["verification-request"].$post({ json: request }), 201);
	});

	it("validates the request", async () => {
		const browser = asBrowser(await signUp());
		// Bodies the request type forbids, so they are sent untyped on purpose.
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
		const user = client(await signUp()).staff["verification-requests"];
		const res = await expectJson(user.$get({ query: {} }), 403);
		expect(res.name).toBe("forbidden");
		await expectJson(client("sf_nope").staff["verification-requests"].$get({ query: {} }), 403);
	});
});

runCommonRouteTests("/account", [
	{ method: "GET", path: "/account", access: "full_access" },
	{ method: "GET", path: "/account/reputation", access: "full_access" },
	{ method: "GET", path: "/account/metrics", access: "full_access" },
	{
		method: "POST",
		path: "/account/verification-request",
		access: "full_access",
		body: () => request,
	},
	{ method: "GET", path: "/account/verification-request", access: "full_access" },
]);
