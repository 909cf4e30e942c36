import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../../db/client.ts";
import { listEmails } from "../../db/queries/email-list.ts";
import { createRouter } from "../../env.ts";
import { ApiError } from "../../lib/errors.ts";
import { commonErrors, listResponse, toList } from "../common-schemas.ts";
import { EmailListItem, EmailListQuery } from "./log-schemas.ts";
import { presentEmailListItem } from "./present.ts";

const KNOWN_PARAMETERS = new Set([
	"limit",
	"after",
	"before",
	"status",
	"last_event",
	"to",
	"domain_id",
	"tag",
	"created_after",
	"created_before",
]);

const route = createRoute({
	method: "get",
	path: "/",
	summary: "List the account's emails, newest first (keyset pagination with after/before)",
	description:
		"Filters combine with AND: `status`, `last_event`, `to` (a recipient in to, cc or bcc, exact and case-insensitive), `domain_id`, `tag` (`name:value`), `created_after` (inclusive) and `created_before` (exclusive). An unknown parameter is refused (422) rather than ignored, so a misspelt filter never shows every email.",
	request: { query: EmailListQuery },
	responses: {
		200: {
			description: "A page of emails",
			content: { "application/json": { schema: listResponse(EmailListItem) } },
		},
		...commonErrors,
	},
});

export const listEmailsRoute = createRouter().openapi(route, async (c) => {
	const unknown = Object.keys(c.req.queries()).filter((name) => !KNOWN_PARAMETERS.has(name));
	if (unknown.length) {
		throw new ApiError(
			"validation_error",
			`Unknown query parameter \`${unknown[0]}\` (filters: ${[...KNOWN_PARAMETERS].slice(3).join(", ")}).`,
		);
	}
	const q = c.req.valid("query");
	const page = await listEmails(createDb(c.env.DB), c.get("caller").accountId, {
		limit: q.limit,
		after: q.after,
		before: q.before,
		status: q.status,
		lastEvent: q.last_event,
		to: q.to,
		domainId: q.domain_id,
		tag: q.tag,
		createdAfter: q.created_after,
		createdBefore: q.created_before,
	});
	return c.json(toList(page, presentEmailListItem), 200);
});
