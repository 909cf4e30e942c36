import { createRoute } from "@hono/zod-openapi";
import { byocDepsFromEnv } from "../../deps.ts";
import { retestByoc } from "../../domain/byoc.ts";
import { createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { commonErrors, errorResponse } from "../common-schemas.ts";
import { refusalError } from "../refusal-errors.ts";
import { presentConnection } from "./present.ts";
import { ConnectionSchema } from "./schemas.ts";

const route = createRoute({
	method: "post",
	path: "/connection/test",
	summary: "Test the saved AWS connection again (SES GetAccount)",
	description:
		"Clears `broken` when the credentials work again (after you fixed the role or the policy), or sets it with the reason.",
	responses: {
		...commonErrors,
		200: {
			description: "It works; `ses` is refreshed",
			content: { "application/json": { schema: ConnectionSchema } },
		},
		404: errorResponse("This account has no AWS connection"),
		422: errorResponse("byoc_connection_failed: the connection does not work (now `broken`)"),
		503: errorResponse("AWS could not be reached; nothing changed"),
	},
});

export const testConnection = createRouter().openapi(route, async (c) => {
	const { accountId } = c.get("caller");
	const outcome = await retestByoc(byocDepsFromEnv(c.env), accountId);
	if (outcome.kind === "none") throw notFound("AWS connection");
	if (outcome.kind === "rejected") throw refusalError(outcome.reason);
	return c.json(
		presentConnection(accountId, c.env.SENDFLEET_AWS_ACCOUNT_ID, outcome.connection),
		200,
	);
});
