// The JSON controls' request bodies: `Content-Type: application/json` is required (a web page
// cannot then post to a developer's simulator cross-site without a CORS preflight, which the
// simulator never grants), and the body must be a JSON object; an empty body is `{}`.

import type { Context } from "hono";

/** Whether a control request is JSON. */
export function isJsonContentType(contentType: string | undefined): boolean {
	return contentType?.split(";")[0]?.trim().toLowerCase() === "application/json";
}

/** The body as an object, or the status and message to refuse it with. */
export async function readJsonObject(
	c: Context,
): Promise<{ body: Record<string, unknown> } | { status: 400 | 415; error: string }> {
	if (!isJsonContentType(c.req.header("content-type"))) {
		return { status: 415, error: "Content-Type must be application/json." };
	}
	const text = await c.req.text();
	if (text.trim() === "") return { body: {} };
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		return { status: 400, error: "The request body is not valid JSON." };
	}
	if (typeof body !== "object" || body === null || Array.isArray(body)) {
		return { status: 400, error: "The request body must be a JSON object." };
	}
	return { body: body as Record<string, unknown> };
}
