/**
 * Fetches an attachment given by `path` (a customer's URL) once, for the send, without letting
 * the URL reach what it should not or the host hold us up or fill memory:
 *
 * - The URL, and every redirect target, must pass the webhook endpoints' rules
 *   (`checkEndpointUrl`: https only, a public host name on 443 or 8443, no IP literal, no
 *   `localhost`/`.local`/`.internal`, no credentials; `localPrefix` lets one development origin
 *   through). Those name rules are what we can check: a Worker's fetch cannot reach private
 *   networks anyway (it leaves from Cloudflare's edge to the public Internet), so a public name
 *   that resolves to 10.0.0.1 gains nothing.
 * - Redirects are followed by hand (`redirect: "manual"`), at most `maxRedirects` hops, each
 *   target re-checked and resolved against the URL that answered.
 * - One timeout covers every hop, the connections and the whole body.
 * - The size cap is enforced while reading: a `content-length` over it is refused before the
 *   body, and a body without one (or lying) is cancelled as soon as it passes the cap.
 *
 * Failures are expected outcomes (a customer's 404, a slow host), so they come back as a short
 * `reason` the API puts after the attachment's name, never as exceptions.
 */
import { checkEndpointUrl } from "../lib/public-url.ts";

export const ATTACHMENT_FETCH_TIMEOUT_MS = 10_000;
export const ATTACHMENT_MAX_REDIRECTS = 3;

export interface FetchAttachmentOptions {
	/** The development origin let through (`ATTACHMENT_ALLOW_LOCAL_URL_PREFIX`); empty in production. */
	localPrefix: string;
	maxBytes: number;
	/** For all hops and the whole body; default 10 s. */
	timeoutMs?: number;
	/** Default 3. */
	maxRedirects?: number;
}

export type AttachmentFetch =
	| { kind: "ok"; bytes: Uint8Array; contentType: string | null }
	| { kind: "failed"; reason: string };

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export async function fetchAttachment(
	url: string,
	options: FetchAttachmentOptions,
): Promise<AttachmentFetch> {
	const timeoutMs = options.timeoutMs ?? ATTACHMENT_FETCH_TIMEOUT_MS;
	const maxRedirects = options.maxRedirects ?? ATTACHMENT_MAX_REDIRECTS;
	const signal = AbortSignal.timeout(timeoutMs);
	const tookTooLong = failed(`it took longer than ${formatDuration(timeoutMs)}`);

	const first = checkEndpointUrl(url, options.localPrefix);
	if (first.kind === "refused") return failed(`its URL ${first.why}`);
	let current = first.url;

	for (let redirects = 0; ; redirects++) {
		let response: Response;
		const pending = fetch(current, { method: "GET", redirect: "manual", signal });
		try {
			response = await untilAborted(pending, signal);
		} catch {
			// A late answer after the timeout is dropped unread.
			pending.then(discard, () => {});
			return signal.aborted ? tookTooLong : failed("its host could not be reached");
		}

		if (REDIRECT_STATUSES.has(response.status)) {
			discard(response);
			if (redirects >= maxRedirects) {
				return failed(
					`it redirected more than ${maxRedirects} time${maxRedirects === 1 ? "" : "s"}`,
				);
			}
			const location = response.headers.get("location");
			if (!location) return failed(`the host answered ${response.status} without a Location`);
			let target: string;
			try {
				target = new URL(location, current).href;
			} catch {
				return failed("it redirected to an invalid URL");
			}
			const check = checkEndpointUrl(target, options.localPrefix);
			if (check.kind === "refused") return failed(`it redirected to a URL that ${check.why}`);
			current = check.url;
			continue;
		}

		if (response.status < 200 || response.status > 299) {
			discard(response);
			return failed(`the host answered ${response.status}`);
		}

		const tooLarge = failed(`it is larger than ${formatBytes(options.maxBytes)} bytes`);
		const declared = Number(response.headers.get("content-length") ?? Number.NaN);
		if (declared > options.maxBytes) {
			discard(response);
			return tooLarge;
		}
		const contentType = response.headers.get("content-type");
		const body = await readCapped(response, options.maxBytes, signal);
		switch (body.kind) {
			case "ok":
				return { kind: "ok", bytes: body.bytes, contentType };
			case "too-large":
				return tooLarge;
			case "error":
				return signal.aborted ? tookTooLong : failed("the connection broke while reading it");
		}
	}
}

type BodyRead = { kind: "ok"; bytes: Uint8Array } | { kind: "too-large" } | { kind: "error" };

/** Reads the body chunk by chunk, cancelling it once past `maxBytes` or on timeout. */
async function readCapped(
	response: Response,
	maxBytes: number,
	signal: AbortSignal,
): Promise<BodyRead> {
	if (response.body === null) return { kind: "ok", bytes: new Uint8Array(0) };
	const reader = response.body.getReader();
	const chunks: Uint8Array[] = [];
	let total = 0;
	try {
		for (;;) {
			const { done, value } = await untilAborted(reader.read(), signal);
			if (done) break;
			total += value.byteLength;
			if (total > maxBytes) {
				reader.cancel().catch(() => {});
				return { kind: "too-large" };
			}
			chunks.push(value);
		}
	} catch {
		reader.cancel().catch(() => {});
		return { kind: "error" };
	}
	const bytes = new Uint8Array(total);
	let offset = 0;
	for (const chunk of chunks) {
		bytes.set(chunk, offset);
		offset += chunk.byteLength;
	}
	return { kind: "ok", bytes };
}

/**
 * `promise`, or a rejection as soon as `signal` aborts. fetch() honours the signal itself, but a
 * fetch handled in the same isolate (the simulator in tests) or a stalled body read may not, and
 * the timeout must hold whatever answers.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => reject(signal.reason);
		if (signal.aborted) onAbort();
		signal.addEventListener("abort", onAbort, { once: true });
		promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
	});
}

/** Not awaited: a host that stalls on the cancel must not hold the send up. */
function discard(response: Response): void {
	response.body?.cancel().catch(() => {});
}

function failed(reason: string): AttachmentFetch {
	return { kind: "failed", reason };
}

/** 29360128 → "29,360,128" (no Intl: the reason must read the same everywhere). */
function formatBytes(n: number): string {
	return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function formatDuration(ms: number): string {
	return ms % 1000 === 0 ? `${ms / 1000} s` : `${formatBytes(ms)} ms`;
}
