import { createRoute } from "@hono/zod-openapi";
import { byocDepsFromEnv } from "../../deps.ts";
import { disconnectByoc } from "../../domain/byoc.ts";
import { createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { commonErrors, errorResponse } from "../common-schemas.ts";
import { DeletedConnection } from "./schemas.ts";

const route = createRoute({
	method: "delete",
	path: "/connection",
	summary: "Disconnect the AWS account; sending from BYOC domains stops at once",
	description:
		"The BYOC domains stay (their identities are in your SES); their sends answer `byoc_not_connected` until a connection is saved again.",
	responses: {
		200: {
			description: "Deleted",
			content: { "application/json": { schema: DeletedConnection } },
		},
		404: errorResponse("This account has no AWS connection"),
		...commonErrors,
	},
});

export const deleteConnection = createRouter().openapi(route, async (c) => {
	if (!(await disconnectByoc(byocDepsFromEnv(c.env), c.get("caller").accountId))) {
		throw notFound("AWS connection");
	}
	return c.json({ object: "byoc_connection" as const, deleted: true as const }, 200);
});
