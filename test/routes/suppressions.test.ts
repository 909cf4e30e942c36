import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../../simulator/app.ts";
import { emails } from "../../src/db/schema.ts";
import { SEND_QUEUE } from "../../src/queues/index.ts";
import { api } from "../helpers/api.ts";
import { createQueuedEmail, createSender, db } from "../helpers/factories.ts";
import { runQueue } from "../helpers/queue.ts";
import { installSimulator } from "../helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(() => {
	({ sim, restore } = installSimulator());
});
afterEach(() => restore());

type Entry = { id: string; email: string; origin: string; source_id: string | null };

describe("/suppressions", () => {
	it("adds, gets by id or address, lists and removes entries", async () => {
		const { key } = await createSender();
		const added = await api("POST", "/suppressions", {
			key: key.token,
			body: { email: "Someone@Example.org" },
		});
		expect(added.status).toBe(201);
		expect(added.json).toEqual({
			object: "suppression",
			id: expect.stringMatching(/^[0-9a-f-]{36}$/),
		});

		const byEmail = await api("GET", "/suppressions/someone@example.org", { key: key.token });
		expect(byEmail.json).toMatchObject({
			object: "suppression",
			id: added.json.id,
			email: "someone@example.org",
			origin: "manual",
			source_id: null,
		});
		const byId = await api("GET", `/suppressions/${added.json.id}`, { key: key.token });
		expect(byId.json.email).toBe("someone@example.org");

		const again = await api("POST", "/suppressions", {
			key: key.token,
			body: { email: "someone@example.org" },
		});
		expect(again.json.id).toBe(added.json.id);

		const removed = await api("DELETE", "/suppressions/someone@example.org", { key: key.token });
		expect(removed.json).toEqual({ object: "suppression", id: added.json.id, deleted: true });
		expect((await api("GET", `/suppressions/${added.json.id}`, { key: key.token })).status).toBe(
			404,
		);
		expect(
			(await api("DELETE", "/suppressions/someone@example.org", { key: key.token })).status,
		).toBe(404);
	});

	it("adds and removes in batches, and lists with search and cursors", async () => {
		const { key } = await createSender();
		const emailsToAdd = Array.from({ length: 5 }, (_, i) => `user${i}@example.org`);
		const added = await api("POST", "/suppressions/batch/add", {
			key: key.token,
			body: { emails: emailsToAdd },
		});
		expect(added.status).toBe(200);
		expect(added.json.data).toHaveLength(5);

		const page = await api("GET", "/suppressions?limit=2", { key: key.token });
		expect(page.json.has_more).toBe(true);
		expect((page.json.data as Entry[]).map((e) => e.email)).toEqual([
			"user4@example.org",
			"user3@example.org",
		]);
		const next = await api(
			"GET",
			`/suppressions?limit=2&after=${(page.json.data as Entry[])[1]?.id}`,
			{
				key: key.token,
			},
		);
		expect((next.json.data as Entry[]).map((e) => e.email)).toEqual([
			"user2@example.org",
			"user1@example.org",
		]);

		const search = await api("GET", "/suppressions?search=user3", { key: key.token });
		expect((search.json.data as Entry[]).map((e) => e.email)).toEqual(["user3@example.org"]);
		const manual = await api("GET", "/suppressions?origin=bounce", { key: key.token });
		expect(manual.json.data).toEqual([]);

		const removed = await api("POST", "/suppressions/batch/remove", {
			key: key.token,
			body: { emails: ["user0@example.org", "nobody@example.org"] },
		});
		expect((removed.json.data as { deleted: boolean }[]).map((r) => r.deleted)).toEqual([
			true,
			false,
		]);
		expect((await api("GET", "/suppressions", { key: key.token })).json.data).toHaveLength(4);
	});

	it("refuses bad input with 422", async () => {
		const { key } = await createSender();
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
		const added = await api("POST", "/suppressions", {
			key: theirs.key.token,
			body: { email: "x@example.org" },
		});
		expect(
			(await api("GET", `/suppressions/${added.json.id}`, { key: mine.key.token })).status,
		).toBe(404);
		expect(
			(await api("DELETE", "/suppressions/x@example.org", { key: mine.key.token })).status,
		).toBe(404);
		expect((await api("GET", "/suppressions", { key: mine.key.token })).json.data).toEqual([]);
		// Their suppression does not stop my sends to the same address.
		const sent = await api("POST", "/emails", {
			key: mine.key.token,
			body: { from: mine.from, to: "x@example.org", subject: "Hi", text: "Hi" },
		});
		expect(sent.status).toBe(200);
	});
});

describe("sending to suppressed addresses", () => {
	it("answers 422 recipient_suppressed listing every suppressed address, in any field", async () => {
		const { key, from } = await createSender();
		await api("POST", "/suppressions/batch/add", {
			key: key.token,
			body: { emails: ["gone@example.org", "spam@example.org"] },
		});
		const sent = await api("POST", "/emails", {
			key: key.token,
			body: {
				from,
				to: ["ok@example.org", "Gone <GONE@example.org>"],
				bcc: "spam@example.org",
				subject: "Hi",
				text: "Hi",
			},
		});
		expect(sent.status).toBe(422);
		expect(sent.json).toMatchObject({
			statusCode: 422,
			name: "recipient_suppressed",
			recipients: ["gone@example.org", "spam@example.org"],
		});
		expect(sent.json.message).toContain("gone@example.org, spam@example.org");
	});

	it("names the suppressed email in a batch, and permissive mode sends the rest", async () => {
		const { key, from } = await createSender();
		await api("POST", "/suppressions", { key: key.token, body: { email: "gone@example.org" } });
		const body = [
			{ from, to: "ok@example.org", subject: "1", text: "1" },
			{ from, to: "gone@example.org", subject: "2", text: "2" },
		];
		const strict = await api("POST", "/emails/batch", { key: key.token, body });
		expect(strict.status).toBe(422);
		expect(strict.json.name).toBe("recipient_suppressed");
		expect(strict.json.message).toMatch(/^\[1\]/);
		const permissive = await api("POST", "/emails/batch", {
			key: key.token,
			body,
			headers: { "x-batch-validation": "permissive" },
		});
		expect(permissive.json.data).toHaveLength(1);
		expect((permissive.json.errors as { index: number }[])[0]?.index).toBe(1);
	});

	it("does not mail an address suppressed after the email was accepted: the email fails", async () => {
		const sender = await createSender();
		const email = await createQueuedEmail(sender, {
			to: ["Late <late@example.org>", "fine@example.org"],
		});
		await api("POST", "/suppressions", {
			key: sender.key.token,
			body: { email: "late@example.org" },
		});
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
