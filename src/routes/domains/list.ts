import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { listDomains } from "../../db/queries/domains.ts";
import { createRouter } from "../../env.ts";
import { commonErrors, ListQuery, listResponse, toList } from "../common-schemas.ts";
import { presentDomainListItem } from "./present.ts";
import { DomainListItem } from "./schemas.ts";

const route = createRoute({
	method: "get",
	path: "/",
	summary: "List the account's domains, newest first",
	request: { query: ListQuery },
	responses: {
		200: {
			description: "A page of domains",
			content: { "application/json": { schema: listResponse(DomainListItem) } },
		},
		...commonErrors,
	},
});

export const listDomainsRoute = createRouter().openapi(route, async (c) => {
	const page = await listDomains(
		createDb(c.env.DB),
		c.get("caller").accountId,
		c.req.valid("query"),
	);
	return c.json(toList(page, presentDomainListItem), 200);
});
