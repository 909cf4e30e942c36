/** `DELETE /suppressions/:id_or_email` and `POST /suppressions/batch/remove`. */
import { createRoute, z } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { deleteSuppressionsByIds, findSuppressionsByKeys } from "../../db/queries/suppressions.ts";
import { emitEvents, suppressionData } from "../../domain/webhook-events.ts";
import { type Bindings, createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { UUID_PATTERN } from "../../lib/ids.ts";
import { commonErrors, errorResponse } from "../common-schemas.ts";
import {
	DeletedSuppression,
	IdOrEmailParam,
	MAX_SUPPRESSION_BATCH,
	SuppressedAddress,
} from "./schemas.ts";

/** Removes the entries named by id or address; answers each key's entry and whether it existed. */
async function remove(env: Bindings, accountId: string, keys: string[]) {
	const db = createDb(env.DB);
	const rows = await findSuppressionsByKeys(db, accountId, keys);
	await deleteSuppressionsByIds(
		db,
		accountId,
		rows.map((r) => r.id),
	);
	const now = Date.now();
	await emitEvents(
		{ db, webhookQueue: env.WEBHOOK_QUEUE },
		rows.map((row) => ({
			accountId,
			type: "suppression.removed" as const,
			key: `suppression-removed:${row.id}`,
			at: now,
			data: suppressionData(row),
		})),
	);
	return keys.map((key) => {
		const row = rows.find((r) => r.id === key || r.email === key);
		return { object: "suppression" as const, id: row?.id ?? key, deleted: row !== undefined };
	});
}

const single = createRoute({
	method: "delete",
	path: "/{id_or_email}",
	summary: "Remove an address from the suppression list; sending to it is allowed again",
	request: { params: IdOrEmailParam },
	responses: {
		200: {
			description: "Removed",
			content: { "application/json": { schema: DeletedSuppression } },
		},
		404: errorResponse("Not on this account's list"),
		...commonErrors,
	},
});

const BatchRemoveBody = z.union([
	z.strictObject({ emails: z.array(SuppressedAddress).min(1).max(MAX_SUPPRESSION_BATCH) }),
	z.strictObject({
		ids: z
			.array(z.string().regex(UUID_PATTERN, "must be a suppression id"))
			.min(1)
			.max(MAX_SUPPRESSION_BATCH),
	}),
]);

const batch = createRoute({
	method: "post",
	path: "/batch/remove",
	summary: `Remove up to ${MAX_SUPPRESSION_BATCH} entries, by \`emails\` or by \`ids\``,
	request: {
		body: { required: true, content: { "application/json": { schema: BatchRemoveBody } } },
	},
	responses: {
		200: {
			description: "Removed",
			content: { "application/json": { schema: z.object({ data: z.array(DeletedSuppression) }) } },
		},
		...commonErrors,
	},
});

export const removeSuppressions = createRouter()
	.openapi(single, async (c) => {
		const key = c.req.valid("param").id_or_email.toLowerCase();
		const [result] = await remove(c.env, c.get("caller").accountId, [key]);
		if (!result?.deleted) throw notFound("Suppression");
		return c.json(result, 200);
	})
	.openapi(batch, async (c) => {
		const body = c.req.valid("json");
		const keys = "emails" in body ? body.emails : body.ids;
		return c.json({ data: await remove(c.env, c.get("caller").accountId, keys) }, 200);
	});
