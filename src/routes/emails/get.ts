import { createRoute, z } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { findEmailOfAccount } from "../../db/queries/emails.ts";
import { createRouter, describeZodError } from "../../env.ts";
import { ApiError, notFound } from "../../lib/errors.ts";
import { commonErrors, errorResponse, IdParam } from "../common-schemas.ts";
import { EmailSchema } from "./log-schemas.ts";
import { presentEmail } from "./present.ts";

const route = createRoute({
	method: "get",
	path: "/{id}",
	summary: "Retrieve an email with its content, status and event timeline",
	request: {
		params: z.object({
			id: z.string().openapi({
				param: { name: "id", in: "path" },
				example: "0192f1a4-7c3e-7d2a-9b1e-3f5a6c7d8e9f",
			}),
		}),
	},
	responses: {
		200: { description: "The email", content: { "application/json": { schema: EmailSchema } } },
		404: errorResponse(
			"No such email in this account; for a BYOC email's id (SES's message id), a message saying BYOC emails are not stored",
		),
		...commonErrors,
	},
});

/** SES's message ids (a BYOC email's id): 16 hex digits, a UUID, and 6 more. */
const SES_MESSAGE_ID = /^[0-9a-f]{16}-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}-[0-9a-f]{6}$/i;

export const getEmail = createRouter().openapi(route, async (c) => {
	const { id } = c.req.valid("param");
	if (SES_MESSAGE_ID.test(id)) {
		throw new ApiError(
			"not_found",
			"This is an id from BYOC sending (your SES's message id). BYOC emails are not stored: SendFleet keeps no log, content or status of them. Look them up in your own AWS account (SES event publishing or CloudWatch).",
		);
	}
	const valid = IdParam.safeParse({ id });
	if (!valid.success) throw new ApiError("validation_error", describeZodError(valid.error));
	const found = await findEmailOfAccount(createDb(c.env.DB), c.get("caller").accountId, id);
	if (!found) throw notFound("Email");
	return c.json(presentEmail(found), 200);
});
