/**
 * Per-account request rate for the API's other endpoints, from the plan table, with the
 * `ratelimit-*` headers Resend sends and 429 `rate_limit_exceeded` with `retry-after`.
 *
 * Sending is metered inside the send path's single call to the account's guard (which also
 * checks suspension and quota), so it is skipped here. If the guard cannot be reached, reads
 * and management calls go ahead unmetered: rate limiting protects us, and failing closed would
 * turn a Durable Object hiccup into an outage of the whole API. (Sending fails closed.)
 */
import { createMiddleware } from "hono/factory";
import { guardFor } from "../durable-objects/index.ts";
import type { AppEnv } from "../env.ts";
import { rateLimitedError, setRateLimitHeaders } from "../lib/rate-limit.ts";
import { isSendRequest } from "./auth.ts";

export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
	if (isSendRequest(c)) return next();
	const caller = c.get("caller");
	const result = await guardFor(c.env, caller.accountId)
		.hit(caller.account.plan)
		.catch((cause) => {
			console.error("rate limit: account guard unavailable", cause);
			return null;
		});
	if (result && !result.ok) throw rateLimitedError(result.rate, 1);
	setRateLimitHeaders(c, result?.rate ?? null);
	await next();
});
