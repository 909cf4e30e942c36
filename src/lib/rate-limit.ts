/**
 * The IETF draft's `ratelimit-*` headers (what Resend sends) and the 429 that carries them:
 * one shape for the send path's guard call and the other endpoints' middleware.
 */
import type { Context } from "hono";
import type { RateLimitState } from "../domain/guard.ts";
import { ApiError } from "./errors.ts";

export function rateLimitHeaders(rate: RateLimitState): Record<string, string> {
	return {
		"ratelimit-limit": String(rate.limit),
		"ratelimit-remaining": String(rate.remaining),
		"ratelimit-reset": String(rate.resetSeconds),
	};
}

export function setRateLimitHeaders(c: Context, rate: RateLimitState | null) {
	if (rate)
		for (const [name, value] of Object.entries(rateLimitHeaders(rate))) c.header(name, value);
}

export function rateLimitedError(rate: RateLimitState, retryAfterSeconds: number): ApiError {
	return new ApiError(
		"rate_limit_exceeded",
		`Too many requests: this plan allows bursts of ${rate.limit} requests, refilled every second at its rate. Retry after ${retryAfterSeconds} s.`,
		undefined,
		{ ...rateLimitHeaders(rate), "retry-after": String(retryAfterSeconds) },
	);
}
