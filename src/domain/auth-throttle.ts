/**
 * Throttling of the doors anyone can knock on: login, sign-up and the verification mail.
 *
 * Every attempt is counted BEFORE the work it could abuse (the password hash, a new account, a
 * mail), by one statement that increments the counter and answers the new count
 * (`countAttemptStatement`). D1 has no interactive transactions: a count read first and written
 * after the password check let thirty parallel wrong passwords all pass a limit of five.
 *
 * Logins are counted three ways within 15 minutes:
 * - per (email, client): 5. The limit a guesser meets. It is per client as well as per email
 *   so that a stranger hammering someone's address locks out only themselves: the owner, from
 *   their own network, still logs in (a per-email lock let anyone lock out anyone, staff
 *   included, with five requests every 15 minutes).
 * - per client: 50 over all emails, so one machine cannot spray passwords over many addresses.
 * - per email: 100 over all clients, the ceiling on guessing spread over many clients (it takes
 *   20 to reach it). Past it only the client the user last logged in from gets through: a
 *   botnet can then delay the owner on a new network until the window ends, but can neither
 *   keep guessing nor lock out the owner's usual client.
 * Only attempts that pass the first two limits reach the per-email count, so a single client
 * hammering an address cannot push it to the ceiling.
 *
 * A client is its IP address, and an IPv6 client its /64: a subscriber usually holds a whole
 * /64, and counting per address would hand them 2^64 fresh budgets.
 */
import type { Db } from "../db/client.ts";
import {
	countAttemptStatement,
	findUserByEmailStatement,
	type UserRow,
} from "../db/queries/users.ts";
import { HOUR, MINUTE } from "../lib/time.ts";

export const THROTTLE_WINDOW = 15 * MINUTE;
export const LOGIN_LIMITS = { perEmailAndClient: 5, perClient: 50, perEmail: 100 } as const;
/** Sign-ups per client within the window: enough for an office, not for a bot. */
export const SIGNUPS_PER_CLIENT = 10;
/** Verification mails a user may ask for per hour: each goes to an address nobody vouched for. */
export const VERIFICATION_MAIL_WINDOW = HOUR;
export const VERIFICATION_MAILS_PER_WINDOW = 3;

export const throttleKeys = {
	login: (email: string, client: string) => `login:${client} ${email}`,
	loginClient: (client: string) => `login-client:${client}`,
	loginEmail: (email: string) => `login-email:${email}`,
	signUp: (client: string) => `signup:${client}`,
	verificationMail: (userId: string) => `verification-mail:${userId}`,
};

export type Throttled = { kind: "throttled"; retryAfterSeconds: number };
const throttled = (window: number): Throttled => ({
	kind: "throttled",
	retryAfterSeconds: window / 1000,
});

/** The throttling identity of a client address: IPv4 as is, IPv6 by its /64 prefix. */
export function clientOf(ip: string): string {
	// IPv4, or IPv4 written as IPv6 (`::ffff:192.0.2.1`): the IPv4 address.
	const v4 = ip.match(/(?:^|:)(\d{1,3}(?:\.\d{1,3}){3})$/)?.[1];
	if (v4 || !ip.includes(":")) return v4 ?? ip;
	const [head = "", tail = ""] = ip.toLowerCase().split("%")[0]?.split("::") ?? [];
	const left = head ? head.split(":") : [];
	const right = tail ? tail.split(":") : [];
	const groups = ip.includes("::")
		? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
		: left;
	const prefix = groups.slice(0, 4).map((g) => Number.parseInt(g || "0", 16).toString(16));
	return `${prefix.join(":")}::/64`;
}

const over = (rows: { count: number }[], limit: number) => (rows[0]?.count ?? 0) > limit;

/**
 * Counts a login attempt and decides whether it may reach the password check. Answers the user
 * of that email (read in the same round trip), or none.
 */
export async function admitLogin(
	db: Db,
	email: string,
	client: string,
	now: number,
): Promise<Throttled | { kind: "admitted"; user: UserRow | undefined }> {
	const since = now - THROTTLE_WINDOW;
	const [pair, byClient] = await db.batch([
		countAttemptStatement(db, throttleKeys.login(email, client), now, since),
		countAttemptStatement(db, throttleKeys.loginClient(client), now, since),
	]);
	if (over(pair, LOGIN_LIMITS.perEmailAndClient) || over(byClient, LOGIN_LIMITS.perClient)) {
		return throttled(THROTTLE_WINDOW);
	}
	const [byEmail, [user]] = await db.batch([
		countAttemptStatement(db, throttleKeys.loginEmail(email), now, since),
		findUserByEmailStatement(db, email),
	]);
	if (over(byEmail, LOGIN_LIMITS.perEmail) && user?.lastLoginIp !== client) {
		return throttled(THROTTLE_WINDOW);
	}
	return { kind: "admitted", user };
}

/** Counts one attempt at `key`; throttled once more than `limit` fall within `window`. */
export async function admitAttempt(
	db: Db,
	key: string,
	limit: number,
	window: number,
	now: number,
): Promise<Throttled | null> {
	const counted = await countAttemptStatement(db, key, now, now - window);
	return over(counted, limit) ? throttled(window) : null;
}
