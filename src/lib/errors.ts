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
	| "unsupported_media_type"
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
	| "internal_server_error"
	| "email_not_verified"
	| "invalid_verification_token"
	| "domain_limit_exceeded"
	| "byoc_not_connected"
	| "byoc_connection_broken"
	| "byoc_connection_failed"
	| "ses_rejected"
	| "invalid_attachment"
	| "email_not_scheduled";

/** Each error name's one HTTP status (a name never answers two statuses). */
export const ERROR_STATUS = {
	missing_api_key: 401,
	invalid_api_key: 403,
	restricted_api_key: 401,
	validation_error: 422,
	invalid_parameter: 422,
	not_found: 404,
	method_not_allowed: 405,
	payload_too_large: 413,
	unsupported_media_type: 415,
	rate_limit_exceeded: 429,
	monthly_quota_exceeded: 429,
	invalid_idempotency_key: 400,
	invalid_idempotent_request: 409,
	concurrent_idempotent_requests: 409,
	recipient_suppressed: 422,
	account_suspended: 403,
	domain_not_verified: 403,
	verification_required: 403,
	plan_required: 403,
	conflict: 409,
	invalid_signature: 403,
	invalid_session: 401,
	invalid_credentials: 401,
	csrf_rejected: 403,
	forbidden: 403,
	service_unavailable: 503,
	billing_not_configured: 503,
	billing_unavailable: 502,
	internal_server_error: 500,
	email_not_verified: 403,
	invalid_verification_token: 400,
	domain_limit_exceeded: 403,
	byoc_not_connected: 403,
	byoc_connection_broken: 403,
	byoc_connection_failed: 422,
	ses_rejected: 422,
	invalid_attachment: 422,
	email_not_scheduled: 409,
} as const satisfies Record<ErrorName, ContentfulStatusCode>;

export class ApiError extends Error {
	readonly name: ErrorName;
	readonly status: (typeof ERROR_STATUS)[ErrorName];
	/** Extra fields some errors carry (e.g. the suppressed addresses); never renames. */
	readonly extra?: Record<string, unknown>;
	/** Response headers the error needs (e.g. `retry-after` on a 429). */
	readonly headers?: Record<string, string>;

	constructor(
		name: ErrorName,
		message: string,
		extra?: Record<string, unknown>,
		headers?: Record<string, string>,
	) {
		super(message);
		this.name = name;
		this.status = ERROR_STATUS[name];
		this.extra = extra;
		this.headers = headers;
	}

	toJSON() {
		return { statusCode: this.status, name: this.name, message: this.message, ...this.extra };
	}
}

export const notFound = (what: string) => new ApiError("not_found", `${what} not found.`);
