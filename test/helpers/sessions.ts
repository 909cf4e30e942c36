/**
 * Dashboard sessions made directly in D1, for tests that need a logged-in browser of a given
 * account (or a staff one) without paying for a sign-up's password hashing and its per-IP
 * throttle. The cookie and CSRF token are what a browser would hold after logging in.
 */
import { insertSession } from "../../src/db/queries/users.ts";
import { type UserRole, users } from "../../src/db/schema.ts";
import { randomToken, sha256Hex, uuidv7 } from "../../src/lib/ids.ts";
import { DAY } from "../../src/lib/time.ts";
import { SESSION_COOKIE } from "../../src/middleware/auth.ts";
import { db } from "./factories.ts";

let counter = 0;

/** A user of `accountId` with a live session; `role: "staff"` for SendFleet's own reviewers. */
export async function createSession(accountId: string, options: { role?: UserRole } = {}) {
	const now = Date.now();
	const userId = uuidv7(now);
	await db()
		.insert(users)
		.values({
			id: userId,
			email: `u${now.toString(36)}${(counter++).toString(36)}@example.com`,
			// Not a password hash: this user can never log in, only use the session below.
			passwordHash: "unusable",
			// Staff is derived per request: a verified email and, here, an explicit grant.
			emailVerifiedAt: now,
			staffGrant: options.role === "staff" ? "granted" : null,
			accountId,
			createdAt: now,
		});
	const token = randomToken("sess_");
	const csrf = randomToken("csrf_");
	await insertSession(db(), {
		id: uuidv7(now),
		tokenHash: await sha256Hex(token),
		csrfToken: csrf,
		userId,
		createdAt: now,
		expiresAt: now + 14 * DAY,
	});
	return { userId, cookie: `${SESSION_COOKIE}=${token}`, csrf };
}
