/**
 * `PATCH /emails/:id {scheduled_at}` and `POST /emails/:id/cancel`, as the `resend` SDK's
 * `emails.update` and `emails.cancel` send them; only for an email still waiting for its time
 * (409 `email_not_scheduled` otherwise, src/domain/scheduling.ts).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { cancelEmail, rescheduleEmail, type ScheduleChange } from "../../domain/scheduling.ts";
import { guardFor } from "../../durable-objects/index.ts";
import type { Bindings } from "../../env.ts";
import { createRouter } from "../../env.ts";
import { notFound } from "../../lib/errors.ts";
import { commonErrors, errorResponse, IdParam } from "../common-schemas.ts";
import { refusalError } from "../refusal-errors.ts";
import { ScheduledAt } from "./schemas.ts";

const EmailRef = z.object({ object: z.literal("email"), id: z.string() }).openapi("EmailRef");

const errors = {
	404: errorResponse("No such email in this account"),
	409: errorResponse(
		"The email is not waiting for its time any more (being sent, sent or canceled)",
	),
	...commonErrors,
};

const updateRoute = createRoute({
	method: "patch",
	path: "/{id}",
	summary: "Reschedule a scheduled email",
	request: {
		params: IdParam,
		body: {
			required: true,
			content: {
				"application/json": {
					schema: z.strictObject({ scheduled_at: ScheduledAt }).openapi("UpdateEmailRequest"),
				},
			},
		},
	},
	responses: {
		200: { description: "Rescheduled", content: { "application/json": { schema: EmailRef } } },
		...errors,
	},
});

const cancelRoute = createRoute({
	method: "post",
	path: "/{id}/cancel",
	summary: "Cancel a scheduled email (last_event becomes `canceled`)",
	request: { params: IdParam },
	responses: {
		200: { description: "Canceled", content: { "application/json": { schema: EmailRef } } },
		...errors,
	},
});

function depsFrom(env: Bindings, accountId: string) {
	return {
		db: createDb(env.DB),
		webhookQueue: env.WEBHOOK_QUEUE,
		queue: env.SEND_QUEUE,
		guard: guardFor(env, accountId),
	};
}

function answer(change: ScheduleChange, id: string) {
	if (change.kind === "not_found") throw notFound("Email");
	if (change.kind === "rejected") throw refusalError(change.reason);
	return { object: "email" as const, id };
}

export const updateEmailRoute = createRouter().openapi(updateRoute, async (c) => {
	const { id } = c.req.valid("param");
	const { accountId } = c.get("caller");
	const at = c.req.valid("json").scheduled_at;
	return c.json(
		answer(await rescheduleEmail(depsFrom(c.env, accountId), accountId, id, at), id),
		200,
	);
});

export const cancelEmailRoute = createRouter().openapi(cancelRoute, async (c) => {
	const { id } = c.req.valid("param");
	const { accountId } = c.get("caller");
	return c.json(answer(await cancelEmail(depsFrom(c.env, accountId), accountId, id), id), 200);
});
