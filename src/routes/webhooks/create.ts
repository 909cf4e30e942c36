import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { insertWebhookEndpoint } from "../../db/queries/webhooks.ts";
import { createRouter } from "../../env.ts";
import { uuidv7 } from "../../lib/ids.ts";
import { newSigningSecret } from "../../lib/webhook-signing.ts";
import { commonErrors, errorResponse } from "../common-schemas.ts";
import { allowedEndpoint, webhookSecretBox } from "./deps.ts";
import { CreatedWebhook, CreateWebhookBody } from "./schemas.ts";

const route = createRoute({
	method: "post",
	path: "/",
	summary: "Create a webhook endpoint for the chosen event types; answers its signing secret",
	request: {
		body: { required: true, content: { "application/json": { schema: CreateWebhookBody } } },
	},
	responses: {
		201: { description: "Created", content: { "application/json": { schema: CreatedWebhook } } },
		503: errorResponse("Webhooks are not configured on this deployment"),
		...commonErrors,
	},
});

export const createWebhook = createRouter().openapi(route, async (c) => {
	const body = c.req.valid("json");
	const endpoint = allowedEndpoint(c.env, body.endpoint);
	const box = await webhookSecretBox(c.env);
	const secret = newSigningSecret();
	const id = uuidv7();
	await insertWebhookEndpoint(createDb(c.env.DB), {
		id,
		accountId: c.get("caller").accountId,
		endpoint,
		events: [...new Set(body.events)],
		secretEncrypted: await box.seal(secret),
		createdAt: Date.now(),
	});
	return c.json({ object: "webhook" as const, id, signing_secret: secret }, 201);
});
