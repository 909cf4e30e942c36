import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { byocDepsFromEnv } from "../../deps.ts";
import { byocClientFor } from "../../domain/byoc.ts";
import { registerDomain } from "../../domain/domain-registration.ts";
import { DEFAULT_MAIL_FROM_LABEL, normalizeDomainName } from "../../domain/domains.ts";
import { domainEvent, emitEvents } from "../../domain/webhook-events.ts";
import { type Bindings, createRouter } from "../../env.ts";
import { ApiError } from "../../lib/errors.ts";
import { servicesFromEnv } from "../../services/index.ts";
import type { SesClient } from "../../services/ses.ts";
import { AWS_REGION } from "../byoc/schemas.ts";
import { commonErrors, errorResponse } from "../common-schemas.ts";
import { refusalError } from "../refusal-errors.ts";
import { presentDomain } from "./present.ts";
import { CreateDomainBody, DomainSchema } from "./schemas.ts";

const route = createRoute({
	method: "post",
	path: "/",
	summary: "Add a domain: registers it with SES and returns the DNS records to publish",
	description:
		"Shared SES (`sending_path: shared`, the default) needs an approved account with a Growth or Pro plan in good standing, within the plan's limits on domains and on domains waiting for verification. BYOC (`sending_path: byoc`) needs only an AWS connection: the identity is created in your own SES. Adding a domain this account already has returns it (200) instead of failing; a name that cannot be claimed (held by another account on Shared SES, under another account's verified domain, or reserved) answers 409, the same in every case. A domain not verified within 72 hours is released.",
	request: {
		body: { required: true, content: { "application/json": { schema: CreateDomainBody } } },
	},
	responses: {
		201: { description: "Added", content: { "application/json": { schema: DomainSchema } } },
		200: {
			description: "Already added",
			content: { "application/json": { schema: DomainSchema } },
		},
		409: errorResponse("This name cannot be claimed, or it is this account's on the other path"),
		503: errorResponse("SES is unavailable; nothing was created"),
		...commonErrors,
		403: errorResponse(
			"Invalid API key; verification_required, plan_required, or domain_limit_exceeded (with `limit` and `max`); byoc_not_connected or byoc_connection_broken",
		),
	},
});

export const createDomain = createRouter().openapi(route, async (c) => {
	const body = c.req.valid("json");
	const name = normalizeDomainName(body.name);
	if (!name.ok) throw new ApiError("validation_error", `\`name\`: ${name.reason}`);
	const { accountId, account } = c.get("caller");
	const db = createDb(c.env.DB);
	const mailFromDomain = `${body.custom_return_path ?? DEFAULT_MAIL_FROM_LABEL}.${name.name}`;

	// Where the identity is registered: our shared SES, or the customer's own (BYOC).
	const { ses, region } = await identityHome(c.env, accountId, body);
	const result = await registerDomain(
		{ db, ses, region },
		{ id: accountId, ...account },
		{ name: name.name, mailFromDomain, path: body.sending_path },
	);
	switch (result.kind) {
		case "created":
			await emitEvents({ db, webhookQueue: c.env.WEBHOOK_QUEUE }, [
				domainEvent("domain.created", result.domain, result.domain.createdAt),
			]);
			return c.json(presentDomain(result.domain), 201);
		case "existing":
			return c.json(presentDomain(result.domain), 200);
		case "rejected":
			throw refusalError(result.reason);
		case "ses_refused":
			throw new ApiError("validation_error", `SES refused ${name.name}: ${result.message}`);
		case "ses_unavailable":
			throw new ApiError(
				"service_unavailable",
				`SES is unavailable (${result.message}); nothing was created. Try again shortly.`,
			);
	}
});

async function identityHome(
	env: Bindings,
	accountId: string,
	body: { sending_path: "shared" | "byoc"; region?: string },
): Promise<{ ses: SesClient; region: string }> {
	if (body.sending_path === "shared") {
		const { ses, region } = servicesFromEnv(env);
		if (body.region && body.region !== region) {
			throw new ApiError(
				"validation_error",
				`\`region\`: SendFleet's shared SES sends from ${region} only.`,
			);
		}
		return { ses, region };
	}
	if (body.region && !AWS_REGION.test(body.region)) {
		throw new ApiError("validation_error", `\`region\`: ${body.region} is not an AWS region name.`);
	}
	const client = await byocClientFor(byocDepsFromEnv(env), accountId, body.region);
	if (client.kind !== "ok") throw refusalError(client.reason);
	return { ses: client.ses, region: client.region };
}
