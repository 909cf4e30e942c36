/**
 * Login and sign-up throttling: every attempt counted before the password hash runs, so a
 * burst of parallel requests cannot all slip past the limit; and counted per client, so a
 * stranger hammering an address locks out only themselves.
 */
import { describe, expect, it } from "vitest";
import { loginFailures } from "../../src/db/schema.ts";
import { clientOf, throttleKeys } from "../../src/domain/auth-throttle.ts";
import { api } from "../helpers/api.ts";
import { db } from "../helpers/factories.ts";

const PASSWORD = "correct horse battery staple";
let n = 0;

async function signUpFrom(
	ip: string,
	email = `victim${Date.now().toString(36)}${n++}@example.com`,
) {
	const res = await api("POST", "/auth/signup", {
		headers: { "cf-connecting-ip": ip },
		body: { email, password: PASSWORD },
	});
	expect(res.status).toBe(201);
	return email;
}

const logIn = (email: string, ip: string, password = PASSWORD) =>
	api("POST", "/auth/login", { headers: { "cf-connecting-ip": ip }, body: { email, password } });

const statuses = (answers: { status: number }[]) =>
	Object.fromEntries(
		[...new Set(answers.map((a) => a.status))].map((s) => [
			s,
			answers.filter((a) => a.status === s).length,
		]),
	);

describe("login throttling", () => {
	it("lets five of thirty parallel wrong passwords reach the password check; the rest get 429", async () => {
		const victim = await signUpFrom("198.51.100.1");
		const attack = await Promise.all(
			Array.from({ length: 30 }, (_, i) => logIn(victim, "203.0.113.66", `wrong password ${i}`)),
		);
		expect(statuses(attack)).toEqual({ 401: 5, 429: 25 });
		const throttled = attack.find((a) => a.status === 429);
		expect(throttled?.json.name).toBe("rate_limit_exceeded");
		expect(throttled?.headers.get("retry-after")).toBe("900");

		// The attacker's address is throttled for this email, even with the right password…
		expect((await logIn(victim, "203.0.113.66")).status).toBe(429);
		// …while the owner, from their own address, logs in during the attack.
		expect((await logIn(victim, "198.51.100.1")).status).toBe(200);
		expect((await logIn(victim, "192.0.2.44")).status).toBe(200);
	});

	it("starts a client's count for an email over after the right password", async () => {
		const user = await signUpFrom("198.51.100.2");
		for (let i = 0; i < 4; i++) {
			expect((await logIn(user, "198.51.100.2", `typo number ${i}`)).status).toBe(401);
		}
		expect((await logIn(user, "198.51.100.2")).status).toBe(200);
		for (let i = 0; i < 5; i++) {
			expect((await logIn(user, "198.51.100.2", `typo again ${i}`)).status).toBe(401);
		}
		expect((await logIn(user, "198.51.100.2")).status).toBe(429);
	});

	it("counts an IPv6 client by its /64, not by each of its addresses", async () => {
		const user = await signUpFrom("198.51.100.3");
		const attack = await Promise.all(
			Array.from({ length: 8 }, (_, i) => logIn(user, `2001:db8:7:1::${i + 1}`, `guess ${i}`)),
		);
		expect(statuses(attack)).toEqual({ 401: 5, 429: 3 });
		expect((await logIn(user, "2001:db8:7:1:ffff::9")).status).toBe(429);
		expect((await logIn(user, "2001:db8:7:2::1")).status).toBe(200);
		expect(clientOf("2001:DB8:7:1:0:0:0:1")).toBe("2001:db8:7:1::/64");
		expect(clientOf("::ffff:192.0.2.7")).toBe("192.0.2.7");
	});

	it("keeps one client from spraying passwords over many addresses", async () => {
		const user = await signUpFrom("198.51.100.4");
		// As if this client had already made fifty attempts at other addresses.
		await db()
			.insert(loginFailures)
			.values({ key: throttleKeys.loginClient("203.0.113.50"), count: 50, firstAt: Date.now() });
		expect((await logIn(user, "203.0.113.50", "one more guess")).status).toBe(429);
		expect((await logIn(user, "198.51.100.4")).status).toBe(200);
	});

	it("past the per-email ceiling, lets through only the client the user last logged in from", async () => {
		const user = await signUpFrom("198.51.100.5");
		expect((await logIn(user, "198.51.100.5")).status).toBe(200);
		// As if twenty other clients had each spent their five guesses on this address.
		await db()
			.insert(loginFailures)
			.values({ key: throttleKeys.loginEmail(user), count: 100, firstAt: Date.now() })
			.onConflictDoUpdate({ target: loginFailures.key, set: { count: 100 } });
		expect((await logIn(user, "203.0.113.51", "a guess")).status).toBe(429);
		expect((await logIn(user, "192.0.2.45")).status).toBe(429);
		expect((await logIn(user, "198.51.100.5")).status).toBe(200);
	});
});

describe("sign-up throttling", () => {
	it("counts parallel sign-ups from one address before any is made: ten get through", async () => {
		const answers = await Promise.all(
			Array.from({ length: 14 }, (_, i) =>
				api("POST", "/auth/signup", {
					headers: { "cf-connecting-ip": "203.0.113.90" },
					body: { email: `rush${i}@example.com`, password: PASSWORD },
				}),
			),
		);
		expect(statuses(answers)).toEqual({ 201: 10, 429: 4 });
	});
});
