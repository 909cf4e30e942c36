/**
 * Authentication: who is calling, resolved once per request into `c.var.caller`.
 *
 * - API keys: `Authorization: Bearer sf_…`. Stored only as SHA-256 hashes (they are 256-bit
 *   random, so a fast hash is safe), looked up with the account in one query on every request,
 *   so a deleted key stops working on the very next request. The sending endpoints may start
 *   work with a warm key and read it in their own first batch (`authenticateKey`), never finish
 *   without it.
 * - Dashboard sessions: the `__Host-sf_session` cookie (HttpOnly, Secure, SameSite=Lax, path /),
 *   also stored hashed. A session acts for its user's account with full access. Because
 *   browsers attach cookies by themselves, every cookie-authenticated write must also carry the
 *   session's `x-csrf-token` header (which a cross-site page cannot read) and, when the browser
 *   sends an Origin, come from the API's own origin or the dashboard's. Whether the user is
 *   staff is decided on every request from STAFF_EMAILS and the user's explicit grant
 *   (src/domain/sessions.ts `isStaff`), never read from a stored role, so a removal from the
 *   list or a revocation takes effect at once.
 */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { createDb } from "../db/client.ts";
import { type ApiKeyLookupRow, findApiKeyByHash, touchApiKey } from "../db/queries/api-keys.ts";
import { findSession } from "../db/queries/users.ts";
import { isStaff } from "../domain/sessions.ts";
import type { AppEnv, Caller } from "../env.ts";
import { ApiError } from "../lib/errors.ts";
import { sha256Hex } from "../lib/ids.ts";
import { MINUTE } from "../lib/time.ts";
import { coloKeys, type KeyRow, warmKeys } from "./warm-keys.ts";

export const API_KEY_PREFIX = "sf_";
export const SESSION_COOKIE = "__Host-sf_session";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
	const header = c.req.header("authorization");
	if (header) await authenticateKey(c, header);
	else {
		const cookie = getCookie(c, SESSION_COOKIE);
		if (!cookie) {
			throw new ApiError("missing_api_key", "Missing API key in the authorization header.");
		}
		await authenticateSession(c, cookie);
	}
	await next();
});

/** The sending endpoints, which may start with a warm key (see `authenticateKey`). */
export function isSendRequest(c: Context<AppEnv>) {
	return c.req.method === "POST" && (c.req.path === "/emails" || c.req.path === "/emails/batch");
}

/**
 * Looks the key up in D1 on every request. On the sending endpoints a key this isolate, or
 * another of its data centre, has seen (src/middleware/warm-keys.ts) is not looked up here: the
 * caller is taken from the cache and `keyCheck` asks the send path to read the key in the batch
 * of its own lookups, before it stores anything (two round trips instead of three, and one D1
 * query fewer per send). On a send with a key new to the data centre, the miss costs a local
 * cache read before the key's lookup.
 */
async function authenticateKey(c: Context<AppEnv>, header: string) {
	const token = header.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
	if (!token) {
		throw new ApiError("missing_api_key", "Missing API key in the authorization header.");
	}
	if (!token.startsWith(API_KEY_PREFIX))
		throw new ApiError("invalid_api_key", "API key is invalid.");
	const hash = await sha256Hex(token);
	const waitUntil = (work: Promise<unknown>) => c.executionCtx.waitUntil(work);
	const sending = isSendRequest(c);
	const remember = (key: ApiKeyLookupRow | undefined) => {
		if (key) warmKeys.remember(hash, key);
		else {
			warmKeys.forget(hash);
			// Only the sending endpoints read the data centre's entries.
			if (sending) waitUntil(coloKeys.delete(hash));
		}
		return key;
	};
	const warm = sending ? (warmKeys.get(hash) ?? (await warmFromColo(hash))) : undefined;
	if (warm) {
		c.set("keyCheck", {
			tokenHash: hash,
			settle: (row) => {
				const key = remember(row);
				return key ? callerOfKey(key) : null;
			},
		});
	}
	const key = warm ?? remember(await findApiKeyByHash(createDb(c.env.DB), hash));
	if (!key) throw new ApiError("invalid_api_key", "API key is invalid.");
	c.set("caller", callerOfKey(key));
	// Record use at most once a minute, off the request path: a write per request would double
	// the D1 writes of every send.
	const now = Date.now();
	if (key.lastUsedAt === null || now - key.lastUsedAt > MINUTE) {
		key.lastUsedAt = now;
		waitUntil(touchApiKey(createDb(c.env.DB), key.id, now));
	}
	// Read from D1 here: the data centre's other isolates may start warm with it (after the
	// touch, so they do not record its use again).
	if (!warm && sending) waitUntil(coloKeys.put(hash, key));
}

/** A key another isolate of this data centre has seen, now warm in this one too. */
async function warmFromColo(hash: string): Promise<KeyRow | undefined> {
	const key = await coloKeys.get(hash);
	if (key) warmKeys.remember(hash, key);
	return key;
}

function callerOfKey(key: KeyRow): Caller {
	return {
		accountId: key.accountId,
		apiKeyId: key.id,
		userId: null,
		isStaff: false,
		permission: key.permission,
		restrictedToDomainId: key.domainId,
		account: key.account,
	};
}

/**
 * For code on a sending endpoint that must not act before the key is confirmed (a replayed
 * idempotent response): reads a warm key in D1 now and refuses a key that is gone.
 */
export async function confirmCaller(c: Context<AppEnv>) {
	const check = c.get("keyCheck");
	if (!check) return;
	const caller = check.settle(await findApiKeyByHash(createDb(c.env.DB), check.tokenHash));
	c.set("keyCheck", undefined);
	if (!caller) throw new ApiError("invalid_api_key", "API key is invalid.");
	c.set("caller", caller);
}

async function authenticateSession(c: Context<AppEnv>, token: string) {
	const session = await findSession(createDb(c.env.DB), await sha256Hex(token), Date.now());
	if (!session) {
		throw new ApiError(
			"invalid_session",
			"Your session has expired or is not valid. Log in again.",
		);
	}
	if (!SAFE_METHODS.has(c.req.method)) checkCrossSite(c, session.csrfToken);
	c.set("caller", {
		accountId: session.user.accountId,
		apiKeyId: null,
		userId: session.user.id,
		isStaff: isStaff(session.user, c.env.STAFF_EMAILS),
		permission: "full_access",
		restrictedToDomainId: null,
		account: session.account,
	});
}

/** The CSRF defences for cookie-authenticated writes (see the module header). */
export function checkCrossSite(c: Context<AppEnv>, csrfToken: string) {
	const origin = c.req.header("origin");
	if (origin && !allowedOrigins(c).has(origin)) {
		throw new ApiError("csrf_rejected", `Requests from ${origin} may not use the session cookie.`);
	}
	const sent = new TextEncoder().encode(c.req.header("x-csrf-token") ?? "");
	const expected = new TextEncoder().encode(csrfToken);
	if (sent.length !== expected.length || !crypto.subtle.timingSafeEqual(sent, expected)) {
		throw new ApiError(
			"csrf_rejected",
			"Missing or wrong x-csrf-token header; it is returned by POST /auth/login and GET /auth/session.",
		);
	}
}

function allowedOrigins(c: Context<AppEnv>): Set<string> {
	const own = new URL(c.req.url).origin;
	const dashboard = URL.canParse(c.env.DASHBOARD_URL) ? new URL(c.env.DASHBOARD_URL).origin : own;
	return new Set([own, dashboard]);
}

/** Everything but sending needs a `full_access` key, as on Resend. */
export const requireFullAccess = createMiddleware<AppEnv>(async (c, next) => {
	if (c.get("caller").permission !== "full_access") {
		throw new ApiError("restricted_api_key", "This API key is restricted to only send emails.");
	}
	await next();
});

/** Staff pages: a staff user's dashboard session (staff need a verified email). */
export const requireStaff = createMiddleware<AppEnv>(async (c, next) => {
	if (!c.get("caller").isStaff) {
		throw new ApiError(
			"forbidden",
			"Only SendFleet staff may use this endpoint, with a verified email address.",
		);
	}
	await next();
});
