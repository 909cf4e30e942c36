/** Schemas and shapes shared by every resource: ids, list queries, list responses, errors. */
import { z } from "@hono/zod-openapi";
import type { Page } from "../db/queries/pagination.ts";
import { UUID_PATTERN } from "../lib/ids.ts";

export const IdParam = z.object({
	id: z
		.string()
		.regex(UUID_PATTERN, "must be an id as returned by the API")
		.openapi({
			param: { name: "id", in: "path" },
			example: "0192f1a4-7c3e-7d2a-9b1e-3f5a6c7d8e9f",
		}),
});

const cursor = z.string().regex(UUID_PATTERN, "must be an id from a previous page").optional();

const listFields = {
	limit: z.coerce
		.number()
		.int("must be a whole number")
		.min(1, "must be between 1 and 100")
		.max(100, "must be between 1 and 100")
		.default(20),
	after: cursor,
	before: cursor,
};

/** `?limit=&after=&before=` plus a resource's own filters. */
export const listQuery = <T extends z.ZodRawShape>(filters: T) =>
	z.object({ ...listFields, ...filters }).refine(
		(q) => {
			const { after, before } = q as { after?: string; before?: string };
			return !(after && before);
		},
		{ message: "`after` and `before` cannot be used together." },
	);

export const ListQuery = listQuery({});

export const listResponse = <T extends z.ZodType>(item: T) =>
	z.object({ object: z.literal("list"), has_more: z.boolean(), data: z.array(item) });

export function toList<T, U>(page: Page<T>, present: (row: T) => U) {
	return { object: "list" as const, has_more: page.hasMore, data: page.rows.map(present) };
}

export const ErrorSchema = z
	.object({ statusCode: z.number().int(), name: z.string(), message: z.string() })
	.openapi("Error");

const errorResponse = (description: string) => ({
	description,
	content: { "application/json": { schema: ErrorSchema } },
});

/** The error responses every authenticated route can give, for the OpenAPI document. */
export const commonErrors = {
	401: errorResponse("Missing API key, or the key may not use this endpoint"),
	403: errorResponse("Invalid API key"),
	422: errorResponse("Invalid input; the message names the field"),
} as const;

export { errorResponse };

/** The error responses of every staff route. */
export const staffErrors = {
	401: errorResponse("Not logged in"),
	403: errorResponse("Not staff"),
} as const;
