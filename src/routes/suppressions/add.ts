/** `POST /suppressions` and `POST /suppressions/batch/add`: manual entries (origin `manual`). */
import { createRoute, z } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { runBatch } from "../../db/queries/emails.ts";
import {
	findSuppressionsByKeys,
	insertSuppressionStatement,
	suppressionStored,
} from "../../db/queries/suppressions.ts";
import {
	enqueueDeliveries,
	outwardEventStatements,
	suppressionData,
	type WebhookStore,
} from "../../domain/webhook-events.ts";
import { type Bindings, createRouter } from "../../env.ts";
import { uuidv7 } from "../../lib/ids.ts";
import { commonErrors } from "../common-schemas.ts";
import { MAX_SUPPRESSION_BATCH, SuppressedAddress, SuppressionRef } from "./schemas.ts";

const storeOf = (env: Bindings): WebhookStore => ({
	db: createDb(env.DB),
	webhookQueue: env.WEBHOOK_QUEUE,
});

/** Adds the addresses not yet listed; answers every address's entry id, in the given order. */
async function addManual(store: WebhookStore, accountId: string, emails: string[]) {
	const { db } = store;
	const unique = [...new Set(emails)];
	const now = Date.now();
	const rows = unique.map((email) => ({
		id: uuidv7(now),
		accountId,
		email,
		origin: "manual" as const,
		sourceId: null,
		createdAt: now,
	}));
	// suppression.added for the addresses this request really added, in the same batch.
	const emit = await outwardEventStatements(
		db,
		rows.map((row) => ({
			accountId,
			type: "suppression.added" as const,
			key: `suppression:${row.id}`,
			at: now,
			data: suppressionData(row),
			onlyIf: suppressionStored(row),
		})),
	);
	const results = await runBatch(db, [
		...rows.map((row) => insertSuppressionStatement(db, row)),
		...emit.statements,
	]);
	await enqueueDeliveries(store, emit.deliveriesIn(results, rows.length));
	const listed = await findSuppressionsByKeys(db, accountId, unique);
	const idByEmail = new Map(listed.map((r) => [r.email, r.id]));
	return emails.map((email) => ({
		object: "suppression" as const,
		id: idByEmail.get(email) ?? "",
	}));
}

const single = createRoute({
	method: "post",
	path: "/",
	summary: "Add an address to the suppression list (idempotent)",
	request: {
		body: {
			required: true,
			content: { "application/json": { schema: z.strictObject({ email: SuppressedAddress }) } },
		},
	},
	responses: {
		201: { description: "Listed", content: { "application/json": { schema: SuppressionRef } } },
		...commonErrors,
	},
});

const batch = createRoute({
	method: "post",
	path: "/batch/add",
	summary: `Add up to ${MAX_SUPPRESSION_BATCH} addresses`,
	request: {
		body: {
			required: true,
			content: {
				"application/json": {
					schema: z.strictObject({
						emails: z
							.array(SuppressedAddress)
							.min(1, "is empty")
							.max(MAX_SUPPRESSION_BATCH, `at most ${MAX_SUPPRESSION_BATCH} addresses`),
					}),
				},
			},
		},
	},
	responses: {
		200: {
			description: "Listed",
			content: { "application/json": { schema: z.object({ data: z.array(SuppressionRef) }) } },
		},
		...commonErrors,
	},
});

export const addSuppressions = createRouter()
	.openapi(single, async (c) => {
		const [entry] = await addManual(storeOf(c.env), c.get("caller").accountId, [
			c.req.valid("json").email,
		]);
		return c.json({ object: "suppression" as const, id: entry?.id ?? "" }, 201);
	})
	.openapi(batch, async (c) => {
		const data = await addManual(
			storeOf(c.env),
			c.get("caller").accountId,
			c.req.valid("json").emails,
		);
		return c.json({ data }, 200);
	});
