import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { findByocConnection } from "../../db/queries/byoc.ts";
import { createRouter } from "../../env.ts";
import { commonErrors } from "../common-schemas.ts";
import { presentConnection } from "./present.ts";
import { ConnectionSchema } from "./schemas.ts";

const route = createRoute({
	method: "get",
	path: "/connection",
	summary: "The AWS connection for BYOC sending, or how to set one up",
	description:
		"Without a connection, `status` is `not_connected` and the answer still carries the external id, SendFleet's AWS account id and the policies to create the IAM role with. `broken` means a send or test found the credentials refused; `broken_reason` says why.",
	responses: {
		200: {
			description: "The connection",
			content: { "application/json": { schema: ConnectionSchema } },
		},
		...commonErrors,
	},
});

export const getConnection = createRouter().openapi(route, async (c) => {
	const { accountId } = c.get("caller");
	const row = await findByocConnection(createDb(c.env.DB), accountId);
	return c.json(presentConnection(accountId, c.env.SENDFLEET_AWS_ACCOUNT_ID, row), 200);
});
