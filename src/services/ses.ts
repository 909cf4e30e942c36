/**
 * Amazon SES, signed with SigV4 by aws4fetch: the v2 REST API for sending and identities, and
 * the v1 Query API only for the `_amazonses` TXT token, which v2 does not have. Only the calls
 * we make, and every answer classified so callers can choose: `ok`, `retry` (throttling, 5xx,
 * network, a paused shared account) or `fail` (SES refused this for good).
 *
 * v2 errors follow AWS's restJson1 protocol: the code is in the `x-amzn-ErrorType` header
 * ("Code:namespace" form) or the body's `__type`/`code`, the text in `message`/`Message`.
 * v1 errors are XML: `<Error><Code>…</Code><Message>…</Message></Error>`.
 */

import { AwsClient } from "aws4fetch";
import { jsonWithBytes } from "../lib/json-with-bytes.ts";
import { xmlText } from "../lib/xml.ts";

/** The SES message tag that carries our email id to SES and back in its notifications. */
export const EMAIL_ID_TAG = "sendfleet_email_id";

export interface SesConfig {
	region: string;
	/** Base URL; empty means the public regional endpoint. */
	endpoint: string;
	accessKeyId: string;
	secretAccessKey: string;
	/** Temporary credentials (STS AssumeRole) carry one. */
	sessionToken?: string;
	/** Empty: none (a BYOC customer's SES has no SendFleet configuration set). */
	configurationSet: string;
}

/** SES v2 `SendEmail` input (the subset we use), in SES's own field names. */
/** SES v2 `Attachment`; `RawContent` goes out as base64 (src/lib/json-with-bytes.ts). */
export interface SesAttachment {
	FileName: string;
	ContentType: string;
	ContentDisposition: "ATTACHMENT" | "INLINE";
	ContentId?: string;
	ContentTransferEncoding: "BASE64";
	RawContent: Uint8Array;
}

export interface SesSendEmailRequest {
	FromEmailAddress: string;
	Destination: { ToAddresses: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
	ReplyToAddresses?: string[];
	Content: {
		Simple: {
			Subject: { Data: string; Charset: "UTF-8" };
			Body: {
				Text?: { Data: string; Charset: "UTF-8" };
				Html?: { Data: string; Charset: "UTF-8" };
			};
			Headers?: { Name: string; Value: string }[];
			Attachments?: SesAttachment[];
		};
	};
	EmailTags?: { Name: string; Value: string }[];
	ConfigurationSetName?: string;
}

export type SesOutcome<T> =
	| { kind: "ok"; value: T }
	| { kind: "retry"; code: string; message: string }
	| { kind: "fail"; code: string; message: string };

/** Errors that say "not now" about our shared account rather than "never" about the message. */
const RETRYABLE_CODES = new Set([
	"TooManyRequestsException",
	"ThrottlingException",
	"Throttling",
	"LimitExceededException",
	"SendingPausedException",
	"AccountSuspendedException",
	"InternalFailure",
	"ServiceUnavailable",
]);

export type SesClient = ReturnType<typeof createSesClient>;

export function createSesClient(config: SesConfig) {
	// Retries belong to the queue (with backoff and a dead-letter queue), not to the signer.
	const aws = new AwsClient({
		accessKeyId: config.accessKeyId,
		secretAccessKey: config.secretAccessKey,
		sessionToken: config.sessionToken,
		service: "ses",
		region: config.region,
		retries: 0,
	});
	const base = (config.endpoint || `https://email.${config.region}.amazonaws.com`).replace(
		/\/$/,
		"",
	);

	async function call<T>(method: string, path: string, body?: unknown): Promise<SesOutcome<T>> {
		let response: Response;
		try {
			response = await aws.fetch(`${base}${path}`, {
				method,
				headers: { "content-type": "application/json" },
				// Attachments' bytes are written as base64 straight into the body (no copies).
				body: body === undefined ? undefined : jsonWithBytes(body),
			});
		} catch (cause) {
			return { kind: "retry", code: "NetworkError", message: String(cause) };
		}
		const text = await response.text();
		const json = parseJson(text);
		if (response.ok) return { kind: "ok", value: (json ?? {}) as T };
		const code = errorCode(response, json);
		const message = errorMessage(json) ?? (text.slice(0, 200) || response.statusText);
		const retry = response.status === 429 || response.status >= 500 || RETRYABLE_CODES.has(code);
		return { kind: retry ? "retry" : "fail", code, message };
	}

	async function query(params: Record<string, string>): Promise<SesOutcome<string>> {
		let response: Response;
		try {
			response = await aws.fetch(`${base}/`, {
				method: "POST",
				headers: { "content-type": "application/x-www-form-urlencoded" },
				body: new URLSearchParams({ ...params, Version: "2010-12-01" }).toString(),
			});
		} catch (cause) {
			return { kind: "retry", code: "NetworkError", message: String(cause) };
		}
		const text = await response.text();
		if (response.ok) return { kind: "ok", value: text };
		const code = xmlText(text, "Code") ?? `HTTP${response.status}`;
		const message = xmlText(text, "Message") ?? response.statusText;
		const retry = response.status === 429 || response.status >= 500 || RETRYABLE_CODES.has(code);
		return { kind: retry ? "retry" : "fail", code, message };
	}

	const identityPath = (domain: string) => `/v2/email/identities/${encodeURIComponent(domain)}`;

	return {
		sendEmail: (request: SesSendEmailRequest) =>
			call<{ MessageId: string }>("POST", "/v2/email/outbound-emails", request),

		/** v2 GetAccount: production access or the sandbox, and the sending quota. */
		getAccount: () => call<SesAccount>("GET", "/v2/email/account"),

		/** v2 CreateEmailIdentity: registers the domain with Easy DKIM; answers its 3 tokens. */
		createEmailIdentity: (domain: string) =>
			call<SesEmailIdentity>("POST", "/v2/email/identities", {
				EmailIdentity: domain,
				...(config.configurationSet ? { ConfigurationSetName: config.configurationSet } : {}),
			}),

		getEmailIdentity: (domain: string) => call<SesEmailIdentity>("GET", identityPath(domain)),

		deleteEmailIdentity: (domain: string) => call<object>("DELETE", identityPath(domain)),

		putMailFrom: (domain: string, mailFromDomain: string) =>
			call<object>("PUT", `${identityPath(domain)}/mail-from`, {
				MailFromDomain: mailFromDomain,
				BehaviorOnMxFailure: "USE_DEFAULT_VALUE",
			}),

		/** v1 VerifyDomainIdentity: the token for the `_amazonses.<domain>` TXT record. */
		async verifyDomainIdentity(domain: string): Promise<SesOutcome<string>> {
			const outcome = await query({ Action: "VerifyDomainIdentity", Domain: domain });
			if (outcome.kind !== "ok") return outcome;
			const token = xmlText(outcome.value, "VerificationToken");
			return token
				? { kind: "ok", value: token }
				: {
						kind: "retry",
						code: "MalformedResponse",
						message: "no VerificationToken in the answer",
					};
		},

		/** v1 GetIdentityVerificationAttributes: the `_amazonses` TXT check's status. */
		async getOwnershipStatus(domain: string): Promise<SesOutcome<SesOwnershipStatus>> {
			const outcome = await query({
				Action: "GetIdentityVerificationAttributes",
				"Identities.member.1": domain,
			});
			if (outcome.kind !== "ok") return outcome;
			const status = xmlText(outcome.value, "VerificationStatus") ?? "NotStarted";
			return { kind: "ok", value: status as SesOwnershipStatus };
		},
	};
}

export type SesOwnershipStatus =
	| "Pending"
	| "Success"
	| "Failed"
	| "TemporaryFailure"
	| "NotStarted";
export type SesDkimStatus = "PENDING" | "SUCCESS" | "FAILED" | "TEMPORARY_FAILURE" | "NOT_STARTED";

/** The parts of SES v2's GetAccount answer that we read. */
export interface SesAccount {
	ProductionAccessEnabled?: boolean;
	SendingEnabled?: boolean;
	SendQuota?: { Max24HourSend?: number; MaxSendRate?: number; SentLast24Hours?: number };
}

/** The parts of SES v2's identity answer (Create/GetEmailIdentity) that we read. */
export interface SesEmailIdentity {
	VerifiedForSendingStatus?: boolean;
	DkimAttributes?: { Status?: SesDkimStatus; Tokens?: string[] };
	MailFromAttributes?: { MailFromDomain?: string; MailFromDomainStatus?: string };
}

function parseJson(text: string): Record<string, unknown> | null {
	try {
		const value: unknown = JSON.parse(text);
		return value && typeof value === "object" ? (value as Record<string, unknown>) : null;
	} catch {
		return null;
	}
}

function errorCode(response: Response, json: Record<string, unknown> | null): string {
	const raw =
		response.headers.get("x-amzn-errortype") ??
		(typeof json?.__type === "string" ? json.__type : undefined) ??
		(typeof json?.code === "string" ? json.code : undefined) ??
		`HTTP${response.status}`;
	// "Code:http://internal…" in the header, "namespace#Code" in `__type`.
	return raw.split(":")[0]?.split("#").at(-1) || `HTTP${response.status}`;
}

function errorMessage(json: Record<string, unknown> | null): string | undefined {
	const message = json?.message ?? json?.Message;
	return typeof message === "string" ? message : undefined;
}
