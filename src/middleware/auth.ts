/**
 * API-key authentication: `Authorization: Bearer sf_…`. Keys are stored only as SHA-256 hashes
 * (they are 256-bit random, so a fast hash is safe), looked up with the account in one query,
 * so a deleted key stops working on the very next request.
 */
import { createMiddleware } from "hono/factory";
import { createDb } from "../db/client.ts";
import { findApiKeyByHash, touchApiKey } from "../db/queries/api-keys.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../lib/errors.ts";
import { sha256Hex } from "../lib/ids.ts";
import { MINUTE } from "../lib/time.ts";

export const API_KEY_PREFIX = "sf_";

export const requireApiKey = createMiddleware<AppEnv>(async (c, next) => {
	const header = c.req.header("authorization");
	const token = header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
	if (!token) {
		throw new ApiError("missing_api_key", "Missing API key in the authorization header.", 401);
	}
	const key = token.startsWith(API_KEY_PREFIX)
		? await findApiKeyByHash(createDb(c.env.DB), await sha256Hex(token))
		: undefined;
	if (!key) throw new ApiError("invalid_api_key", "API key is invalid.", 403);

	c.set("caller", {
		accountId: key.accountId,
		apiKeyId: key.id,
		userId: null,
		isStaff: false,
		permission: key.permission,
		restrictedToDomainId: key.domainId,
		account: key.account,
	});
	// Record use at most once a minute, off the request path: a write per request would double
	// the D1 writes of every send.
	const now = Date.now();
	if (key.lastUsedAt === null || now - key.lastUsedAt > MINUTE) {
		c.executionCtx.waitUntil(touchApiKey(createDb(c.env.DB), key.id, now));
	}
	await next();
});

/** Everything but sending needs a `full_access` key, as on Resend. */
export const requireFullAccess = createMiddleware<AppEnv>(async (c, next) => {
	if (c.get("caller").permission !== "full_access") {
		throw new ApiError(
			"restricted_api_key",
			"This API key is restricted to only send emails.",
			401,
		);
	}
	await next();
});
