// A receiver's settings and the checks they pass before they are kept: its name, its signing
// secret (`whsec_<base64 key>`) and its fail switch. Whatever is refused throws
// ReceiverConfigError, which the routes answer with a 400.

import { decodeBase64 } from "./webhook-verification.ts";

const RECEIVER_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const SECRET_PREFIX = "whsec_";
const MAX_DELAY_MS = 60_000;

/** The fail switch: the next `remaining` deliveries (every one when null) get `status`. */
export interface ReceiverFailure {
	status: number;
	delayMs: number;
	remaining: number | null;
}

/**
 * A partial update. `secret`: `whsec_<base64 key>`, or null to forget it. `status`, `delayMs`,
 * `times`: any of them sets the fail switch (status default 503, delay 0, times: until cleared);
 * `status: null` clears it.
 */
export interface ReceiverConfigInput {
	secret?: string | null;
	status?: number | null;
	delayMs?: number;
	times?: number | null;
}

/** A configuration the receiver refuses; the routes answer it with a 400. */
export class ReceiverConfigError extends Error {
	constructor(message: string) {
		super(message);
		this.name = "ReceiverConfigError";
	}
}

/** The key of a `whsec_<base64>` secret; throws ReceiverConfigError otherwise. */
export function parseSecret(secret: string): Uint8Array<ArrayBuffer> {
	if (!secret.startsWith(SECRET_PREFIX)) {
		throw new ReceiverConfigError(`secret must start with "${SECRET_PREFIX}".`);
	}
	const key = decodeBase64(secret.slice(SECRET_PREFIX.length));
	if (key === null || key.byteLength === 0) {
		throw new ReceiverConfigError(`secret must be "${SECRET_PREFIX}" followed by base64.`);
	}
	return key;
}

export function parseSecretInput(secret: unknown): Uint8Array<ArrayBuffer> | null {
	if (secret === null) return null;
	if (typeof secret !== "string") throw new ReceiverConfigError("secret must be a string or null.");
	return parseSecret(secret);
}

export function parseFailure(
	input: ReceiverConfigInput,
	current: ReceiverFailure | null,
): ReceiverFailure | null {
	const { status, delayMs, times } = input;
	if (status === null) {
		if (delayMs !== undefined || times !== undefined) {
			throw new ReceiverConfigError("status null clears the fail switch: send it alone.");
		}
		return null;
	}
	if (status === undefined && delayMs === undefined && times === undefined) return current;
	if (status !== undefined && !(Number.isInteger(status) && status >= 200 && status <= 599)) {
		throw new ReceiverConfigError("status must be an HTTP status from 200 to 599.");
	}
	if (
		delayMs !== undefined &&
		!(Number.isInteger(delayMs) && delayMs >= 0 && delayMs <= MAX_DELAY_MS)
	) {
		throw new ReceiverConfigError(`delayMs must be a whole number from 0 to ${MAX_DELAY_MS}.`);
	}
	if (times !== undefined && times !== null && !(Number.isInteger(times) && times >= 1)) {
		throw new ReceiverConfigError(
			"times must be a positive whole number, or null for every delivery.",
		);
	}
	return { status: status ?? 503, delayMs: delayMs ?? 0, remaining: times ?? null };
}

export function checkName(name: string): void {
	if (!RECEIVER_NAME.test(name)) {
		throw new ReceiverConfigError("A receiver name is 1 to 64 letters, digits, '-' or '_'.");
	}
}
