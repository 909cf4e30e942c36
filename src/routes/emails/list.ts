import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { listEmails } from "../../db/queries/emails.ts";
import { createRouter } from "../../env.ts";
import { commonErrors, ListQuery, listResponse, toList } from "../common-schemas.ts";
import { presentEmailListItem } from "./present.ts";
import { EmailListItem } from "./schemas.ts";

const route = createRoute({
	method: "get",
	path: "/",
	summary: "List the account's emails, newest first (keyset pagination with after/before)",
	request: { query: ListQuery },
	responses: {
		200: {
			description: "A page of emails",
			content: { "application/json": { schema: listResponse(EmailListItem) } },
		},
		...commonErrors,
	},
});

export const listEmailsRoute = createRouter().openapi(route, async (c) => {
	const page = await listEmails(
		createDb(c.env.DB),
		c.get("caller").accountId,
		c.req.valid("query"),
	);
	return c.json(toList(page, presentEmailListItem), 200);
});
