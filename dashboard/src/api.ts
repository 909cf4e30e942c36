/**
 * The dashboard's one door to the API, and the only file that knows its URLs. Calls go to
 * `/api/*` on the dashboard's own origin (a Pages Function in production, Vite's proxy locally)
 * so the session cookie is first-party. Types come from the Worker's OpenAPI document
 * (`npm run api:generate`; CI fails when they are stale), so a changed route breaks the build
 * here, not in a customer's browser.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./api/schema";

export type Schemas = components["schemas"];

/** An API error with the API's own `name` and `message`, shown to the user as they are. */
export class ApiFailure extends Error {
	readonly status: number;
	readonly code: string;
	readonly body: Record<string, unknown>;

	constructor(status: number, body: Record<string, unknown>) {
		const message = typeof body.message === "string" ? body.message : `Request failed (${status})`;
		super(message);
		this.status = status;
		this.code = typeof body.name === "string" ? body.name : "error";
		this.body = body;
	}
}

const client = createClient<paths>({ baseUrl: "/api", credentials: "same-origin" });

/** The session's CSRF token, sent on every write (the API refuses cookie writes without it). */
let csrfToken: string | null = null;
export function setCsrfToken(token: string | null) {
	csrfToken = token;
}

client.use({
	onRequest({ request }) {
		if (csrfToken && !["GET", "HEAD", "OPTIONS"].includes(request.method)) {
			request.headers.set("x-csrf-token", csrfToken);
		}
		return request;
	},
});

async function unwrap<T>(
	call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
	let result: Awaited<typeof call>;
	try {
		result = await call;
	} catch {
		throw new ApiFailure(0, { message: "The API could not be reached. Check your connection." });
	}
	if (result.response.ok) return result.data as T;
	const body =
		result.error && typeof result.error === "object"
			? (result.error as Record<string, unknown>)
			: { message: `The API answered ${result.response.status}.` };
	throw new ApiFailure(result.response.status, body);
}

/**
 * An attachment's `download_url`, made openable from the dashboard. The Worker builds it from
 * the URL it was asked on; behind the `/api` proxy (the Pages Function, or scripts/dashboard.ts
 * keeping the browser's Host) that is the dashboard's own origin with `/api` taken off, where
 * no download route lives, so put `/api` back. A link on the API's own origin is left alone.
 */
function downloadUrl(raw: string): string {
	const url = new URL(raw, window.location.origin);
	if (url.origin === window.location.origin && !url.pathname.startsWith("/api/")) {
		url.pathname = `/api${url.pathname}`;
	}
	return url.toString();
}

type Json<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
	requestBody?: { content: { "application/json": infer B } };
}
	? B
	: never;
type Query<
	P extends keyof paths,
	M extends keyof paths[P] = "get" & keyof paths[P],
> = paths[P][M] extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export const api = {
	auth: {
		session: () => unwrap(client.GET("/auth/session")),
		signup: (body: Json<"/auth/signup", "post">) => unwrap(client.POST("/auth/signup", { body })),
		login: (body: Json<"/auth/login", "post">) => unwrap(client.POST("/auth/login", { body })),
		logout: () => unwrap(client.POST("/auth/logout")),
		verifyEmail: (body: Json<"/auth/verify-email", "post">) =>
			unwrap(client.POST("/auth/verify-email", { body })),
		resendVerification: () => unwrap(client.POST("/auth/resend-verification")),
	},
	account: {
		get: () => unwrap(client.GET("/account")),
		reputation: () => unwrap(client.GET("/account/reputation")),
		metrics: (query: Query<"/account/metrics">) =>
			unwrap(client.GET("/account/metrics", { params: { query } })),
		verificationRequest: () => unwrap(client.GET("/account/verification-request")),
		requestVerification: (body: Json<"/account/verification-request", "post">) =>
			unwrap(client.POST("/account/verification-request", { body })),
	},
	billing: {
		checkout: (body: Json<"/billing/checkout", "post">) =>
			unwrap(client.POST("/billing/checkout", { body })),
		portal: () => unwrap(client.POST("/billing/portal")),
	},
	domains: {
		list: (query: Query<"/domains"> = {}) => unwrap(client.GET("/domains", { params: { query } })),
		get: (id: string) => unwrap(client.GET("/domains/{id}", { params: { path: { id } } })),
		create: (body: Json<"/domains", "post">) => unwrap(client.POST("/domains", { body })),
		remove: (id: string) => unwrap(client.DELETE("/domains/{id}", { params: { path: { id } } })),
		verify: (id: string) =>
			unwrap(client.POST("/domains/{id}/verify", { params: { path: { id } } })),
		verifyOwnership: (id: string) =>
			unwrap(client.POST("/domains/{id}/verify-ownership", { params: { path: { id } } })),
		verifyDkim: (id: string) =>
			unwrap(client.POST("/domains/{id}/verify-dkim", { params: { path: { id } } })),
	},
	byoc: {
		get: () => unwrap(client.GET("/byoc/connection")),
		save: (body: Json<"/byoc/connection", "post">) =>
			unwrap(client.POST("/byoc/connection", { body })),
		test: () => unwrap(client.POST("/byoc/connection/test")),
		disconnect: () => unwrap(client.DELETE("/byoc/connection")),
	},
	apiKeys: {
		list: (query: Query<"/api-keys"> = {}) =>
			unwrap(client.GET("/api-keys", { params: { query } })),
		create: (body: Json<"/api-keys", "post">) => unwrap(client.POST("/api-keys", { body })),
		remove: (id: string) => unwrap(client.DELETE("/api-keys/{id}", { params: { path: { id } } })),
	},
	emails: {
		list: (query: Query<"/emails"> = {}) => unwrap(client.GET("/emails", { params: { query } })),
		get: (id: string) => unwrap(client.GET("/emails/{id}", { params: { path: { id } } })),
		send: (body: Json<"/emails", "post">) => unwrap(client.POST("/emails", { body })),
		/** Only while `last_event` is `scheduled`; 409 `email_not_scheduled` after that. */
		reschedule: (id: string, body: Json<"/emails/{id}", "patch">) =>
			unwrap(client.PATCH("/emails/{id}", { params: { path: { id } }, body })),
		cancel: (id: string) =>
			unwrap(client.POST("/emails/{id}/cancel", { params: { path: { id } } })),
		attachments: async (id: string) => {
			const list = await unwrap(
				client.GET("/emails/{id}/attachments", { params: { path: { id } } }),
			);
			return {
				...list,
				data: list.data.map((file) => ({ ...file, download_url: downloadUrl(file.download_url) })),
			};
		},
	},
	suppressions: {
		list: (query: Query<"/suppressions"> = {}) =>
			unwrap(client.GET("/suppressions", { params: { query } })),
		get: (idOrEmail: string) =>
			unwrap(
				client.GET("/suppressions/{id_or_email}", {
					params: { path: { id_or_email: idOrEmail } },
				}),
			),
		add: (body: Json<"/suppressions", "post">) => unwrap(client.POST("/suppressions", { body })),
		remove: (idOrEmail: string) =>
			unwrap(
				client.DELETE("/suppressions/{id_or_email}", {
					params: { path: { id_or_email: idOrEmail } },
				}),
			),
	},
	webhooks: {
		list: (query: Query<"/webhooks"> = {}) =>
			unwrap(client.GET("/webhooks", { params: { query } })),
		get: (id: string) => unwrap(client.GET("/webhooks/{id}", { params: { path: { id } } })),
		create: (body: Json<"/webhooks", "post">) => unwrap(client.POST("/webhooks", { body })),
		update: (id: string, body: Json<"/webhooks/{id}", "patch">) =>
			unwrap(client.PATCH("/webhooks/{id}", { params: { path: { id } }, body })),
		remove: (id: string) => unwrap(client.DELETE("/webhooks/{id}", { params: { path: { id } } })),
		rotateSecret: (id: string) =>
			unwrap(client.POST("/webhooks/{id}/signing-secret/rotate", { params: { path: { id } } })),
		test: (id: string) => unwrap(client.POST("/webhooks/{id}/test", { params: { path: { id } } })),
		events: (id: string, query: Query<"/webhooks/{id}/events"> = {}) =>
			unwrap(client.GET("/webhooks/{id}/events", { params: { path: { id }, query } })),
		event: (id: string, eventId: string) =>
			unwrap(
				client.GET("/webhooks/{id}/events/{event_id}", {
					params: { path: { id, event_id: eventId } },
				}),
			),
		replay: (id: string, eventId: string) =>
			unwrap(
				client.POST("/webhooks/{id}/events/{event_id}/replay", {
					params: { path: { id, event_id: eventId } },
				}),
			),
		attempts: (id: string, eventId: string) =>
			unwrap(
				client.GET("/webhooks/{id}/events/{event_id}/attempts", {
					params: { path: { id, event_id: eventId } },
				}),
			),
	},
	staff: {
		verificationRequests: (query: Query<"/staff/verification-requests"> = {}) =>
			unwrap(client.GET("/staff/verification-requests", { params: { query } })),
		approve: (id: string, body: Json<"/staff/verification-requests/{id}/approve", "post">) =>
			unwrap(
				client.POST("/staff/verification-requests/{id}/approve", {
					params: { path: { id } },
					body,
				}),
			),
		reject: (id: string, body: Json<"/staff/verification-requests/{id}/reject", "post">) =>
			unwrap(
				client.POST("/staff/verification-requests/{id}/reject", {
					params: { path: { id } },
					body,
				}),
			),
		accounts: (query: Query<"/staff/accounts"> = {}) =>
			unwrap(client.GET("/staff/accounts", { params: { query } })),
		account: (id: string) =>
			unwrap(client.GET("/staff/accounts/{id}", { params: { path: { id } } })),
		reinstate: (id: string, body: Json<"/staff/accounts/{id}/reinstate", "post">) =>
			unwrap(client.POST("/staff/accounts/{id}/reinstate", { params: { path: { id } }, body })),
	},
};
