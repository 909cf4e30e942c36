/**
 * The app's OpenAPI document as the tests read it: `GET /openapi.json`, parsed into the parts
 * they look at (operations and their response statuses, component schemas), so no test casts.
 */
import { expect } from "vitest";
import { z } from "zod";
import { api } from "./api.ts";

const Operation = z.object({ responses: z.record(z.string(), z.unknown()) });

export const OpenApiDocument = z.object({
	openapi: z.string(),
	paths: z.record(z.string(), z.record(z.string(), Operation)),
	components: z.object({ schemas: z.record(z.string(), z.unknown()) }),
});

export async function readOpenApi() {
	const res = await api("GET", "/openapi.json");
	expect(res.status).toBe(200);
	return OpenApiDocument.parse(res.json);
}

/** Every operation as `METHOD /path` (the document's `{param}` spelling), sorted. */
export const operationsOf = (doc: Pick<z.infer<typeof OpenApiDocument>, "paths">) =>
	Object.entries(doc.paths)
		.flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
		.sort();
