/**
 * The one outbound POST of a webhook delivery. A receiver can never hold us up or fill memory:
 * 10 s timeout for the whole exchange, redirects are not followed (a 3xx is a failed attempt:
 * following one could lead to an address the SSRF check refused), and only the first 1 KB of
 * the body is read before the stream is cancelled.
 */

export const DELIVERY_TIMEOUT_MS = 10_000;
export const RESPONSE_SNIPPET_BYTES = 1024;

export interface PostResult {
	/** 0 when no HTTP answer came. */
	status: number;
	response: string;
	durationMs: number;
	error: string | null;
}

export type PostWebhook = (
	url: string,
	headers: Record<string, string>,
	body: string,
) => Promise<PostResult>;

export function createWebhookSender(
	fetcher: () => typeof fetch = () => globalThis.fetch,
	timeoutMs = DELIVERY_TIMEOUT_MS,
): PostWebhook {
	return async (url, headers, body) => {
		const started = Date.now();
		const signal = AbortSignal.timeout(timeoutMs);
		try {
			const res = await fetcher()(url, {
				method: "POST",
				headers,
				body,
				redirect: "manual",
				signal,
			});
			const response = await readSnippet(res);
			const ok = res.status >= 200 && res.status < 300;
			return {
				status: res.status,
				response,
				durationMs: Date.now() - started,
				error: ok ? null : describeStatus(res),
			};
		} catch (cause) {
			const timedOut = signal.aborted;
			return {
				status: 0,
				response: "",
				durationMs: Date.now() - started,
				error: timedOut
					? `No answer within ${timeoutMs / 1000} s`
					: `Connection failed: ${cause instanceof Error ? cause.message : String(cause)}`,
			};
		}
	};
}

function describeStatus(res: Response): string {
	if (res.status >= 300 && res.status < 400) {
		return `Redirect to ${res.headers.get("location") ?? "(no location)"} not followed`;
	}
	return `HTTP ${res.status}`;
}

async function readSnippet(res: Response): Promise<string> {
	if (!res.body) return "";
	const reader = res.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	try {
		while (size < RESPONSE_SNIPPET_BYTES) {
			const { done, value } = await reader.read();
			if (done) break;
			chunks.push(value);
			size += value.byteLength;
		}
	} finally {
		await reader.cancel().catch(() => {});
	}
	const bytes = new Uint8Array(Math.min(size, RESPONSE_SNIPPET_BYTES));
	let offset = 0;
	for (const chunk of chunks) {
		const part = chunk.subarray(0, bytes.length - offset);
		bytes.set(part, offset);
		offset += part.byteLength;
		if (offset >= bytes.length) break;
	}
	return new TextDecoder().decode(bytes);
}
