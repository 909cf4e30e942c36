/**
 * Calls the Worker's fetch handler the way a client would, with JSON and a bearer key, and
 * answers the body untyped. Tests use the typed client (./client.ts) for what the API's types
 * allow; this is for what they forbid on purpose: malformed or raw bodies, wrong content types,
 * made-up paths, and the generic checks of ./common-route-tests.ts.
 */
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { verifyEmail } from "./email-verification.ts";

export const BASE_URL = "https://api.sendfleet.test";

export async function api(
	method: string,
	path: string,
	options: {
		key?: string;
		body?: unknown;
		rawBody?: string;
		headers?: Record<string, string>;
	} = {},
) {
	const headers: Record<string, string> = { ...options.headers };
	if (options.key) headers.authorization = `Bearer ${options.key}`;
	let body: string | undefined = options.rawBody;
	if (options.body !== undefined) {
		body = JSON.stringify(options.body);
		headers["content-type"] ??= "application/json";
	}
	const response = await exports.default.fetch(`${BASE_URL}${path}`, { method, headers, body });
	const json = (await response.json()) as Record<string, unknown> & { data?: unknown[] };
	return { status: response.status, headers: response.headers, json };
}

let users = 0;

/**
 * Signs a new user up through the API, follows the verification link mailed to them (as a
 * verified email is needed for anything that matters), and returns what a browser would hold.
 */
export async function signUp(email = `user${Date.now().toString(36)}${users++}@example.com`) {
	const response = await exports.default.fetch(`${BASE_URL}/auth/signup`, {
		method: "POST",
		// Each test user signs up from its own client: sign-ups are throttled per IP (IPv6 per /64).
		headers: {
			"content-type": "application/json",
			"cf-connecting-ip": `2001:db8:${users.toString(16)}::1`,
		},
		body: JSON.stringify({ email, password: "correct horse battery staple", account_name: "Acme" }),
	});
	const signedUp = await session(email, response);
	if (signedUp.status === 201) expect(await verifyEmail(email)).toBe(200);
	return signedUp;
}

/** What a browser keeps from a sign-up or login answer (empty values when it failed). */
async function session(email: string, response: Response) {
	const json = (await response.json()) as {
		account_id?: string;
		csrf_token?: string;
		user?: { id: string };
	};
	const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
	return {
		email,
		cookie,
		csrf: json.csrf_token ?? "",
		accountId: json.account_id ?? "",
		userId: json.user?.id ?? "",
		status: response.status,
	};
}

/** Like `api`, as a logged-in browser: the session cookie, and the CSRF header on writes. */
export function asBrowser(session: { cookie: string; csrf: string }) {
	return (
		method: string,
		path: string,
		options: { body?: unknown; headers?: Record<string, string>; csrf?: boolean } = {},
	) =>
		api(method, path, {
			body: options.body,
			headers: {
				cookie: session.cookie,
				...(method !== "GET" && options.csrf !== false ? { "x-csrf-token": session.csrf } : {}),
				...options.headers,
			},
		});
}

/** Logs an existing user in through the API. */
export async function logIn(email: string, password = "correct horse battery staple") {
	const response = await exports.default.fetch(`${BASE_URL}/auth/login`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ email, password }),
	});
	return session(email, response);
}

/** A staff session (STAFF_EMAILS in the test config lists staff@sendfleet.test). */
export async function staffBrowser() {
	const signedUp = await signUp("staff@sendfleet.test");
	return asBrowser(signedUp.status === 201 ? signedUp : await logIn("staff@sendfleet.test"));
}
