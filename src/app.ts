/**
 * Builds the HTTP app: one router per resource, API-key auth in front of them, one error
 * handler that writes every failure as `{statusCode, name, message}`, and the OpenAPI 3.1
 * document generated from the same zod schemas that validate the requests.
 */

import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { type AppEnv, createRouter } from "./env.ts";
import { ApiError } from "./lib/errors.ts";
import { authenticate } from "./middleware/auth.ts";
import { rateLimit } from "./middleware/rate-limit.ts";
import { accountRouter } from "./routes/account/index.ts";
import { apiKeysRouter } from "./routes/api-keys/index.ts";
import { attachmentDownloads } from "./routes/attachment-downloads.ts";
import { authRouter } from "./routes/auth/index.ts";
import { billingRouter } from "./routes/billing/index.ts";
import { byocRouter } from "./routes/byoc/index.ts";
import { domainsRouter } from "./routes/domains/index.ts";
import { emailsRouter } from "./routes/emails/index.ts";
import { snsHook } from "./routes/hooks/sns.ts";
import { stripeHook } from "./routes/hooks/stripe.ts";
import { staffRouter } from "./routes/staff/index.ts";
import { suppressionsRouter } from "./routes/suppressions/index.ts";
import { webhooksRouter } from "./routes/webhooks/index.ts";

export function createApp() {
	const app = createRouter();

	app.get("/", (c) => c.json({ name: "SendFleet", docs: "/openapi.json" }, 200));
	app.doc31("/openapi.json", {
		openapi: "3.1.0",
		info: {
			title: "SendFleet API",
			version: "1.0.0",
			description: "Resend-compatible email sending on a shared, managed Amazon SES account.",
		},
		security: [{ bearerAuth: [] }],
	});
	app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
		type: "http",
		scheme: "bearer",
		description: "An API key, `sf_…`",
	});

	// API keys or a dashboard session; /auth and /hooks authenticate their own way.
	for (const path of [
		"/emails",
		"/api-keys",
		"/domains",
		"/suppressions",
		"/account",
		"/staff",
		"/billing",
		"/webhooks",
		"/byoc",
	]) {
		// `/x/*` also matches `/x` itself in Hono: one registration, or the middleware runs twice.
		app.use(`${path}/*`, authenticate, rateLimit);
	}
	// One chain, so the returned app's type carries every mounted route (`AppType`, for `hc`).
	const routes = app
		.route("/auth", authRouter)
		.route("/account", accountRouter)
		.route("/staff", staffRouter)
		.route("/emails", emailsRouter)
		.route("/api-keys", apiKeysRouter)
		.route("/domains", domainsRouter)
		.route("/suppressions", suppressionsRouter)
		.route("/billing", billingRouter)
		.route("/webhooks", webhooksRouter)
		.route("/byoc", byocRouter)
		.route("/attachment-downloads", attachmentDownloads)
		.route("/hooks", snsHook)
		.route("/hooks", stripeHook);

	routes.notFound((c) =>
		writeError(c, new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`)),
	);
	routes.onError((err, c) => writeError(c, toApiError(err)));
	return routes;
}

/** The app's routes as types, for Hono's typed client (`hc<AppType>`). */
export type AppType = ReturnType<typeof createApp>;

function toApiError(err: unknown): ApiError {
	if (err instanceof ApiError) return err;
	if (err instanceof HTTPException) {
		// Hono's JSON validator answers a body that does not parse with a 400.
		if (err.status === 400) {
			return new ApiError("validation_error", `The request body is not valid JSON: ${err.message}`);
		}
		if (err.status === 415) {
			return new ApiError(
				"unsupported_media_type",
				"Send the request body as JSON with the header `Content-Type: application/json`.",
			);
		}
		if (err.status === 413) return new ApiError("payload_too_large", err.message);
		return new ApiError("invalid_parameter", err.message);
	}
	console.error("unhandled error", err);
	return new ApiError(
		"internal_server_error",
		"Something went wrong on our side; it has been logged.",
	);
}

function writeError(c: Context<AppEnv>, error: ApiError) {
	for (const [name, value] of Object.entries(error.headers ?? {})) c.header(name, value);
	return c.json(error.toJSON(), error.status);
}
