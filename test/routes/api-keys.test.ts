import { describe, expect, it } from "vitest";
import { api } from "../helpers/api.ts";
import { createApiKey, createDomain, createSender } from "../helpers/factories.ts";

describe("/api-keys", () => {
	it("creates a key shown once that works at once, and lists it without the token", async () => {
		const { key } = await createSender();
		const created = await api("POST", "/api-keys", {
			key: key.token,
			body: { name: "Production" },
		});
		expect(created.status).toBe(201);
		expect(created.json).toEqual({
			id: expect.stringMatching(/^[0-9a-f-]{36}$/),
			token: expect.stringMatching(/^sf_[A-Za-z0-9_-]{43}$/),
		});
		const token = created.json.token as string;
		expect((await api("GET", "/emails", { key: token })).status).toBe(200);

		const list = await api("GET", "/api-keys", { key: key.token });
		expect(list.status).toBe(200);
		const listed = (list.json.data as Record<string, unknown>[]).find(
			(k) => k.id === created.json.id,
		);
		// last_used_at is written off the request path (waitUntil), so its value is not asserted.
		expect(Object.keys(listed ?? {}).sort()).toEqual([
			"created_at",
			"domain_id",
			"id",
			"last_used_at",
			"name",
			"permission",
		]);
		expect(listed).toMatchObject({
			id: created.json.id,
			name: "Production",
			permission: "full_access",
			domain_id: null,
			created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
		});
		expect(JSON.stringify(list.json)).not.toContain(token);
	});

	it("revokes a key at once: the next request with it is refused", async () => {
		const { account, key } = await createSender();
		const doomed = await createApiKey(account.id);
		expect((await api("GET", "/emails", { key: doomed.token })).status).toBe(200);
		const deleted = await api("DELETE", `/api-keys/${doomed.id}`, { key: key.token });
		expect(deleted.status).toBe(200);
		expect(deleted.json).toEqual({ object: "api_key", id: doomed.id, deleted: true });
		const after = await api("GET", "/emails", { key: doomed.token });
		expect(after.status).toBe(403);
		expect(after.json.name).toBe("invalid_api_key");
	});

	it("creates a sending_access key restricted to one of the account's domains", async () => {
		const { key, domain } = await createSender();
		const created = await api("POST", "/api-keys", {
			key: key.token,
			body: { name: "Mailer", permission: "sending_access", domain_id: domain.id },
		});
		expect(created.status).toBe(201);
		const list = await api("GET", "/api-keys", { key: key.token });
		const listed = (list.json.data as Record<string, unknown>[]).find(
			(k) => k.id === created.json.id,
		);
		expect(listed).toMatchObject({ permission: "sending_access", domain_id: domain.id });
	});

	it("refuses another account's domain, a domain on a full_access key, and bad names", async () => {
		const { key } = await createSender();
		const other = await createSender();
		const foreign = await api("POST", "/api-keys", {
			key: key.token,
			body: { name: "x", permission: "sending_access", domain_id: other.domain.id },
		});
		expect(foreign.status).toBe(422);
		expect(foreign.json.message).toContain("`domain_id`");
		const fullWithDomain = await api("POST", "/api-keys", {
			key: key.token,
			body: { name: "x", domain_id: other.domain.id },
		});
		expect(fullWithDomain.status).toBe(422);
		for (const body of [
			{},
			{ name: "" },
			{ name: "x".repeat(51) },
			{ name: "x", permission: "admin" },
		]) {
			const res = await api("POST", "/api-keys", { key: key.token, body });
			expect(res.status, JSON.stringify(body)).toBe(422);
			expect(res.json.name).toBe("validation_error");
		}
	});

	it("answers 404 when deleting another account's key, and leaves it working", async () => {
		const mine = await createSender();
		const theirs = await createSender();
		const res = await api("DELETE", `/api-keys/${theirs.key.id}`, { key: mine.key.token });
		expect(res.status).toBe(404);
		expect((await api("GET", "/emails", { key: theirs.key.token })).status).toBe(200);
	});

	it("is closed to sending_access keys", async () => {
		const { account } = await createSender();
		await createDomain(account.id);
		const sending = await createApiKey(account.id, { permission: "sending_access" });
		const res = await api("POST", "/api-keys", { key: sending.token, body: { name: "x" } });
		expect(res.status).toBe(401);
		expect(res.json.name).toBe("restricted_api_key");
	});
});
