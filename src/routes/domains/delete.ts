import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { deleteDomain, findDomain } from "../../db/queries/domains.ts";
import { domainEvent, emitEvents } from "../../domain/webhook-events.ts";
import { createRouter } from "../../env.ts";
import { ApiError, notFound } from "../../lib/errors.ts";
import { servicesFromEnv } from "../../services/index.ts";
import { commonErrors, errorResponse, IdParam } from "../common-schemas.ts";
import { DeletedDomain } from "./schemas.ts";

const route = createRoute({
	method: "delete",
	path: "/{id}",
	summary: "Delete a domain and its SES identity; sending from it stops at once",
	request: { params: IdParam },
	responses: {
		200: { description: "Deleted", content: { "application/json": { schema: DeletedDomain } } },
		404: errorResponse("No such domain in this account"),
		503: errorResponse("SES is unavailable; nothing was deleted"),
		...commonErrors,
	},
});

export const deleteDomainRoute = createRouter().openapi(route, async (c) => {
	const { accountId } = c.get("caller");
	const db = createDb(c.env.DB);
	const domain = await findDomain(db, accountId, c.req.valid("param").id);
	if (!domain) throw notFound("Domain");
	// The identity goes first: a row without an identity can be deleted again, while an identity
	// without a row would keep the name in our SES account. A released claim has no identity any
	// more, and the name's identity may now be another account's.
	const deleted =
		domain.releasedAt === null
			? await servicesFromEnv(c.env).ses.deleteEmailIdentity(domain.name)
			: ({ kind: "ok" } as const);
	if (deleted.kind !== "ok" && deleted.code !== "NotFoundException") {
		throw new ApiError(
			"service_unavailable",
			`SES could not delete the identity (${deleted.code}); nothing was deleted. Try again shortly.`,
		);
	}
	await deleteDomain(db, accountId, domain.id);
	await emitEvents({ db, webhookQueue: c.env.WEBHOOK_QUEUE }, [
		domainEvent("domain.deleted", domain, Date.now()),
	]);
	return c.json({ object: "domain" as const, id: domain.id, deleted: true as const }, 200);
});
