/**
 * Email verification in tests. The link is read from the notice SendFleet recorded for the
 * address (the text the simulator's inbox shows once the send queue has run), then used through
 * `POST /auth/verify-email` like a person clicking it: no shortcut writes to D1.
 */
import { exports } from "cloudflare:workers";
import { and, desc, eq, like } from "drizzle-orm";
import { notices } from "../../src/db/schema.ts";
import { db } from "./factories.ts";

const BASE = "https://api.sendfleet.test";
const PASSWORD = "correct horse battery staple";

/** The token of the newest verification link mailed to `email`. */
export async function verificationTokenFor(email: string): Promise<string> {
	const [notice] = await db()
		.select({ text: notices.text })
		.from(notices)
		.where(and(eq(notices.to, email), like(notices.text, "%/verify-email?token=%")))
		.orderBy(desc(notices.createdAt), desc(notices.id))
		.limit(1);
	const token = notice?.text.match(/\/verify-email\?token=([A-Za-z0-9_-]+)/)?.[1];
	if (!token) throw new Error(`no verification link was mailed to ${email}`);
	return token;
}

/** Follows the newest link mailed to `email`; answers the API's status. */
export async function verifyEmail(email: string, token?: string): Promise<number> {
	const response = await exports.default.fetch(`${BASE}/auth/verify-email`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ token: token ?? (await verificationTokenFor(email)) }),
	});
	await response.arrayBuffer();
	return response.status;
}

let signUps = 0;

/**
 * Signs `email` up through the API from an address of its own (sign-ups are throttled per
 * client, and IPv6 clients per /64) and answers what a browser holds, its email not verified.
 */
export async function signUpUnverified(
	email = `unverified${Date.now().toString(36)}${signUps}@example.com`,
) {
	const response = await exports.default.fetch(`${BASE}/auth/signup`, {
		method: "POST",
		headers: {
			"content-type": "application/json",
			"cf-connecting-ip": `2001:db8:${(0x8000 + signUps++).toString(16)}::1`,
		},
		body: JSON.stringify({ email, password: PASSWORD, account_name: "Acme" }),
	});
	const json = (await response.json()) as {
		account_id?: string;
		csrf_token?: string;
		user?: { id: string; role: string; email_verified: boolean };
	};
	return {
		email,
		status: response.status,
		json,
		cookie: (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "",
		csrf: json.csrf_token ?? "",
		accountId: json.account_id ?? "",
		userId: json.user?.id ?? "",
	};
}
