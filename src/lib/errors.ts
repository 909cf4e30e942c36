/**
 * The one error shape of the API: `{statusCode, name, message}` with the matching HTTP status,
 * as Resend answers, so the official SDKs surface our errors unchanged. Handlers throw an
 * `ApiError`; `app.onError` writes it. Names are a closed set: Resend's plus our own additions.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";

export type ErrorName =
	| "missing_api_key"
	| "invalid_api_key"
	| "restricted_api_key"
	| "validation_error"
	| "invalid_parameter"
	| "not_found"
	| "method_not_allowed"
	| "payload_too_large"
	| "rate_limit_exceeded"
	| "monthly_quota_exceeded"
	| "invalid_idempotency_key"
	| "invalid_idempotent_request"
	| "concurrent_idempotent_requests"
	| "recipient_suppressed"
	| "account_suspended"
	| "domain_not_verified"
	| "verification_required"
	| "plan_required"
	| "conflict"
	| "invalid_signature"
	| "invalid_session"
	| "invalid_credentials"
	| "csrf_rejected"
	| "forbidden"
	| "service_unavailable"
	| "billing_not_configured"
	| "billing_unavailable"
	| "internal_server_error";

export class ApiError extends Error {
	constructor(
		readonly name: ErrorName,
		message: string,
		readonly status: ContentfulStatusCode,
		/** Extra fields some errors carry (e.g. the suppressed addresses); never renames. */
		readonly extra?: Record<string, unknown>,
		/** Response headers the error needs (e.g. `retry-after` on a 429). */
		readonly headers?: Record<string, string>,
	) {
		super(message);
	}

	toJSON() {
		return { statusCode: this.status, name: this.name, message: this.message, ...this.extra };
	}
}

export const notFound = (what: string) => new ApiError("not_found", `${what} not found.`, 404);
