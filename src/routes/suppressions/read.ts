/** `GET /suppressions` (search, origin filter, cursors) and `GET /suppressions/:id_or_email`. */
import { createRoute, z } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { findSuppression, listSuppressions } from "../../db/queries/suppressions.ts";
import { SUPPRESSION_ORIGINS } from "../../db/schema.ts";
import { createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { commonErrors, errorResponse, listQuery, listResponse, toList } from "../common-schemas.ts";
import { IdOrEmailParam, presentSuppression, SuppressionSchema } from "./schemas.ts";

const list = createRoute({
	method: "get",
	path: "/",
	summary: "List the account's suppressed addresses, newest first",
	request: {
		query: listQuery({
			origin: z.enum(SUPPRESSION_ORIGINS).optional(),
			search: z.string().max(254).optional().openapi({ description: "Part of an address" }),
		}),
	},
	responses: {
		200: {
			description: "A page of entries",
			content: { "application/json": { schema: listResponse(SuppressionSchema) } },
		},
		...commonErrors,
	},
});

const get = createRoute({
	method: "get",
	path: "/{id_or_email}",
	summary: "Look up one entry by id or address",
	request: { params: IdOrEmailParam },
	responses: {
		200: {
			description: "The entry",
			content: { "application/json": { schema: SuppressionSchema } },
		},
		404: errorResponse("Not on this account's list"),
		...commonErrors,
	},
});

export const readSuppressions = createRouter()
	.openapi(list, async (c) => {
		const page = await listSuppressions(
			createDb(c.env.DB),
			c.get("caller").accountId,
			c.req.valid("query"),
		);
		return c.json(toList(page, presentSuppression), 200);
	})
	.openapi(get, async (c) => {
		const row = await findSuppression(
			createDb(c.env.DB),
			c.get("caller").accountId,
			c.req.valid("param").id_or_email,
		);
		if (!row) throw notFound("Suppression");
		return c.json(presentSuppression(row), 200);
	});
