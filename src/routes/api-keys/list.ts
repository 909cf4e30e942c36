import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { listApiKeys } from "../../db/queries/api-keys.ts";
import { createRouter } from "../../env.ts";
import { commonErrors, ListQuery, listResponse, toList } from "../common-schemas.ts";
import { ApiKeySchema, presentApiKey } from "./schemas.ts";

const route = createRoute({
	method: "get",
	path: "/",
	summary: "List the account's API keys, newest first",
	request: { query: ListQuery },
	responses: {
		200: {
			description: "A page of keys",
			content: { "application/json": { schema: listResponse(ApiKeySchema) } },
		},
		...commonErrors,
	},
});

export const listApiKeysRoute = createRouter().openapi(route, async (c) => {
	const page = await listApiKeys(
		createDb(c.env.DB),
		c.get("caller").accountId,
		c.req.valid("query"),
	);
	return c.json(toList(page, presentApiKey), 200);
});
