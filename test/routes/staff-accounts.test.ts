/**
 * `GET /staff/accounts` (search by name or owner email, the suspended filter, pages) and
 * `GET /staff/accounts/:id` (owner, latest verification request, usage, 7-day figures): what the
 * staff pages of the dashboard show.
 */
import { describe, expect, it } from "vitest";
import { signUp } from "../helpers/api.ts";
import { client, expectJson } from "../helpers/client.ts";
import { createAccount } from "../helpers/factories.ts";
import { createSession } from "../helpers/sessions.ts";

const staff = async () =>
	client(await createSession((await createAccount()).id, { role: "staff" })).staff;

let counter = 0;
const tag = () => `q${Date.now().toString(36)}${(counter++).toString(36)}`;

describe("GET /staff/accounts?search=", () => {
	it("finds accounts by part of their name, in any case, and by part of the owner's email", async () => {
		const t = tag();
		const byName = await createAccount({ name: `Shop ${t.toUpperCase()} Ltd` });
		const owner = await signUp(`${t}-owner@example.com`);
		await createAccount({ name: "Someone else" });
		const accounts = (await staff()).accounts;

		const named = await expectJson(accounts.$get({ query: { search: `shop ${t}` } }), 200);
		expect(named.data.map((a) => a.id)).toEqual([byName.id]);
		expect(named.data[0]).toMatchObject({ name: byName.name, owner_email: null });

		const owned = await expectJson(accounts.$get({ query: { search: `${t}-OWNER@` } }), 200);
		expect(owned.data.map((a) => a.id)).toEqual([owner.accountId]);
		expect(owned.data[0]?.owner_email).toBe(`${t}-owner@example.com`);
	});

	it("takes % and _ literally", async () => {
		const t = tag();
		await createAccount({ name: `Literal ${t}` });
		const accounts = (await staff()).accounts;
		const wild = await expectJson(accounts.$get({ query: { search: `${t.slice(0, 2)}%` } }), 200);
		expect(wild.data).toEqual([]);
		const one = await expectJson(accounts.$get({ query: { search: `_${t.slice(1)}` } }), 200);
		expect(one.data).toEqual([]);
		const percent = await createAccount({ name: `100% ${t}` });
		const found = await expectJson(accounts.$get({ query: { search: `100% ${t}` } }), 200);
		expect(found.data.map((a) => a.id)).toEqual([percent.id]);
	});

	it("combines with suspended=true and pages with after/before", async () => {
		const t = tag();
		const at = Date.now();
		const suspended = [];
		for (let i = 0; i < 3; i++) {
			suspended.push(
				await createAccount({
					name: `Bouncy ${t} ${i}`,
					suspendedAt: at,
					suspensionReason: "Bounce rate 5.00%",
					suspensionDetails: { sends: 60, hard_bounces: 3 },
				}),
			);
		}
		await createAccount({ name: `Bouncy ${t} fine` });
		const accounts = (await staff()).accounts;

		const first = await expectJson(
			accounts.$get({ query: { search: t, suspended: "true", limit: "2" } }),
			200,
		);
		expect(first.has_more).toBe(true);
		expect(first.data.map((a) => a.id)).toEqual([suspended[2]?.id, suspended[1]?.id]);
		expect(first.data[0]).toMatchObject({
			suspension_reason: "Bounce rate 5.00%",
			suspension_details: { sends: 60, hard_bounces: 3 },
		});
		const second = await expectJson(
			accounts.$get({
				query: { search: t, suspended: "true", limit: "2", after: first.data[1]?.id },
			}),
			200,
		);
		expect(second).toMatchObject({ has_more: false });
		expect(second.data.map((a) => a.id)).toEqual([suspended[0]?.id]);
		const back = await expectJson(
			accounts.$get({ query: { search: t, suspended: "true", before: suspended[0]?.id } }),
			200,
		);
		expect(back.data.map((a) => a.id)).toEqual([suspended[2]?.id, suspended[1]?.id]);

		const all = await expectJson(accounts.$get({ query: { search: t } }), 200);
		expect(all.data).toHaveLength(4);
	});

	it("refuses a search longer than 254 characters", async () => {
		const accounts = (await staff()).accounts;
		const res = await expectJson(accounts.$get({ query: { search: "x".repeat(255) } }), 422);
		expect(res.message).toContain("search");
	});
});

describe("GET /staff/accounts/:id", () => {
	it("gives the owner, the latest verification request, the month's usage and the 7-day figures", async () => {
		const t = tag();
		const owner = await signUp(`${t}@example.com`);
		const request = {
			use_case: "Receipts and password resets for our shop's customers",
			company_name: "Shop Ltd",
			website: "https://shop.example.com",
			expected_monthly_volume: 5000,
		};
		await expectJson(client(owner).account["verification-request"].$post({ json: request }), 201);

		const account = await expectJson(
			(await staff()).accounts[":id"].$get({ param: { id: owner.accountId } }),
			200,
		);
		expect(account).toMatchObject({
			id: owner.accountId,
			owner_email: `${t}@example.com`,
			verification_status: "pending",
			verification_request: { ...request, status: "pending", decision_note: null },
			current_period_end: null,
			usage: { emails_this_month: 0, monthly_quota: 0 },
			reputation: {
				window_days: 7,
				window_start: null,
				sends: 0,
				hard_bounces: 0,
				complaints: 0,
				bounce_rate: 0,
				complaint_rate: 0,
				thresholds: { min_sends: 50 },
				headroom: { hard_bounces_before_suspension: null, complaints_before_suspension: null },
			},
			actions: [],
		});
	});

	it("answers null for an account made without an owner or a request", async () => {
		const bare = await createAccount();
		const account = await expectJson(
			(await staff()).accounts[":id"].$get({ param: { id: bare.id } }),
			200,
		);
		expect(account).toMatchObject({
			owner_email: null,
			verification_request: null,
			usage: { monthly_quota: expect.any(Number) },
		});
	});
});
