/**
 * "Verify ownership", "Verify DKIM" and Resend's "verify" (both): each asks SES and DNS now and
 * answers the domain with per-record findings. The two checks are separate because the product
 * page presents them as two buttons; either can pass first. Each kind is checked at most once
 * a minute (src/domain/domain-lifecycle.ts): sooner, the answer is the last result with
 * `checked: false`, `next_check_allowed_at` and `retry-after`.
 */
import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { findDomain } from "../../db/queries/domains.ts";
import { domainDepsFromEnv, sendNotices } from "../../deps.ts";
import type { CheckScope } from "../../domain/domain-checks.ts";
import { checkDomainNow } from "../../domain/domain-lifecycle.ts";
import { createRouter } from "../../env.ts";
import { ApiError, notFound } from "../../lib/errors.ts";
import { toIso } from "../../lib/time.ts";
import { commonErrors, errorResponse, IdParam } from "../common-schemas.ts";
import { refusalError } from "../refusal-errors.ts";
import { presentDomain } from "./present.ts";
import { DomainCheckSchema } from "./schemas.ts";

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
				description:
					"The domain after the check, with what was found per record; within a minute of the last check, that check's result (`checked: false`, with `retry-after`)",
				content: { "application/json": { schema: DomainCheckSchema } },
			},
			404: errorResponse("No such domain in this account"),
			409: errorResponse("The domain was released after 72 hours unverified; add it again"),
			503: errorResponse("SES could not be asked; nothing changed"),
			...commonErrors,
		},
	});
	verifyDomain.openapi(route, async (c) => {
		const db = createDb(c.env.DB);
		const domain = await findDomain(db, c.get("caller").accountId, c.req.valid("param").id);
		if (!domain) throw notFound("Domain");
		const now = Date.now();
		const outcome = await checkDomainNow({ ...domainDepsFromEnv(c.env), db }, domain, scope, now);
		switch (outcome.kind) {
			case "rejected":
				throw refusalError(outcome.reason);
			case "ses_unavailable":
				throw new ApiError(
					"service_unavailable",
					`SES could not be asked about ${domain.name} (${outcome.message}); try again shortly.`,
				);
			case "checked":
				if (outcome.notice) {
					const waitUntil = (work: Promise<unknown>) => c.executionCtx.waitUntil(work);
					waitUntil(sendNotices(c.env, waitUntil, outcome.notice));
				}
				break;
		}
		const body = {
			...presentDomain(outcome.domain),
			checked: outcome.kind === "checked",
			next_check_allowed_at: toIso(outcome.nextCheckAllowedAt),
		};
		if (outcome.kind === "checked") return c.json(body, 200);
		const wait = Math.max(1, Math.ceil((outcome.nextCheckAllowedAt - now) / 1000));
		return c.json(body, 200, { "retry-after": String(wait) });
	});
}
