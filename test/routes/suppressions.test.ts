import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../../simulator/app.ts";
import {
	deleteSuppressionsByIds,
	findSuppressedPairs,
	findSuppressedStatement,
	findSuppression,
	findSuppressionsByKeys,
	listSuppressions,
} from "../../src/db/queries/suppressions.ts";
import { emails } from "../../src/db/schema.ts";
import { uuidv7 } from "../../src/lib/ids.ts";
import { SEND_QUEUE } from "../../src/queues/index.ts";
import { api } from "../helpers/api.ts";
import { client, expectJson } from "../helpers/client.ts";
import { runCommonRouteTests } from "../helpers/common-route-tests.ts";
import { createQueuedEmail, createSender, db } from "../helpers/factories.ts";
import { queryPlans } from "../helpers/query-plans.ts";
import { runQueue } from "../helpers/queue.ts";
import { installSimulator } from "../helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(() => {
	({ sim, restore } = installSimulator());
});
afterEach(() => restore());

const suppressions = (key: string) => client(key).suppressions;
const byIdOrEmail = (key: string, id_or_email: string) =>
	client(key).suppressions[":id_or_email"].$get({ param: { id_or_email } });
const removeOne = (key: string, id_or_email: string) =>
	client(key).suppressions[":id_or_email"].$delete({ param: { id_or_email } });
const addMany = (key: string, emails: string[]) =>
	expectJson(suppressions(key).batch.add.$post({ json: { emails } }), 200);

describe("/suppressions", () => {
	it("adds, gets by id or address, lists and removes entries", async () => {
		const { key } = await createSender();
		const added = await expectJson(
			suppressions(key.token).$post({ json: { email: "Someone@Example.org" } }),
			201,
		);
		expect(added).toEqual({
			object: "suppression",
			id: expect.stringMatching(/^[0-9a-f-]{36}$/),
		});

		const byEmail = await expectJson(byIdOrEmail(key.token, "someone@example.org"), 200);
		expect(byEmail).toMatchObject({
			object: "suppression",
			id: added.id,
			email: "someone@example.org",
			origin: "manual",
			source_id: null,
		});
		const byId = await expectJson(byIdOrEmail(key.token, added.id), 200);
		expect(byId.email).toBe("someone@example.org");

		const again = await expectJson(
			suppressions(key.token).$post({ json: { email: "someone@example.org" } }),
			201,
		);
		expect(again.id).toBe(added.id);

		const removed = await expectJson(removeOne(key.token, "someone@example.org"), 200);
		expect(removed).toEqual({ object: "suppression", id: added.id, deleted: true });
		await expectJson(byIdOrEmail(key.token, added.id), 404);
		await expectJson(removeOne(key.token, "someone@example.org"), 404);
	});

	it("adds and removes in batches, and lists with search and cursors", async () => {
		const { key } = await createSender();
		const list = (query: { limit?: number; after?: string; search?: string; origin?: "bounce" }) =>
			expectJson(suppressions(key.token).$get({ query }), 200);
		const added = await addMany(
			key.token,
			Array.from({ length: 5 }, (_, i) => `user${i}@example.org`),
		);
		expect(added.data).toHaveLength(5);

		const page = await list({ limit: 2 });
		expect(page.has_more).toBe(true);
		expect(page.data.map((e) => e.email)).toEqual(["user4@example.org", "user3@example.org"]);
		const next = await list({ limit: 2, after: page.data[1]?.id });
		expect(next.data.map((e) => e.email)).toEqual(["user2@example.org", "user1@example.org"]);

		const search = await list({ search: "user3" });
		expect(search.data.map((e) => e.email)).toEqual(["user3@example.org"]);
		const bounced = await list({ origin: "bounce" });
		expect(bounced.data).toEqual([]);

		const removed = await expectJson(
			suppressions(key.token).batch.remove.$post({
				json: { emails: ["user0@example.org", "nobody@example.org"] },
			}),
			200,
		);
		expect(removed.data.map((r) => r.deleted)).toEqual([true, false]);
		expect((await list({})).data).toHaveLength(4);
	});

	it("refuses bad input with 422", async () => {
		const { key } = await createSender();
		// Some of these bodies break the request type, so all are sent untyped on purpose.
		for (const [method, path, body] of [
			["POST", "/suppressions", { email: "nope" }],
			["POST", "/suppressions", {}],
			["POST", "/suppressions/batch/add", { emails: [] }],
			[
				"POST",
				"/suppressions/batch/add",
				{ emails: Array.from({ length: 101 }, (_, i) => `a${i}@example.org`) },
			],
			["POST", "/suppressions/batch/remove", { emails: ["a@example.org"], ids: [] }],
			["GET", "/suppressions?origin=spam", undefined],
			["GET", "/suppressions/not-an-address", undefined],
		] as const) {
			const res = await api(method, path, { key: key.token, body });
			expect(res.status, `${method} ${path}`).toBe(422);
			expect(res.json.name).toBe("validation_error");
		}
	});

	it("keeps each account's list to itself", async () => {
		const mine = await createSender();
		const theirs = await createSender();
		const added = await expectJson(
			suppressions(theirs.key.token).$post({ json: { email: "x@example.org" } }),
			201,
		);
		await expectJson(byIdOrEmail(mine.key.token, added.id), 404);
		await expectJson(byIdOrEmail(mine.key.token, "x@example.org"), 404);
		await expectJson(removeOne(mine.key.token, "x@example.org"), 404);
		const listed = await expectJson(suppressions(mine.key.token).$get({ query: {} }), 200);
		expect(listed.data).toEqual([]);
		// Their suppression does not stop my sends to the same address.
		await expectJson(
			client(mine.key.token).emails.$post({
				json: { from: mine.from, to: "x@example.org", subject: "Hi", text: "Hi" },
				header: {},
			}),
			200,
		);
		// …and it is still theirs.
		await expectJson(byIdOrEmail(theirs.key.token, "x@example.org"), 200);
	});
});

describe("the suppressions table", () => {
	it("reads on its key (account, id) or its index by address, never a scan or a sort", async () => {
		const { account } = await createSender();
		const plans = await queryPlans(async (d) => {
			await listSuppressions(d, account.id, { limit: 10 });
			await listSuppressions(d, account.id, { limit: 10, before: uuidv7(), origin: "bounce" });
			await findSuppression(d, account.id, "a@example.org");
			await findSuppressionsByKeys(d, account.id, ["a@example.org", uuidv7()]);
			await findSuppressedStatement(d, account.id, ["a@example.org"]);
			await findSuppressedPairs(d, [[account.id, "a@example.org"]]);
			await deleteSuppressionsByIds(d, account.id, [uuidv7()]);
		});
		for (const plan of plans) {
			expect(plan).not.toMatch(/SCAN suppressions|TEMP B-TREE/);
			expect(plan).toMatch(
				/suppressions USING (PRIMARY KEY|(COVERING )?INDEX suppressions_account_email)/,
			);
		}
	});
});

describe("sending to suppressed addresses", () => {
	it("answers 422 recipient_suppressed listing every suppressed address, in any field", async () => {
		const { key, from } = await createSender();
		await addMany(key.token, ["gone@example.org", "spam@example.org"]);
		const sent = await expectJson(
			client(key.token).emails.$post({
				json: {
					from,
					to: ["ok@example.org", "Gone <GONE@example.org>"],
					bcc: "spam@example.org",
					subject: "Hi",
					text: "Hi",
				},
				header: {},
			}),
			422,
		);
		expect(sent).toMatchObject({
			statusCode: 422,
			name: "recipient_suppressed",
			recipients: ["gone@example.org", "spam@example.org"],
		});
		expect(sent.message).toContain("gone@example.org, spam@example.org");
	});

	it("names the suppressed email in a batch, and permissive mode sends the rest", async () => {
		const { key, from } = await createSender();
		await expectJson(suppressions(key.token).$post({ json: { email: "gone@example.org" } }), 201);
		const json = [
			{ from, to: "ok@example.org", subject: "1", text: "1" },
			{ from, to: "gone@example.org", subject: "2", text: "2" },
		];
		const batch = client(key.token).emails.batch;
		const strict = await expectJson(batch.$post({ json, header: {} }), 422);
		expect(strict.name).toBe("recipient_suppressed");
		expect(strict.message).toMatch(/^\[1\]/);
		const permissive = await expectJson(
			batch.$post({ json, header: { "x-batch-validation": "permissive" } }),
			200,
		);
		expect(permissive.data).toHaveLength(1);
		expect(permissive.errors?.[0]?.index).toBe(1);
	});

	it("does not mail an address suppressed after the email was accepted: the email fails", async () => {
		const sender = await createSender();
		const email = await createQueuedEmail(sender, {
			to: ["Late <late@example.org>", "fine@example.org"],
		});
		await expectJson(
			suppressions(sender.key.token).$post({ json: { email: "late@example.org" } }),
			201,
		);
		const run = await runQueue(SEND_QUEUE, [{ emailId: email.id }]);
		expect(run.result.explicitAcks).toEqual(run.ids);
		expect(
			sim.store
				.listMessages({ to: "fine@example.org" })
				.filter((m) => m.subject === email.subject && m.tags.some((t) => t.value === email.id)),
		).toEqual([]);
		const [row] = await db().select().from(emails).where(eq(emails.id, email.id));
		expect(row).toMatchObject({ status: "failed", lastEvent: "failed" });
		expect(row?.failureReason).toContain("late@example.org");
		expect(row?.failureReason).toContain("suppression list");
	});
});

/** A suppression made through the API; the common suite puts its id in the path. */
const ownEntry = async (owner: { key: { token: string } }) =>
	(
		await expectJson(
			suppressions(owner.key.token).$post({ json: { email: `x${Date.now()}@example.org` } }),
			201,
		)
	).id;

runCommonRouteTests("/suppressions", [
	{
		method: "POST",
		path: "/suppressions",
		access: "full_access",
		body: () => ({ email: "a@example.org" }),
	},
	{
		method: "POST",
		path: "/suppressions/batch/add",
		access: "full_access",
		body: () => ({ emails: ["a@example.org"] }),
	},
	{
		method: "POST",
		path: "/suppressions/batch/remove",
		access: "full_access",
		body: () => ({ emails: ["a@example.org"] }),
	},
	{ method: "GET", path: "/suppressions", access: "full_access" },
	{ method: "GET", path: "/suppressions/{id_or_email}", access: "full_access", resource: ownEntry },
	{
		method: "DELETE",
		path: "/suppressions/{id_or_email}",
		access: "full_access",
		resource: ownEntry,
	},
]);
