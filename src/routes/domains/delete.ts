import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import type { DomainRow } from "../../db/queries/domains.ts";
import { deleteDomain, findDomain } from "../../db/queries/domains.ts";
import { byocDepsFromEnv } from "../../deps.ts";
import { byocClientFor } from "../../domain/byoc.ts";
import { domainEvent, emitEvents } from "../../domain/webhook-events.ts";
import type { Bindings } from "../../env.ts";
import { createRouter } from "../../env.ts";
import { ApiError, notFound } from "../../lib/errors.ts";
import { servicesFromEnv } from "../../services/index.ts";
import { commonErrors, errorResponse, IdParam } from "../common-schemas.ts";
import { DeletedDomain } from "./schemas.ts";

const route = createRoute({
	method: "delete",
	path: "/{id}",
	summary: "Delete a domain and its SES identity; sending from it stops at once",
	description:
		"A BYOC domain's identity is deleted in your own SES. Without a working AWS connection the domain is deleted here all the same, and its identity stays in your SES for you to remove.",
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
	const blocked = domain.releasedAt === null ? await identityNotDeleted(c.env, domain) : null;
	if (blocked) {
		throw new ApiError(
			"service_unavailable",
			`SES could not delete the identity (${blocked}); nothing was deleted. Try again shortly.`,
		);
	}
	await deleteDomain(db, accountId, domain.id);
	await emitEvents({ db, webhookQueue: c.env.WEBHOOK_QUEUE }, [
		domainEvent("domain.deleted", domain, Date.now()),
	]);
	return c.json({ object: "domain" as const, id: domain.id, deleted: true as const }, 200);
});

/**
 * Deletes the domain's SES identity: in our account, or in the customer's for BYOC. Answers the
 * error code that keeps the row (SES out of reach), or null when the row may go: deleted, already
 * gone, or, for BYOC, not ours to delete any more (no working connection, or a permission the
 * customer withheld: the identity is theirs).
 */
async function identityNotDeleted(env: Bindings, domain: DomainRow): Promise<string | null> {
	if (domain.sendingPath === "shared") {
		const deleted = await servicesFromEnv(env).ses.deleteEmailIdentity(domain.name);
		return deleted.kind === "ok" || deleted.code === "NotFoundException" ? null : deleted.code;
	}
	const client = await byocClientFor(byocDepsFromEnv(env), domain.accountId, domain.region);
	if (client.kind !== "ok") {
		return client.reason.code === "byoc_unavailable" ? client.reason.code : null;
	}
	const deleted = await client.ses.deleteEmailIdentity(domain.name);
	return deleted.kind === "retry" ? deleted.code : null;
}
