import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { findEmailWithEvents } from "../../db/queries/emails.ts";
import { createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { commonErrors, errorResponse, IdParam } from "../common-schemas.ts";
import { presentEmail } from "./present.ts";
import { EmailSchema } from "./schemas.ts";

const route = createRoute({
	method: "get",
	path: "/{id}",
	summary: "Retrieve an email with its content, status and event timeline",
	request: { params: IdParam },
	responses: {
		200: { description: "The email", content: { "application/json": { schema: EmailSchema } } },
		404: errorResponse("No such email in this account"),
		...commonErrors,
	},
});

export const getEmail = createRouter().openapi(route, async (c) => {
	const found = await findEmailWithEvents(
		createDb(c.env.DB),
		c.get("caller").accountId,
		c.req.valid("param").id,
	);
	if (!found) throw notFound("Email");
	return c.json(presentEmail(found.email, found.events), 200);
});
