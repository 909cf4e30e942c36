import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { insertApiKey } from "../../db/queries/api-keys.ts";
import { findDomain } from "../../db/queries/domains.ts";
import { createRouter } from "../../env.ts";
import { ApiError } from "../../lib/errors.ts";
import { randomToken, sha256Hex, uuidv7 } from "../../lib/ids.ts";
import { API_KEY_PREFIX } from "../../middleware/auth.ts";
import { commonErrors } from "../common-schemas.ts";
import { CreateApiKeyBody, CreatedApiKey } from "./schemas.ts";

const route = createRoute({
	method: "post",
	path: "/",
	summary: "Create an API key; the token is in this response only",
	request: {
		body: { required: true, content: { "application/json": { schema: CreateApiKeyBody } } },
	},
	responses: {
		201: { description: "Created", content: { "application/json": { schema: CreatedApiKey } } },
		...commonErrors,
	},
});

export const createApiKey = createRouter().openapi(route, async (c) => {
	const { accountId } = c.get("caller");
	const body = c.req.valid("json");
	const db = createDb(c.env.DB);
	if (body.domain_id && !(await findDomain(db, accountId, body.domain_id))) {
		throw new ApiError("validation_error", "`domain_id` is not a domain of this account.");
	}
	const token = randomToken(API_KEY_PREFIX);
	const id = uuidv7();
	await insertApiKey(db, {
		id,
		accountId,
		name: body.name,
		tokenHash: await sha256Hex(token),
		permission: body.permission,
		domainId: body.domain_id ?? null,
		createdAt: Date.now(),
	});
	return c.json({ id, token }, 201);
});
