import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { deleteExpiredIdempotencyKeys } from "../../src/db/queries/idempotency.ts";
import { idempotencyKeys } from "../../src/db/schema.ts";
import { sha256Hex, uuidv7 } from "../../src/lib/ids.ts";
import { DAY, MINUTE } from "../../src/lib/time.ts";
import { SendBatchResponse } from "../../src/routes/emails/schemas.ts";
import { api } from "../helpers/api.ts";
import { client, expectJson } from "../helpers/client.ts";
import { createSender, db } from "../helpers/factories.ts";

const email = (from: string, extra: Record<string, unknown> = {}) => ({
	from,
	to: "customer@example.org",
	subject: "Your receipt",
	html: "<p>Thanks!</p>",
	...extra,
});

const newKey = () => `order-${uuidv7()}`;

function send(
	token: string,
	key: string | undefined,
	body: unknown,
	path: "/emails" | "/emails/batch" = "/emails",
) {
	return api("POST", path, {
		key: token,
		body,
		headers: key === undefined ? {} : { "idempotency-key": key },
	});
}

async function emailIds(token: string) {
	const listed = await expectJson(client(token).emails.$get({ query: { limit: 100 } }), 200);
	return listed.data.map((e) => e.id);
}

function keyRows(accountId: string) {
	return db().select().from(idempotencyKeys).where(eq(idempotencyKeys.accountId, accountId));
}

describe("Idempotency-Key on POST /emails", () => {
	it("replays the first response for the same key and body, and sends once", async () => {
		const { key, from } = await createSender();
		const idem = newKey();
		const first = await send(key.token, idem, email(from));
		expect(first.status).toBe(200);
		expect(first.headers.get("idempotent-replayed")).toBeNull();

		const second = await send(key.token, idem, email(from));
		expect(second.status).toBe(200);
		expect(second.json).toEqual(first.json);
		expect(second.headers.get("idempotent-replayed")).toBe("true");
		expect(second.headers.get("content-type")).toBe("application/json");

		expect(await emailIds(key.token)).toEqual([first.json.id]);
	});

	it("stores the endpoint, the body's SHA-256 and the response under the key", async () => {
		const { account, key, from } = await createSender();
		const idem = newKey();
		const body = JSON.stringify(email(from));
		const sent = await api("POST", "/emails", {
			key: key.token,
			rawBody: body,
			headers: { "content-type": "application/json", "idempotency-key": idem },
		});
		expect(sent.status).toBe(200);
		const rows = await keyRows(account.id);
		expect(rows).toEqual([
			{
				accountId: account.id,
				key: idem,
				endpoint: "POST /emails",
				requestHash: await sha256Hex(body),
				responseStatus: 200,
				responseBody: JSON.stringify(sent.json),
				createdAt: expect.any(Number),
			},
		]);
	});

	it("answers 409 invalid_idempotent_request for the same key with another body", async () => {
		const { key, from } = await createSender();
		const idem = newKey();
		const first = await send(key.token, idem, email(from));
		expect(first.status).toBe(200);

		const other = await send(key.token, idem, email(from, { subject: "Another receipt" }));
		expect(other.status).toBe(409);
		expect(other.json).toEqual({
			statusCode: 409,
			name: "invalid_idempotent_request",
			message: expect.stringContaining("different request body"),
		});
		expect(other.headers.get("idempotent-replayed")).toBeNull();
		expect(await emailIds(key.token)).toEqual([first.json.id]);
	});

	it("answers 409 invalid_idempotent_request for a key reused on /emails/batch", async () => {
		const { key, from } = await createSender();
		const idem = newKey();
		expect((await send(key.token, idem, email(from))).status).toBe(200);

		const batch = await send(key.token, idem, [email(from)], "/emails/batch");
		expect(batch.status).toBe(409);
		expect(batch.json).toMatchObject({ statusCode: 409, name: "invalid_idempotent_request" });
		expect(batch.json.message).toContain("`POST /emails`");
		expect(await emailIds(key.token)).toHaveLength(1);
	});

	it("answers 409 concurrent_idempotent_requests to a second request sent at the same time", async () => {
		const { key, from } = await createSender();
		const idem = newKey();
		const results = await Promise.all([
			send(key.token, idem, email(from)),
			send(key.token, idem, email(from)),
		]);
		const statuses = results.map((r) => r.status).sort();
		expect(statuses).toEqual([200, 409]);
		const conflict = results.find((r) => r.status === 409);
		expect(conflict?.json).toMatchObject({
			statusCode: 409,
			name: "concurrent_idempotent_requests",
		});
		expect(await emailIds(key.token)).toHaveLength(1);
	});

	it("answers 409 concurrent_idempotent_requests while a claim is in flight, and sends nothing", async () => {
		const { account, key, from } = await createSender();
		const idem = newKey();
		const body = email(from);
		await db()
			.insert(idempotencyKeys)
			.values({
				accountId: account.id,
				key: idem,
				endpoint: "POST /emails",
				requestHash: await sha256Hex(JSON.stringify(body)),
				responseStatus: null,
				responseBody: null,
				createdAt: Date.now() - 10_000,
			});

		const sent = await send(key.token, idem, body);
		expect(sent.status).toBe(409);
		expect(sent.json).toEqual({
			statusCode: 409,
			name: "concurrent_idempotent_requests",
			message: expect.stringContaining("still being processed"),
		});
		expect(await emailIds(key.token)).toEqual([]);
		// The other request's claim is untouched.
		const [row] = await keyRows(account.id);
		expect(row?.responseStatus).toBeNull();
	});

	it("takes over a claim abandoned for more than two minutes", async () => {
		const { account, key, from } = await createSender();
		const idem = newKey();
		const body = email(from);
		await db()
			.insert(idempotencyKeys)
			.values({
				accountId: account.id,
				key: idem,
				endpoint: "POST /emails",
				requestHash: await sha256Hex(JSON.stringify(body)),
				responseStatus: null,
				responseBody: null,
				createdAt: Date.now() - 3 * MINUTE,
			});

		const sent = await send(key.token, idem, body);
		expect(sent.status).toBe(200);
		expect(sent.headers.get("idempotent-replayed")).toBeNull();
		const [row] = await keyRows(account.id);
		expect(row?.responseStatus).toBe(200);
		expect(row?.responseBody).toBe(JSON.stringify(sent.json));
	});

	it("does not consume the key on a 422: the corrected retry with the same key is sent", async () => {
		const { account, key, from } = await createSender();
		const idem = newKey();
		const invalid = await send(key.token, idem, email(from, { to: "not an address" }));
		expect(invalid.status).toBe(422);
		expect(invalid.json.name).toBe("validation_error");
		expect(await keyRows(account.id)).toEqual([]);

		const corrected = await send(key.token, idem, email(from));
		expect(corrected.status).toBe(200);
		expect(corrected.headers.get("idempotent-replayed")).toBeNull();
		expect(await emailIds(key.token)).toEqual([corrected.json.id]);

		const replayed = await send(key.token, idem, email(from));
		expect(replayed.headers.get("idempotent-replayed")).toBe("true");
		expect(replayed.json).toEqual(corrected.json);
	});

	it("does not consume the key on a 403 thrown by the sending rules", async () => {
		const { account, key } = await createSender();
		const other = await createSender();
		const idem = newKey();
		const refused = await send(key.token, idem, email(other.from));
		expect(refused.status).toBe(403);
		expect(refused.json.name).toBe("domain_not_verified");
		expect(await keyRows(account.id)).toEqual([]);
	});

	it("does not consume the key on a body that is not JSON", async () => {
		const { account, key } = await createSender();
		const sent = await api("POST", "/emails", {
			key: key.token,
			rawBody: "{not json",
			headers: { "content-type": "application/json", "idempotency-key": newKey() },
		});
		expect(sent.status).toBe(422);
		expect(sent.json.name).toBe("validation_error");
		expect(await keyRows(account.id)).toEqual([]);
	});

	it("keeps keys per account: the same key in two accounts sends two emails", async () => {
		const a = await createSender();
		const b = await createSender();
		const idem = newKey();
		const fromA = await send(a.key.token, idem, email(a.from));
		const fromB = await send(b.key.token, idem, email(b.from));
		expect(fromA.status).toBe(200);
		expect(fromB.status).toBe(200);
		expect(fromB.headers.get("idempotent-replayed")).toBeNull();
		expect(fromB.json.id).not.toBe(fromA.json.id);
		expect(await emailIds(a.key.token)).toEqual([fromA.json.id]);
		expect(await emailIds(b.key.token)).toEqual([fromB.json.id]);
	});

	it("treats a key older than 24 hours as new", async () => {
		const { account, key, from } = await createSender();
		const idem = newKey();
		await db()
			.insert(idempotencyKeys)
			.values({
				accountId: account.id,
				key: idem,
				endpoint: "POST /emails/batch",
				requestHash: "0".repeat(64),
				responseStatus: 200,
				responseBody: JSON.stringify({ data: [{ id: "old", warnings: [] }] }),
				createdAt: Date.now() - DAY - 1000,
			});

		const sent = await send(key.token, idem, email(from));
		expect(sent.status).toBe(200);
		expect(sent.headers.get("idempotent-replayed")).toBeNull();
		expect(sent.json.id).not.toBe("old");
		expect(await emailIds(key.token)).toEqual([sent.json.id]);
		const rows = await keyRows(account.id);
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({
			endpoint: "POST /emails",
			responseStatus: 200,
			responseBody: JSON.stringify(sent.json),
		});
		expect(rows[0]?.createdAt).toBeGreaterThan(Date.now() - MINUTE);
	});

	it("still replays a key just under 24 hours old", async () => {
		const { account, key, from } = await createSender();
		const idem = newKey();
		const body = email(from);
		const stored = { id: "0190aaaa-0000-7000-8000-000000000000", warnings: [] };
		await db()
			.insert(idempotencyKeys)
			.values({
				accountId: account.id,
				key: idem,
				endpoint: "POST /emails",
				requestHash: await sha256Hex(JSON.stringify(body)),
				responseStatus: 200,
				responseBody: JSON.stringify(stored),
				createdAt: Date.now() - DAY + MINUTE,
			});

		const sent = await send(key.token, idem, body);
		expect(sent.status).toBe(200);
		expect(sent.json).toEqual(stored);
		expect(sent.headers.get("idempotent-replayed")).toBe("true");
		expect(await emailIds(key.token)).toEqual([]);
	});

	it.each([
		["empty", "", "it is empty"],
		["300 characters", "k".repeat(300), "it has 300 characters"],
		["non-ASCII", "clé-1", "outside that range"],
		["a control character", "a\tb", "outside that range"],
	])("answers 400 invalid_idempotency_key for a key that is %s", async (_, idem, detail) => {
		const { account, key, from } = await createSender();
		const sent = await send(key.token, idem, email(from));
		expect(sent.status).toBe(400);
		expect(sent.json).toEqual({
			statusCode: 400,
			name: "invalid_idempotency_key",
			message: expect.stringContaining("must be 1 to 256 printable ASCII characters"),
		});
		expect(sent.json.message).toContain(detail);
		expect(await emailIds(key.token)).toEqual([]);
		expect(await keyRows(account.id)).toEqual([]);
	});

	it("accepts a key of exactly 256 printable characters", async () => {
		const { key, from } = await createSender();
		const idem = `${"~ !".repeat(85)}z`;
		expect(idem).toHaveLength(256);
		const first = await send(key.token, idem, email(from));
		expect(first.status).toBe(200);
		const again = await send(key.token, idem, email(from));
		expect(again.headers.get("idempotent-replayed")).toBe("true");
		expect(again.json).toEqual(first.json);
	});

	it("writes nothing without the header", async () => {
		const { account, key, from } = await createSender();
		const first = await send(key.token, undefined, email(from));
		const second = await send(key.token, undefined, email(from));
		expect(first.status).toBe(200);
		expect(second.status).toBe(200);
		expect(second.json.id).not.toBe(first.json.id);
		expect(second.headers.get("idempotent-replayed")).toBeNull();
		expect(await keyRows(account.id)).toEqual([]);
	});
});

describe("Idempotency-Key on POST /emails/batch", () => {
	it("replays the batch's response and sends each email once", async () => {
		const { key, from } = await createSender();
		const idem = newKey();
		const batch = [email(from), email(from, { to: "other@example.org" })];
		const first = await send(key.token, idem, batch, "/emails/batch");
		expect(first.status).toBe(200);
		const ids = SendBatchResponse.parse(first.json).data.map((e) => e.id);
		expect(ids).toHaveLength(2);

		const again = await send(key.token, idem, batch, "/emails/batch");
		expect(again.status).toBe(200);
		expect(again.json).toEqual(first.json);
		expect(again.headers.get("idempotent-replayed")).toBe("true");
		expect((await emailIds(key.token)).sort()).toEqual([...ids].sort());
	});

	it("replays a permissive batch's partial acceptance, errors included", async () => {
		const { key, from } = await createSender();
		const idem = newKey();
		const batch = [email(from), email(from, { to: "nope" })];
		const headers = { "idempotency-key": idem, "x-batch-validation": "permissive" };
		const first = await api("POST", "/emails/batch", { key: key.token, body: batch, headers });
		expect(first.status).toBe(200);
		expect(first.json.errors).toEqual([{ index: 1, message: expect.any(String) }]);

		const again = await api("POST", "/emails/batch", { key: key.token, body: batch, headers });
		expect(again.headers.get("idempotent-replayed")).toBe("true");
		expect(again.json).toEqual(first.json);
		expect(await emailIds(key.token)).toHaveLength(1);
	});

	it("answers 409 invalid_idempotent_request for a batch key reused on /emails", async () => {
		const { key, from } = await createSender();
		const idem = newKey();
		expect((await send(key.token, idem, [email(from)], "/emails/batch")).status).toBe(200);
		const single = await send(key.token, idem, email(from));
		expect(single.status).toBe(409);
		expect(single.json.name).toBe("invalid_idempotent_request");
		expect(single.json.message).toContain("`POST /emails/batch`");
	});
});

describe("deleteExpiredIdempotencyKeys", () => {
	it("deletes at most `limit` keys created before the cutoff and returns the count", async () => {
		const { account } = await createSender();
		const now = Date.now();
		const row = (key: string, createdAt: number) => ({
			accountId: account.id,
			key,
			endpoint: "POST /emails",
			requestHash: "0".repeat(64),
			responseStatus: 200,
			responseBody: "{}",
			createdAt,
		});
		// Far in the past, so rows from the other tests in this file never qualify.
		const old = 1_000_000;
		await db()
			.insert(idempotencyKeys)
			.values([row("a", old), row("b", old + 1), row("c", old + 2), row("fresh", now)]);

		expect(await deleteExpiredIdempotencyKeys(db(), old + 100, 2)).toBe(2);
		const left = await db()
			.select({ key: idempotencyKeys.key })
			.from(idempotencyKeys)
			.where(eq(idempotencyKeys.accountId, account.id));
		expect(left.map((r) => r.key).sort()).toEqual(["c", "fresh"]);
		expect(await deleteExpiredIdempotencyKeys(db(), old + 100, 2)).toBe(1);
		expect(await deleteExpiredIdempotencyKeys(db(), old + 100, 2)).toBe(0);
	});
});
