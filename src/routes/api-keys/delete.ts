import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { deleteApiKey } from "../../db/queries/api-keys.ts";
import { createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { commonErrors, errorResponse, IdParam } from "../common-schemas.ts";
import { DeletedApiKey } from "./schemas.ts";

const route = createRoute({
	method: "delete",
	path: "/{id}",
	summary: "Delete (revoke) an API key; it stops working at once",
	request: { params: IdParam },
	responses: {
		200: { description: "Deleted", content: { "application/json": { schema: DeletedApiKey } } },
		404: errorResponse("No such key in this account"),
		...commonErrors,
	},
});

export const deleteApiKeyRoute = createRouter().openapi(route, async (c) => {
	const { id } = c.req.valid("param");
	if (!(await deleteApiKey(createDb(c.env.DB), c.get("caller").accountId, id))) {
		throw notFound("API key");
	}
	return c.json({ object: "api_key" as const, id, deleted: true as const }, 200);
});
