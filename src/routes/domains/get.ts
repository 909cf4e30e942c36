import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { findDomain } from "../../db/queries/domains.ts";
import { createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { commonErrors, errorResponse, IdParam } from "../common-schemas.ts";
import { presentDomain } from "./present.ts";
import { DomainSchema } from "./schemas.ts";

const route = createRoute({
	method: "get",
	path: "/{id}",
	summary:
		"Retrieve a domain with its DNS records, per-record status and the last check's findings",
	request: { params: IdParam },
	responses: {
		200: { description: "The domain", content: { "application/json": { schema: DomainSchema } } },
		404: errorResponse("No such domain in this account"),
		...commonErrors,
	},
});

export const getDomain = createRouter().openapi(route, async (c) => {
	const domain = await findDomain(
		createDb(c.env.DB),
		c.get("caller").accountId,
		c.req.valid("param").id,
	);
	if (!domain) throw notFound("Domain");
	return c.json(presentDomain(domain), 200);
});
