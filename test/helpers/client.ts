/**
 * The typed test client: Hono's `hc` over the Worker's own fetch handler, so a test's requests
 * take the real path (auth, rate limits, validation, `onError`) and its responses are typed by
 * status from the routes' OpenAPI definitions, with no casts.
 *
 * Why a type built here rather than `AppType` from src/app.ts: `hc` reads the routes from the
 * app's type, and the resource routers in `src/routes/<resource>/index.ts` are built as
 * statements (`const router = createRouter(); router.use(…); router.route(…)`), which drops
 * what each `.route()` adds to the type; so today `AppType` knows only the two /hooks operations
(mounted directly). `routeTypes()`
 * mounts the same operation routers at the same prefixes, for their types only: it never
 * serves a request. `test/routes/typed-client.test.ts` checks that it documents exactly the
 * operations the real app documents, so the two cannot drift. Once those routers chain, this
 * type can become `AppType`.
 *
 * Five operations are registered in loops (`.openapi()` as statements) and so carry no type
 * even in their own router: `POST /domains/{id}/verify[-ownership|-dkim]` and
 * `POST /staff/verification-requests/{id}/approve|reject`. Tests call them with `api()` (and
 * parse the answer with the route's exported response schema where they read it).
 *
 * Routes that declare request headers (`POST /emails` and `/emails/batch`: `Idempotency-Key`,
 * `x-batch-validation`) take a `header` argument, `{}` when there is none to send.
 */
import { exports } from "cloudflare:workers";
import { type ClientResponse, hc } from "hono/client";
import { expect } from "vitest";
import type { z } from "zod";
import { createRouter } from "../../src/env.ts";
import { getAccount } from "../../src/routes/account/get.ts";
import { getMetrics } from "../../src/routes/account/metrics.ts";
import { getReputation } from "../../src/routes/account/reputation.ts";
import { verificationRequestRoutes } from "../../src/routes/account/verification-request.ts";
import { createApiKey } from "../../src/routes/api-keys/create.ts";
import { deleteApiKeyRoute } from "../../src/routes/api-keys/delete.ts";
import { listApiKeysRoute } from "../../src/routes/api-keys/list.ts";
import { loginRoute } from "../../src/routes/auth/login.ts";
import { sessionRoutes } from "../../src/routes/auth/session.ts";
import { signupRoute } from "../../src/routes/auth/signup.ts";
import { verifyEmailRoutes } from "../../src/routes/auth/verify-email.ts";
import { checkout } from "../../src/routes/billing/checkout.ts";
import { portal } from "../../src/routes/billing/portal.ts";
import { deleteConnection } from "../../src/routes/byoc/delete.ts";
import { getConnection } from "../../src/routes/byoc/get.ts";
import { saveConnection } from "../../src/routes/byoc/save.ts";
import { testConnection } from "../../src/routes/byoc/test.ts";
import type { ErrorSchema } from "../../src/routes/common-schemas.ts";
import { createDomain } from "../../src/routes/domains/create.ts";
import { deleteDomainRoute } from "../../src/routes/domains/delete.ts";
import { getDomain } from "../../src/routes/domains/get.ts";
import { listDomainsRoute } from "../../src/routes/domains/list.ts";
import { verifyDomain } from "../../src/routes/domains/verify.ts";
import { getAttachmentRoute, listAttachmentsRoute } from "../../src/routes/emails/attachments.ts";
import { getEmail } from "../../src/routes/emails/get.ts";
import { listEmailsRoute } from "../../src/routes/emails/list.ts";
import { cancelEmailRoute, updateEmailRoute } from "../../src/routes/emails/schedule.ts";
import { sendEmail } from "../../src/routes/emails/send.ts";
import { sendEmailBatch } from "../../src/routes/emails/send-batch.ts";
import { snsHook } from "../../src/routes/hooks/sns.ts";
import { stripeHook } from "../../src/routes/hooks/stripe.ts";
import { accountsReview } from "../../src/routes/staff/accounts.ts";
import { verificationReview } from "../../src/routes/staff/verification-requests.ts";
import { addSuppressions } from "../../src/routes/suppressions/add.ts";
import { readSuppressions } from "../../src/routes/suppressions/read.ts";
import { removeSuppressions } from "../../src/routes/suppressions/remove.ts";
import { listWebhookAttemptsRoute } from "../../src/routes/webhooks/attempts-list.ts";
import { createWebhook } from "../../src/routes/webhooks/create.ts";
import { deleteWebhookRoute } from "../../src/routes/webhooks/delete.ts";
import { getWebhookEventRoute } from "../../src/routes/webhooks/events-get.ts";
import { listWebhookEventsRoute } from "../../src/routes/webhooks/events-list.ts";
import { replayWebhookEventRoute } from "../../src/routes/webhooks/events-replay.ts";
import { getWebhook } from "../../src/routes/webhooks/get.ts";
import { listWebhooksRoute } from "../../src/routes/webhooks/list.ts";
import { rotateWebhookSecret } from "../../src/routes/webhooks/rotate.ts";
import { testWebhook } from "../../src/routes/webhooks/test.ts";
import { updateWebhook } from "../../src/routes/webhooks/update.ts";
import { BASE_URL } from "./api.ts";

/**
 * The operation routers at the prefixes src/app.ts mounts them on (without the middleware,
 * which changes no type). Called only by the test that compares its OpenAPI document with the
 * app's.
 */
export function routeTypes() {
	return createRouter()
		.route("/auth", signupRoute)
		.route("/auth", loginRoute)
		.route("/auth", sessionRoutes)
		.route("/auth", verifyEmailRoutes)
		.route("/account", getAccount)
		.route("/account", getReputation)
		.route("/account", getMetrics)
		.route("/account", verificationRequestRoutes)
		.route("/staff", verificationReview)
		.route("/staff", accountsReview)
		.route("/emails", sendEmail)
		.route("/emails", sendEmailBatch)
		.route("/emails", getEmail)
		.route("/emails", listEmailsRoute)
		.route("/emails", listAttachmentsRoute)
		.route("/emails", getAttachmentRoute)
		.route("/emails", updateEmailRoute)
		.route("/emails", cancelEmailRoute)
		.route("/api-keys", createApiKey)
		.route("/api-keys", listApiKeysRoute)
		.route("/api-keys", deleteApiKeyRoute)
		.route("/domains", createDomain)
		.route("/domains", listDomainsRoute)
		.route("/domains", getDomain)
		.route("/domains", deleteDomainRoute)
		.route("/domains", verifyDomain)
		.route("/suppressions", addSuppressions)
		.route("/suppressions", removeSuppressions)
		.route("/suppressions", readSuppressions)
		.route("/billing", checkout)
		.route("/billing", portal)
		.route("/webhooks", createWebhook)
		.route("/webhooks", listWebhooksRoute)
		.route("/webhooks", getWebhook)
		.route("/webhooks", updateWebhook)
		.route("/webhooks", deleteWebhookRoute)
		.route("/webhooks", rotateWebhookSecret)
		.route("/webhooks", listWebhookEventsRoute)
		.route("/webhooks", getWebhookEventRoute)
		.route("/webhooks", listWebhookAttemptsRoute)
		.route("/webhooks", replayWebhookEventRoute)
		.route("/webhooks", testWebhook)
		.route("/byoc", getConnection)
		.route("/byoc", saveConnection)
		.route("/byoc", testConnection)
		.route("/byoc", deleteConnection)
		.route("/hooks", snsHook)
		.route("/hooks", stripeHook);
}

export type TestAppType = ReturnType<typeof routeTypes>;

/** Who is calling: an API key, a browser's session (cookie, and the CSRF token for writes), or nobody. */
export type Credentials = string | { cookie: string; csrf: string } | undefined;

function headersFor(credentials: Credentials): Record<string, string> {
	if (credentials === undefined) return {};
	if (typeof credentials === "string") return { authorization: `Bearer ${credentials}` };
	// The server reads the CSRF header only on writes; sending it on reads too changes nothing.
	return { cookie: credentials.cookie, "x-csrf-token": credentials.csrf };
}

/**
 * A client acting with the given credentials, e.g.
 * `await client(key).emails[":id"].$get({ param: { id } })`.
 */
export function client(credentials?: Credentials) {
	return hc<TestAppType>(BASE_URL, {
		fetch: (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(input, init),
		headers: headersFor(credentials),
	});
}

/** The one error body of the API (plus named extras such as `recipients`). */
export type ErrorBody = z.infer<typeof ErrorSchema> & Record<string, unknown>;

type AnyResponse = ClientResponse<unknown, number, string>;

/** The JSON a response has for `status`: its declared schema, or the error body for any other status. */
export type BodyFor<R, S extends number> = [Extract<R, { status: S }>] extends [never]
	? ErrorBody
	: Extract<R, { status: S }> extends ClientResponse<infer T, S, "json">
		? T
		: never;

/**
 * Asserts the status (showing the body when it differs) and returns the body, typed by what
 * the route declares for that status: `const email = await expectJson(res, 200)`.
 */
export async function expectJson<R extends AnyResponse, S extends number>(
	response: R | Promise<R>,
	status: S,
): Promise<BodyFor<R, S>> {
	const res = await response;
	const body: unknown = await res.json();
	expect(res.status, JSON.stringify(body)).toBe(status);
	// The one place a type is asserted: the status was just checked, and the route's OpenAPI
	// responses say which body goes with it (the schemas the handlers are typed against).
	return body as BodyFor<R, S>;
}
