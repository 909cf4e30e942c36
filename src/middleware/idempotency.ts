/**
 * `Idempotency-Key` on the sending endpoints (as Resend): a client that retries a send
 * after a timeout gets the first response back instead of a second email.
 *
 * - The key is 1 to 256 printable ASCII characters, kept 24 hours per account, and bound to
 *   one endpoint and one request body (its SHA-256).
 * - The first request claims the key before the handler runs; the same key and body later get
 *   the stored response with `idempotent-replayed: true`; another body or endpoint is 409
 *   `invalid_idempotent_request`; a request while the first still runs is 409
 *   `concurrent_idempotent_requests`.
 * - Only successes are kept: a 4xx or 5xx (validation, suppression, quota, an outage) gives
 *   the key back, so the corrected or later retry with the same key goes through. So does a
 *   failure to store the response: a key must never stay "in flight".
 * - Without the header this costs nothing: no body read, no D1 statement.
 *
 * Mount it after the body limit: it reads the whole body to hash it. Hono caches the body
 * (`c.req.text()`), so the route's JSON validator still parses it afterwards.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { createDb } from "../db/client.ts";
import {
	claimIdempotencyKey,
	completeIdempotencyKey,
	IDEMPOTENCY_KEY_TTL,
	type IdempotencyClaim,
	type IdempotencyRecord,
	releaseIdempotencyKey,
} from "../db/queries/idempotency.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../lib/errors.ts";
import { sha256Hex } from "../lib/ids.ts";
import { MINUTE } from "../lib/time.ts";
import { confirmCaller } from "./auth.ts";

export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
export const REPLAYED_HEADER = "idempotent-replayed";
export const MAX_IDEMPOTENCY_KEY_LENGTH = 256;

/**
 * A claim still without a response after this long belongs to a Worker that died mid-request
 * (a send is a few D1 statements and a queue write, done in well under a second), and may be
 * taken over rather than answering 409 for the rest of the day.
 */
export const ABANDONED_CLAIM_AFTER = 2 * MINUTE;

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** `endpoint` names the operation the key is bound to, e.g. `POST /emails`. */
export function idempotency(endpoint: string) {
	return createMiddleware<AppEnv>(async (c, next) => {
		const key = c.req.header(IDEMPOTENCY_KEY_HEADER);
		if (key === undefined) return next();
		checkKey(key);
		// A stored response is only replayed to a key D1 still has.
		await confirmCaller(c);

		const db = createDb(c.env.DB);
		const now = Date.now();
		const claim: IdempotencyClaim = { accountId: c.get("caller").accountId, key, createdAt: now };
		const requestHash = await sha256Hex(await c.req.text());
		const claimed = await claimIdempotencyKey(
			db,
			{ ...claim, endpoint, requestHash },
			{ expiredBefore: now - IDEMPOTENCY_KEY_TTL, abandonedBefore: now - ABANDONED_CLAIM_AFTER },
		);
		if (claimed.kind === "taken") return replay(claimed.record, endpoint, requestHash);

		try {
			await next();
		} catch (err) {
			// app.onError normally turns a thrown error into c.res; this is the path without it.
			await release(c, claim);
			throw err;
		}
		if (c.res.status >= 400) return release(c, claim);
		try {
			await completeIdempotencyKey(db, claim, {
				status: c.res.status,
				body: await c.res.clone().text(),
			});
		} catch (err) {
			console.error("could not store the idempotent response; releasing the key", err);
			await release(c, claim);
		}
	});
}

function checkKey(key: string): void {
	const rule = `The \`Idempotency-Key\` header must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters`;
	if (key.length === 0) throw new ApiError("invalid_idempotency_key", `${rule}; it is empty.`);
	if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
		throw new ApiError("invalid_idempotency_key", `${rule}; it has ${key.length} characters.`);
	}
	if (!PRINTABLE_ASCII.test(key)) {
		throw new ApiError(
			"invalid_idempotency_key",
			`${rule}; it contains a character outside that range.`,
		);
	}
}

/** Answers for a key someone already holds (the claim lost, so nothing has run). */
function replay(record: IdempotencyRecord, endpoint: string, requestHash: string): Response {
	if (record.endpoint !== endpoint) {
		throw new ApiError(
			"invalid_idempotent_request",
			`This idempotency key was already used on \`${record.endpoint}\` within the last 24 hours. Use a new key for a new request.`,
		);
	}
	if (record.requestHash !== requestHash) {
		throw new ApiError(
			"invalid_idempotent_request",
			"This idempotency key was already used with a different request body within the last 24 hours. Use a new key for a new request.",
		);
	}
	if (record.responseStatus === null || record.responseBody === null) {
		throw new ApiError(
			"concurrent_idempotent_requests",
			"A request with this idempotency key is still being processed. Retry once it has finished.",
		);
	}
	return new Response(record.responseBody, {
		status: record.responseStatus,
		headers: { "content-type": "application/json", [REPLAYED_HEADER]: "true" },
	});
}

/** Gives the key back; a failure here is logged, and the claim lapses as abandoned. */
async function release(c: Context<AppEnv>, claim: IdempotencyClaim): Promise<void> {
	try {
		await releaseIdempotencyKey(createDb(c.env.DB), claim);
	} catch (err) {
		console.error("could not release an idempotency key", err);
	}
}
