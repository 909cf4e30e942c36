import { createRoute } from "@hono/zod-openapi";
import { byocDepsFromEnv } from "../../deps.ts";
import { type ByocCredentialsInput, connectByoc } from "../../domain/byoc.ts";
import { createRouter } from "../../env.ts";
import { commonErrors, errorResponse } from "../common-schemas.ts";
import { refusalError } from "../refusal-errors.ts";
import { presentConnection } from "./present.ts";
import { ConnectionSchema, SaveConnectionBody } from "./schemas.ts";

const route = createRoute({
	method: "post",
	path: "/connection",
	summary: "Connect (or replace) the AWS account BYOC domains send through",
	description:
		"Tests the credentials with SES GetAccount in `region` before saving anything: a role must be assumable by SendFleet's AWS account with this account's external id (see GET /byoc/connection). An access key pair is encrypted at rest and never returned.",
	request: {
		body: { required: true, content: { "application/json": { schema: SaveConnectionBody } } },
	},
	responses: {
		...commonErrors,
		200: {
			description: "Tested and saved; `ses` says what SES answered",
			content: { "application/json": { schema: ConnectionSchema } },
		},
		422: errorResponse(
			"byoc_connection_failed: the role could not be assumed, a permission is missing (`missing_action` names it) or the key is not valid; nothing was saved",
		),
		503: errorResponse("AWS could not be reached; nothing was saved"),
	},
});

export const saveConnection = createRouter().openapi(route, async (c) => {
	const body = c.req.valid("json");
	const { accountId } = c.get("caller");
	const input: ByocCredentialsInput =
		"role_arn" in body
			? { method: "role", region: body.region, roleArn: body.role_arn }
			: {
					method: "access_key",
					region: body.region,
					accessKeyId: body.access_key_id,
					secretAccessKey: body.secret_access_key,
				};
	const outcome = await connectByoc(byocDepsFromEnv(c.env), accountId, input);
	if (outcome.kind === "rejected") throw refusalError(outcome.reason);
	return c.json(
		presentConnection(accountId, c.env.SENDFLEET_AWS_ACCOUNT_ID, outcome.connection),
		200,
	);
});
