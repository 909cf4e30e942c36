/**
 * The security checks every authenticated route needs, run by each resource's test file so
 * that a new route cannot forget them (the model is unkey's `runCommonRouteTests`):
 *
 * - no credentials → 401 `missing_api_key`; a non-bearer authorization → 401 `missing_api_key`;
 *   a malformed or unknown bearer key → 403 `invalid_api_key`; an unknown session cookie →
 *   401 `invalid_session`;
 * - a cookie-authenticated write without the session's `x-csrf-token`, or from another site's
 *   page (its `Origin`) → 403 `csrf_rejected`;
 * - `full_access` routes: a `sending_access` key → 401 `restricted_api_key`;
 * - staff routes: any API key, and a non-staff session → 403 `forbidden`;
 * - routes with an id: another account's key, and another account's dashboard session, get
 *   404 `not_found` (never 403, never the resource), and the owner's same request still works
 *   afterwards (so the 404 was a refusal, not a dead id or an unknown path); an id that does
 *   not exist is 404 `not_found` and a malformed one 422 `validation_error`, never a 500;
 * - every check has its positive control: the least-privileged credential the route accepts
 *   gets past authentication.
 *
 * The suite also compares its list with the OpenAPI document, so an operation added under the
 * prefix without being listed here fails the resource's test file.
 */
import { describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/lib/ids.ts";
import { api } from "./api.ts";
import { createApiKey, createSender } from "./factories.ts";
import { operationsOf, readOpenApi } from "./openapi.ts";
import { createSession } from "./sessions.ts";

/** The account that owns the resource under test, as `createSender()` makes it. */
export type Owner = Awaited<ReturnType<typeof createSender>>;

export interface CommonRoute {
	method: "GET" | "POST" | "PATCH" | "DELETE";
	/**
	 * As the OpenAPI document writes it, e.g. `/domains/{id}`; `{…}` is the resource's id. A
	 * path with several ids (`/webhooks/{id}/events/{event_id}`) takes them in order.
	 */
	path: string;
	/** Who may call it: any key (sending), full-access keys and sessions, or staff sessions. */
	access: "sending_access" | "full_access" | "staff";
	/**
	 * For a path with an id, except on staff routes (staff see every account): makes the
	 * resource in the owner's account and returns the id that goes in the path.
	 */
	resource?: (owner: Owner) => Promise<string | string[]>;
	/** A valid body for the positive controls (without one, a write may answer 422: still past auth). */
	body?: (owner: Owner) => unknown;
	/** What the owner's own request answers after the strangers were refused; 200 unless given. */
	ownerStatus?: number;
}

/** Error names that mean "refused before the route's own logic ran". */
const AUTH_REFUSALS = [
	"missing_api_key",
	"invalid_api_key",
	"restricted_api_key",
	"invalid_session",
	"csrf_rejected",
	"forbidden",
];

const NO_ROUTE = /^No route for /;

/** The path with its ids in order; one id given fills every `{…}` (an unknown or malformed id). */
function withId(path: string, ids: string | string[]) {
	let i = 0;
	return path.replace(/\{[^}]+\}/g, () => {
		const id = typeof ids === "string" ? ids : ids[i++];
		if (id === undefined) throw new Error(`${path}: not enough ids`);
		return encodeURIComponent(id);
	});
}

type Credentials = { key?: string; session?: { cookie: string; csrf: string }; csrf?: boolean };

function call(route: CommonRoute, path: string, credentials: Credentials, body?: unknown) {
	const headers: Record<string, string> = {};
	if (credentials.session) {
		headers.cookie = credentials.session.cookie;
		if (route.method !== "GET" && credentials.csrf !== false)
			headers["x-csrf-token"] = credentials.session.csrf;
	}
	return api(route.method, path, { key: credentials.key, body, headers });
}

function expectError(res: { status: number; json: unknown }, status: number, name: string) {
	expect(res.json).toMatchObject({ statusCode: status, name });
	expect(res.status).toBe(status);
}

/** Asserts the request got past authentication and reached an existing route. */
function expectPastAuth(res: { status: number; json: Record<string, unknown> }) {
	expect(AUTH_REFUSALS, JSON.stringify(res.json)).not.toContain(res.json.name);
	expect(String(res.json.message ?? "")).not.toMatch(NO_ROUTE);
	expect(res.status).not.toBe(500);
}

/**
 * Registers the common suite for the operations under `prefix` (e.g. `/domains`), which must
 * be every operation the OpenAPI document lists there.
 */
export function runCommonRouteTests(prefix: string, routes: CommonRoute[]) {
	describe(`common security checks of ${prefix}`, () => {
		it(`covers every operation the OpenAPI document lists under ${prefix}`, async () => {
			const documented = operationsOf(await readOpenApi()).filter((op) => {
				const path = op.slice(op.indexOf(" ") + 1);
				return path === prefix || path.startsWith(`${prefix}/`);
			});
			expect(routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(documented);
		});

		for (const route of routes) describeRoute(route);
	});
}

function describeRoute(route: CommonRoute) {
	const hasId = route.path.includes("{");
	const crossAccount = hasId && route.access !== "staff";
	if (crossAccount && !route.resource) {
		throw new Error(`${route.method} ${route.path}: a route with an id needs \`resource\``);
	}

	/** The path with one of the owner's resources in it (or any well-formed id). */
	const pathFor = async (owner: Owner) =>
		withId(route.path, route.resource ? await route.resource(owner) : uuidv7());

	/** A fresh owner, a path to one of its resources, and a body for the route. */
	async function arrange() {
		const owner = await createSender();
		return { owner, path: await pathFor(owner), body: route.body?.(owner) };
	}

	describe(`${route.method} ${route.path}`, () => {
		it("answers 401 missing_api_key without credentials", async () => {
			const { path, body } = await arrange();
			expectError(await call(route, path, {}, body), 401, "missing_api_key");
		});

		it("answers 401 missing_api_key to an authorization header that is not a bearer key", async () => {
			const { owner, path, body } = await arrange();
			const res = await api(route.method, path, {
				body,
				headers: { authorization: `Basic ${btoa(`${owner.key.token}:`)}` },
			});
			expectError(res, 401, "missing_api_key");
		});

		it("answers 403 invalid_api_key to a malformed or unknown key", async () => {
			const { path, body } = await arrange();
			for (const key of ["not-a-key", "sf_", `sf_${"A".repeat(43)}`]) {
				expectError(await call(route, path, { key }, body), 403, "invalid_api_key");
			}
		});

		it("answers 401 invalid_session to an unknown session cookie", async () => {
			const { path, body } = await arrange();
			const session = { cookie: "__Host-sf_session=forged", csrf: "forged" };
			expectError(await call(route, path, { session }, body), 401, "invalid_session");
		});

		if (route.method !== "GET") {
			it("answers 403 csrf_rejected to a session write without its x-csrf-token", async () => {
				const { owner, path, body } = await arrange();
				const session = await createSession(owner.account.id, {
					role: route.access === "staff" ? "staff" : "user",
				});
				expectError(await call(route, path, { session, csrf: false }, body), 403, "csrf_rejected");
			});

			it("answers 403 csrf_rejected to a session write from another site's page", async () => {
				const { owner, path, body } = await arrange();
				const session = await createSession(owner.account.id, {
					role: route.access === "staff" ? "staff" : "user",
				});
				const res = await api(route.method, path, {
					body,
					headers: {
						cookie: session.cookie,
						"x-csrf-token": session.csrf,
						origin: "https://evil.example",
					},
				});
				expectError(res, 403, "csrf_rejected");
			});
		}

		if (route.access === "staff") {
			it("answers 403 forbidden to any API key, and to a session that is not staff", async () => {
				const { owner, path, body } = await arrange();
				expectError(await call(route, path, { key: owner.key.token }, body), 403, "forbidden");
				const session = await createSession(owner.account.id);
				expectError(await call(route, path, { session }, body), 403, "forbidden");
			});

			it("lets a staff session through", async () => {
				const { owner, path, body } = await arrange();
				const session = await createSession(owner.account.id, { role: "staff" });
				expectPastAuth(await call(route, path, { session }, body));
			});
		} else if (route.access === "full_access") {
			it("answers 401 restricted_api_key to a sending_access key", async () => {
				const { owner, path, body } = await arrange();
				const sending = await createApiKey(owner.account.id, { permission: "sending_access" });
				const res = await call(route, path, { key: sending.token }, body);
				expectError(res, 401, "restricted_api_key");
			});

			it("lets a full_access key and the account's own session through", async () => {
				const { owner, path, body } = await arrange();
				expectPastAuth(await call(route, path, { key: owner.key.token }, body));
				// A resource of its own for the session: the key's request may have deleted the first.
				const session = await createSession(owner.account.id);
				const second = await pathFor(owner);
				expectPastAuth(await call(route, second, { session }, body));
			});
		} else {
			it("lets a sending_access key through", async () => {
				const { owner, path, body } = await arrange();
				const sending = await createApiKey(owner.account.id, { permission: "sending_access" });
				expectPastAuth(await call(route, path, { key: sending.token }, body));
				const session = await createSession(owner.account.id);
				expectPastAuth(await call(route, path, { session }, body));
			});
		}

		if (hasId) {
			it("answers 404 not_found for an id that does not exist, and 422 for one that is malformed", async () => {
				const { owner, body } = await arrange();
				const credentials =
					route.access === "staff"
						? { session: await createSession(owner.account.id, { role: "staff" }) }
						: { key: owner.key.token };
				const unknown = await call(route, withId(route.path, uuidv7()), credentials, body);
				expect(unknown.json).toMatchObject({
					statusCode: 404,
					name: "not_found",
					message: expect.not.stringMatching(NO_ROUTE),
				});
				const malformed = await call(route, withId(route.path, "not-an-id"), credentials, body);
				expectError(malformed, 422, "validation_error");
			});
		}

		if (crossAccount) {
			it("answers 404 not_found to another account's key and session, and the owner still gets it", async () => {
				const { owner, path, body } = await arrange();
				const stranger = await createSender();
				const strangerSession = await createSession(stranger.account.id);
				for (const credentials of [{ key: stranger.key.token }, { session: strangerSession }]) {
					const res = await call(route, path, credentials, body);
					expect(res.json).toEqual({
						statusCode: 404,
						name: "not_found",
						message: expect.not.stringMatching(NO_ROUTE),
					});
					expect(res.status).toBe(404);
				}
				const own = await call(route, path, { key: owner.key.token }, body);
				expect(own.status, JSON.stringify(own.json)).toBe(route.ownerStatus ?? 200);
			});
		}
	});
}
