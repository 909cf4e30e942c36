/**
 * What a failed call to a BYOC customer's AWS means, as the product's refusals: the connection
 * does not work (credentials refused, a permission missing), their SES is at its limit, it
 * refused the email, or it is out of reach. Messages are kept free of addresses.
 */
import type { SesOutcome } from "../services/ses.ts";
import type { Refusal } from "./refusals.ts";

export type Failed = Exclude<SesOutcome<unknown>, { kind: "ok" }>;

/** AWS's "… is not authorized to perform: ses:SendEmail on resource …" names the action. */
export const missingAction = (message: string) =>
	/not authorized to perform:?\s*([a-z0-9-]+:[A-Za-z0-9*]+)/i.exec(message)?.[1];

export const CREDENTIAL_CODES = new Set([
	"UnrecognizedClientException",
	"InvalidClientTokenId",
	"SignatureDoesNotMatch",
	"InvalidSignatureException",
	"IncompleteSignatureException",
	"MissingAuthenticationTokenException",
	"ExpiredTokenException",
	"ExpiredToken",
]);
export const PERMISSION_CODES = new Set(["AccessDenied", "AccessDeniedException"]);
const THROTTLE_CODES = new Set([
	"TooManyRequestsException",
	"ThrottlingException",
	"Throttling",
	"LimitExceededException",
]);

export const isExpiredToken = (outcome: Failed) =>
	outcome.code === "ExpiredTokenException" || outcome.code === "ExpiredToken";

/**
 * What a failed call to the customer's SES means for the request: their connection is not
 * working (fix it), they are sending too fast, SES refused the email, or SES is out of reach.
 */
export function byocProblem(
	outcome: Failed,
	context: { region: string; sandbox: boolean },
): Refusal {
	const text = withoutAddresses(`${outcome.code}: ${outcome.message}`);
	if (PERMISSION_CODES.has(outcome.code)) {
		const action = missingAction(outcome.message);
		return {
			code: "byoc_connection_broken",
			reason: action ? `the IAM policy does not allow ${action} (${text})` : text,
		};
	}
	if (CREDENTIAL_CODES.has(outcome.code)) {
		return { code: "byoc_connection_broken", reason: `AWS refused the credentials (${text})` };
	}
	if (THROTTLE_CODES.has(outcome.code) || outcome.code === "HTTP429") {
		const daily = /daily|24.hour/i.test(outcome.message);
		return { code: "byoc_throttled", message: text, retryAfterSeconds: daily ? 3600 : 1 };
	}
	if (outcome.kind === "retry" && !/Paused|Suspended/.test(outcome.code)) {
		return { code: "byoc_unavailable", region: context.region, message: text };
	}
	return { code: "byoc_rejected", message: text, sandbox: context.sandbox };
}

/**
 * SES's messages can name addresses ("…failed the check in region EU-WEST-1: bob@example.org").
 * What we answer may be kept for 24 hours under an Idempotency-Key and what we log is kept by
 * Cloudflare, so BYOC keeps no address in either: the caller knows what it sent.
 */
export const withoutAddresses = (text: string) =>
	text.replace(/[^\s:,;<>"'/()]+@[^\s,;<>"'()]+/g, "<address>");
