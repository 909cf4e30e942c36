/**
 * The one mapper from the domain's refusals (src/domain/refusals.ts) to API errors: each reason
 * worded once, its status decided by the error name (ERROR_STATUS). Exhaustive, so a new reason
 * cannot reach a client unworded.
 */
import { PLAN_LIMITS } from "../domain/plans.ts";
import type { Refusal } from "../domain/refusals.ts";
import { ApiError } from "../lib/errors.ts";
import { rateLimitedError } from "../lib/rate-limit.ts";

const APPROVAL_HINT =
	"Submit a verification request from the dashboard (POST /account/verification-request); reviews take 1–2 business days.";

export function refusalError(refusal: Refusal): ApiError {
	switch (refusal.code) {
		case "invalid_api_key":
			return new ApiError("invalid_api_key", "API key is invalid.");
		case "invalid_from":
			return new ApiError("validation_error", "`from` is not a valid email address.");
		case "unknown_sending_domain":
			return new ApiError(
				"domain_not_verified",
				`The ${refusal.domain} domain is not a domain of this account. Add it with POST /domains and verify it before sending from it.`,
			);
		case "domain_not_verified": {
			const { missing } = refusal;
			return new ApiError(
				"domain_not_verified",
				`The ${refusal.domain} domain is not verified: ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not verified yet. Publish its DNS records and run the checks.`,
			);
		}
		case "key_restricted_to_domain":
			return new ApiError(
				"invalid_api_key",
				`This API key may only send from its own domain, not from ${refusal.domain}.`,
			);
		case "verification_required":
			return new ApiError(
				"verification_required",
				refusal.for === "sending"
					? `Shared SES sending needs a manually approved account. ${APPROVAL_HINT}`
					: `Subscribing to Growth or Pro needs a manually approved account. ${APPROVAL_HINT}`,
			);
		case "plan_required": {
			const why =
				refusal.plan === "free"
					? "this account has no Growth or Pro subscription"
					: `the ${PLAN_LIMITS[refusal.plan].name} subscription is ${refusal.subscriptionStatus.replace("_", " ")}`;
			return new ApiError(
				"plan_required",
				`Shared SES sending needs an active Growth or Pro plan: ${why}. Subscribe or update billing from the dashboard.`,
			);
		}
		case "account_suspended":
			return new ApiError(
				"account_suspended",
				`This account's sending is suspended${refusal.reason ? `: ${refusal.reason}` : "."} Contact support to have it reviewed.`,
				refusal.figures ? { figures: refusal.figures } : undefined,
			);
		case "recipient_suppressed":
			return new ApiError(
				"recipient_suppressed",
				`These recipients are on your suppression list after a hard bounce or complaint: ${refusal.recipients.join(", ")}. Remove an address with DELETE /suppressions/{email} only if you are sure it can receive mail again.`,
				{ recipients: refusal.recipients },
			);
		case "attachment_unavailable":
			return new ApiError(
				"invalid_attachment",
				`\`attachments[${refusal.index}]\` (${refusal.filename}): ${refusal.reason}.`,
			);
		case "message_too_large":
			return new ApiError(
				"payload_too_large",
				`The message is ${refusal.size} bytes with its attachments in base64; SES's limit is ${refusal.max} bytes (40 MB) for the whole message. Send smaller files or link to them.`,
			);
		case "cannot_schedule_byoc":
			return new ApiError(
				"validation_error",
				`\`scheduled_at\` is not available for ${refusal.domain}, a BYOC domain: SendFleet stores nothing of BYOC emails, so it cannot hold one until later. Schedule it on your side, or send from a Shared SES domain.`,
			);
		case "email_not_scheduled": {
			const why =
				refusal.lastEvent === "queued"
					? "it is already being sent"
					: refusal.lastEvent === "canceled"
						? "it was canceled"
						: `its last event is \`${refusal.lastEvent}\``;
			return new ApiError(
				"email_not_scheduled",
				`Only a scheduled email that is still waiting can be rescheduled or canceled; ${why}.`,
			);
		}
		case "rate_limited":
			return rateLimitedError(refusal.rate, refusal.retryAfterSeconds);
		case "quota_exceeded":
			return new ApiError(
				"monthly_quota_exceeded",
				`This request has ${refusal.requested} recipients but only ${Math.max(0, refusal.quota - refusal.used)} of the plan's ${refusal.quota} remain this month (the quota resets ${new Date(refusal.resetsAt).toISOString()}). Upgrade the plan or wait.`,
			);
		case "unavailable":
			return new ApiError(
				"service_unavailable",
				"Sending is briefly unavailable; nothing was accepted. Retry the request.",
			);
		case "billing_not_configured":
			return new ApiError(
				"billing_not_configured",
				`Billing is not configured on this SendFleet deployment (${refusal.detail}), so plans cannot be bought or changed here.`,
			);
		case "billing_unavailable": {
			const why = refusal.status === null ? "could not be reached" : `answered ${refusal.status}`;
			return new ApiError(
				"billing_unavailable",
				`Stripe ${why} while ${refusal.doing} (${refusal.type}: ${refusal.message}); nothing was changed. Try again shortly.`,
			);
		}
		case "subscription_exists":
			return new ApiError(
				"conflict",
				`This account already has a ${PLAN_LIMITS[refusal.plan].name} subscription (${refusal.subscriptionStatus.replace("_", " ")}). Change or cancel it in the billing portal (POST /billing/portal).`,
			);
		case "account_not_found":
			return new ApiError("not_found", "Account not found.");
		case "email_not_verified":
			return new ApiError(
				"email_not_verified",
				`${refusal.for === "subscribing" ? "Subscribing" : "Asking for approval"} needs a verified email address: follow the link we sent to ${refusal.email} (the owner can have a new one sent with POST /auth/resend-verification).`,
			);
		case "domains_need_approval":
			return new ApiError(
				"verification_required",
				`Adding a Shared SES domain needs a manually approved account. ${APPROVAL_HINT}`,
			);
		case "domains_need_plan":
			return new ApiError(
				"plan_required",
				`Adding a Shared SES domain needs an active Growth or Pro plan: ${refusal.plan === "free" ? "this account has no Growth or Pro subscription" : `the ${PLAN_LIMITS[refusal.plan].name} subscription is ${refusal.subscriptionStatus.replace("_", " ")}`}. Subscribe or update billing from the dashboard.`,
			);
		case "domain_limit_reached": {
			const allows =
				refusal.path === "byoc"
					? "BYOC allows"
					: `the ${PLAN_LIMITS[refusal.plan].name} plan allows`;
			return new ApiError(
				"domain_limit_exceeded",
				refusal.limit === "domains"
					? `This account has ${refusal.max} ${refusal.path === "byoc" ? "BYOC " : ""}domains, the most ${allows}. Delete one${refusal.path === "byoc" ? "" : " or upgrade the plan"}.`
					: `This account has ${refusal.max} domains waiting for verification, the most ${allows} at once. Verify or delete one first; a domain not verified within 72 hours is released.`,
				{ limit: refusal.limit, max: refusal.max },
			);
		}
		case "domain_unavailable":
			return new ApiError(
				"conflict",
				`${refusal.domain} cannot be added. If it is your organization's domain, contact support.`,
			);
		case "domain_released":
			return new ApiError(
				"conflict",
				`${refusal.domain} was not verified within 72 hours of being added, so it was released and its DNS records no longer work. Add it again (POST /domains) for new records, or delete this entry.`,
			);
		case "domain_capacity_reached":
			return new ApiError(
				"service_unavailable",
				"SendFleet cannot register new domains right now; nothing was created. Try again later or contact support.",
			);
		case "domain_on_other_path":
			return new ApiError(
				"conflict",
				`${refusal.domain} is already a ${refusal.path === "byoc" ? "BYOC" : "Shared SES"} domain of this account; a domain is on one path at a time. Delete it first to move it to the other path.`,
			);
		default:
			return byocError(refusal);
	}
}

const CONNECTION_HINT =
	"Fix the AWS connection (the dashboard's AWS connection page, or POST /byoc/connection) and send again.";

function byocError(refusal: Extract<Refusal, { code: `byoc_${string}` }>): ApiError {
	switch (refusal.code) {
		case "byoc_not_connected":
			return new ApiError(
				"byoc_not_connected",
				`${refusal.domain ? `${refusal.domain} sends through BYOC, but this` : "This"} account has no AWS connection. Connect your AWS account with POST /byoc/connection.`,
			);
		case "byoc_not_configured":
			return new ApiError(
				"service_unavailable",
				refusal.what === "BYOC_SECRET_KEY"
					? "This SendFleet deployment cannot keep AWS access keys (BYOC_SECRET_KEY is not set); connect with an IAM role instead."
					: "This SendFleet deployment cannot assume IAM roles (SENDFLEET_AWS_ACCOUNT_ID is not set); connect with an access key instead.",
			);
		case "byoc_role_refused":
			return new ApiError(
				"byoc_connection_failed",
				`AWS refused to let SendFleet assume ${refusal.roleArn} (${refusal.message}). Check that the role exists and that its trust policy lets AWS account ${refusal.awsAccountId} assume it with the external id ${refusal.externalId}.`,
				{ missing_action: "sts:AssumeRole" },
			);
		case "byoc_permission_missing":
			return new ApiError(
				"byoc_connection_failed",
				`The credentials work, but their IAM policy does not allow ${refusal.action} (${refusal.message}). Add it to the policy (the README lists the actions SendFleet needs) and save the connection again.`,
				{ missing_action: refusal.action },
			);
		case "byoc_credentials_invalid":
			return new ApiError(
				"byoc_connection_failed",
				`AWS does not accept this access key (${refusal.message}). Check the key id and secret, and that the key is active.`,
			);
		case "byoc_connection_broken":
			return new ApiError(
				"byoc_connection_broken",
				`Nothing was sent: your AWS connection is not working (${refusal.reason}). ${CONNECTION_HINT}`,
			);
		case "byoc_throttled":
			return new ApiError(
				"rate_limit_exceeded",
				`Your SES account is sending at its limit (${refusal.message}); nothing was sent. Retry after ${refusal.retryAfterSeconds} s, or ask AWS for a higher sending quota.`,
				undefined,
				{ "retry-after": String(refusal.retryAfterSeconds) },
			);
		case "byoc_rejected":
			return new ApiError(
				"ses_rejected",
				`Your SES account refused the email (${refusal.message}).${refusal.sandbox ? " Your SES account is in the sandbox: only verified addresses can receive. Verify the recipients in SES or request production access." : ""}`,
			);
		case "byoc_unavailable":
			return new ApiError(
				"service_unavailable",
				`Your SES in ${refusal.region} could not be reached (${refusal.message}); nothing was sent. Retry shortly.`,
			);
	}
}
