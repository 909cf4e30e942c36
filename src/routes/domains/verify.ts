/**
 * "Verify ownership", "Verify DKIM" and Resend's "verify" (both): each asks SES and DNS now and
 * answers the domain with per-record findings. The two checks are separate because the product
 * page presents them as two buttons; either can pass first.
 */
import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { findDomain, updateDomain } from "../../db/queries/domains.ts";
import { type CheckScope, checkDomain } from "../../domain/domain-checks.ts";
import { createRouter } from "../../env.ts";
import { ApiError, notFound } from "../../lib/errors.ts";
import { servicesFromEnv } from "../../services/index.ts";
import { commonErrors, errorResponse, IdParam } from "../shared-schemas.ts";
import { presentDomain } from "./present.ts";
import { DomainSchema } from "./schemas.ts";

const ACTIONS: [path: string, scope: CheckScope, summary: string][] = [
	["/{id}/verify", "both", "Check ownership and DKIM now (Resend's verify)"],
	["/{id}/verify-ownership", "ownership", "Check the _amazonses TXT record now"],
	["/{id}/verify-dkim", "dkim", "Check the three DKIM CNAME records now"],
];

export const verifyDomain = createRouter();

for (const [path, scope, summary] of ACTIONS) {
	const route = createRoute({
		method: "post",
		path,
		summary,
		request: { params: IdParam },
		responses: {
			200: {
				description: "The domain after the check, with what was found per record",
				content: { "application/json": { schema: DomainSchema } },
			},
			404: errorResponse("No such domain in this account"),
			503: errorResponse("SES could not be asked; nothing changed"),
			...commonErrors,
		},
	});
	verifyDomain.openapi(route, async (c) => {
		const db = createDb(c.env.DB);
		const domain = await findDomain(db, c.get("caller").accountId, c.req.valid("param").id);
		if (!domain) throw notFound("Domain");
		const result = await checkDomain(servicesFromEnv(c.env), domain, scope, Date.now());
		if (result.kind === "ses_unavailable") {
			throw new ApiError(
				"service_unavailable",
				`SES could not be asked about ${domain.name} (${result.message}); try again shortly.`,
			);
		}
		await updateDomain(db, domain.id, result.update);
		return c.json(presentDomain({ ...domain, ...result.update }), 200);
	});
}
