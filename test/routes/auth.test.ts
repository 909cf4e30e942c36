import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { loginFailures, sessions, users } from "../../src/db/schema.ts";
import { PBKDF2_ITERATIONS, verifyPassword } from "../../src/lib/passwords.ts";
import { api, asBrowser, signUp } from "../helpers/api.ts";
import { db } from "../helpers/factories.ts";

const PASSWORD = "correct horse battery staple";

describe("sign-up and login", () => {
	it("signs up, sets a Secure HttpOnly host-only cookie, and stores only a PBKDF2 hash", async () => {
		const res = await api("POST", "/auth/signup", {
			body: { email: "New.Person@Example.com", password: PASSWORD, account_name: "Acme" },
		});
		expect(res.status).toBe(201);
		expect(res.json).toMatchObject({ user: { email: "new.person@example.com", role: "user" } });
		const cookie = res.headers.get("set-cookie") ?? "";
		expect(cookie).toMatch(/^__Host-sf_session=[A-Za-z0-9_-]{43};/);
		expect(cookie).toContain("HttpOnly");
		expect(cookie).toContain("Secure");
		expect(cookie).toContain("SameSite=Lax");
		expect(cookie).toContain("Path=/");
		expect(cookie).not.toContain("Domain");

		const [user] = await db().select().from(users).where(eq(users.email, "new.person@example.com"));
		expect(user?.passwordHash).toMatch(
			new RegExp(
				`^pbkdf2-sha256\\$${PBKDF2_ITERATIONS}\\$[A-Za-z0-9+/=]{24}\\$[A-Za-z0-9+/=]{44}$`,
			),
		);
		expect(user?.passwordHash).not.toContain(PASSWORD);
		expect(await verifyPassword(PASSWORD, user?.passwordHash ?? "")).toEqual({
			ok: true,
			needsRehash: false,
		});
	});

	it("refuses a duplicate sign-up, weak and over-long passwords, and a bad email", async () => {
		const first = await signUp();
		expect(
			(await api("POST", "/auth/signup", { body: { email: first.email, password: PASSWORD } }))
				.status,
		).toBe(409);
		for (const [body, message] of [
			[{ email: "a@example.com", password: "short" }, "at least 10"],
			[{ email: "a@example.com", password: "x".repeat(257) }, "at most 256"],
			[{ email: "a@example.com", password: "aaaaaaaaaaaa" }, "repetitive"],
			[{ email: "a@example.com", password: "A@example.com" }, "email"],
			[{ email: "nope", password: PASSWORD }, "email"],
		] as const) {
			const res = await api("POST", "/auth/signup", { body });
			expect(res.status, JSON.stringify(body)).toBe(422);
			expect(res.json.message).toContain(message);
		}
	});

	it("logs in, and answers a wrong password exactly like an unknown email", async () => {
		const user = await signUp();
		const ok = await api("POST", "/auth/login", {
			body: { email: user.email, password: PASSWORD },
		});
		expect(ok.status).toBe(200);
		expect(ok.json.csrf_token).toBeTypeOf("string");
		const wrong = await api("POST", "/auth/login", {
			body: { email: user.email, password: "wrong password!" },
		});
		const unknown = await api("POST", "/auth/login", {
			body: { email: "nobody-here@example.com", password: PASSWORD },
		});
		expect(wrong.status).toBe(401);
		expect(wrong.json).toEqual(unknown.json);
		expect(wrong.json).toEqual({
			statusCode: 401,
			name: "invalid_credentials",
			message: "Email or password is incorrect.",
		});
	});

	it("throttles logins after five failures for one email, even with the right password", async () => {
		const user = await signUp();
		for (let i = 0; i < 5; i++) {
			expect(
				(
					await api("POST", "/auth/login", {
						body: { email: user.email, password: `wrong-${i}-password` },
					})
				).status,
			).toBe(401);
		}
		const locked = await api("POST", "/auth/login", {
			body: { email: user.email, password: PASSWORD },
		});
		expect(locked.status).toBe(429);
		expect(locked.json.name).toBe("rate_limit_exceeded");
		expect(locked.headers.get("retry-after")).toBe("900");
		await db()
			.delete(loginFailures)
			.where(eq(loginFailures.key, `login:unknown ${user.email}`));
		expect(
			(await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD } }))
				.status,
		).toBe(200);
	});

	it("throttles sign-ups from one address after ten attempts", async () => {
		const headers = { "cf-connecting-ip": "203.0.113.77" };
		for (let i = 0; i < 10; i++) {
			const res = await api("POST", "/auth/signup", {
				headers,
				body: { email: `burst${i}@example.com`, password: PASSWORD },
			});
			expect(res.status).toBe(201);
		}
		const eleventh = await api("POST", "/auth/signup", {
			headers,
			body: { email: "burst10@example.com", password: PASSWORD },
		});
		expect(eleventh.status).toBe(429);
		expect(eleventh.headers.get("retry-after")).toBe("900");
		const elsewhere = await api("POST", "/auth/signup", {
			headers: { "cf-connecting-ip": "203.0.113.78" },
			body: { email: "burst10@example.com", password: PASSWORD },
		});
		expect(elsewhere.status).toBe(201);
	});

	it("makes configured staff emails staff", async () => {
		const staff = await signUp("staff@sendfleet.test");
		expect(staff.status).toBe(201);
		const session = await asBrowser(staff)("GET", "/auth/session");
		expect(session.json.user).toMatchObject({ role: "staff" });
	});
});

describe("sessions on the API", () => {
	it("act for their account on the same API as keys", async () => {
		const user = await signUp();
		const browser = asBrowser(user);
		const created = await browser("POST", "/api-keys", { body: { name: "From the dashboard" } });
		expect(created.status).toBe(201);
		expect((await browser("GET", "/emails")).status).toBe(200);
		const account = await browser("GET", "/account");
		expect(account.json.id).toBe(user.accountId);
	});

	it("refuse a write without the CSRF token or from another site", async () => {
		const user = await signUp();
		const browser = asBrowser(user);
		const noToken = await browser("POST", "/api-keys", { body: { name: "x" }, csrf: false });
		expect(noToken.status).toBe(403);
		expect(noToken.json.name).toBe("csrf_rejected");
		const wrongToken = await browser("POST", "/api-keys", {
			body: { name: "x" },
			headers: { "x-csrf-token": "guess" },
		});
		expect(wrongToken.status).toBe(403);
		const crossSite = await browser("POST", "/api-keys", {
			body: { name: "x" },
			headers: { origin: "https://evil.test" },
		});
		expect(crossSite.status).toBe(403);
		expect(crossSite.json.message).toContain("https://evil.test");
		const sameSite = await browser("POST", "/api-keys", {
			body: { name: "x" },
			headers: { origin: "https://api.sendfleet.test" },
		});
		expect(sameSite.status).toBe(201);
	});

	it("reject an expired session", async () => {
		const user = await signUp();
		await db()
			.update(sessions)
			.set({ expiresAt: Date.now() - 1000 })
			.where(eq(sessions.userId, user.userId));
		const res = await asBrowser(user)("GET", "/emails");
		expect(res.status).toBe(401);
		expect(res.json.name).toBe("invalid_session");
	});

	it("reject forged and ended sessions", async () => {
		const forged = await api("GET", "/emails", {
			headers: { cookie: "__Host-sf_session=forged-token" },
		});
		expect(forged.status).toBe(401);
		expect(forged.json.name).toBe("invalid_session");

		const user = await signUp();
		const browser = asBrowser(user);
		expect((await browser("POST", "/auth/logout", { csrf: false })).status).toBe(403);
		const out = await browser("POST", "/auth/logout");
		expect(out.status).toBe(200);
		expect(out.headers.get("set-cookie")).toMatch(/__Host-sf_session=;/);
		expect((await browser("GET", "/emails")).status).toBe(401);
	});
});
