import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { findWebhookEndpoint, updateWebhookEndpoint } from "../../db/queries/webhooks.ts";
import { createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { DAY } from "../../lib/time.ts";
import { newSigningSecret } from "../../lib/webhook-signing.ts";
import { commonErrors, errorResponse, IdParam } from "../common-schemas.ts";
import { webhookSecretBox } from "./deps.ts";
import { CreatedWebhook } from "./schemas.ts";

const route = createRoute({
	method: "post",
	path: "/{id}/signing-secret/rotate",
	summary:
		"Replace the signing secret; for 24 h deliveries carry signatures for both the old and the new one",
	request: { params: IdParam },
	responses: {
		200: {
			description: "The new secret",
			content: { "application/json": { schema: CreatedWebhook } },
		},
		404: errorResponse("No such webhook in this account"),
		503: errorResponse("Webhooks are not configured on this deployment"),
		...commonErrors,
	},
});

export const rotateWebhookSecret = createRouter().openapi(route, async (c) => {
	const { id } = c.req.valid("param");
	const { accountId } = c.get("caller");
	const db = createDb(c.env.DB);
	const row = await findWebhookEndpoint(db, accountId, id);
	if (!row) throw notFound("Webhook");
	const box = await webhookSecretBox(c.env);
	const secret = newSigningSecret();
	// The outgoing secret is re-sealed, so a rotation also moves it to the key ring's first key.
	const previous = await box.seal(await box.open(row.secretEncrypted));
	await updateWebhookEndpoint(db, accountId, id, {
		secretEncrypted: await box.seal(secret),
		previousSecretEncrypted: previous,
		previousSecretExpiresAt: Date.now() + DAY,
	});
	return c.json({ object: "webhook" as const, id, signing_secret: secret }, 200);
});
