/** Calls the Worker's fetch handler the way a client would, with JSON and a bearer key. */
import { exports } from "cloudflare:workers";

export const BASE_URL = "https://api.sendfleet.test";

export async function api(
	method: string,
	path: string,
	options: {
		key?: string;
		body?: unknown;
		rawBody?: string;
		headers?: Record<string, string>;
	} = {},
) {
	const headers: Record<string, string> = { ...options.headers };
	if (options.key) headers.authorization = `Bearer ${options.key}`;
	let body: string | undefined = options.rawBody;
	if (options.body !== undefined) {
		body = JSON.stringify(options.body);
		headers["content-type"] ??= "application/json";
	}
	const response = await exports.default.fetch(`${BASE_URL}${path}`, { method, headers, body });
	const json = (await response.json()) as Record<string, unknown> & { data?: unknown[] };
	return { status: response.status, headers: response.headers, json };
}
