/**
 * Amazon SES v2 over its REST API, signed with SigV4 by aws4fetch. Only the calls we make, and
 * every answer classified so callers can choose: `ok`, `retry` (throttling, 5xx, network,
 * a paused shared account) or `fail` (SES refused this message for good).
 *
 * Errors follow AWS's restJson1 protocol: the code is in the `x-amzn-ErrorType` header
 * ("Code:namespace" form) or the body's `__type`/`code`, the text in `message`/`Message`.
 */
import { AwsClient } from "aws4fetch";
import type { Bindings } from "../env.ts";

export interface SesConfig {
	region: string;
	/** Base URL; empty means the public regional endpoint. */
	endpoint: string;
	accessKeyId: string;
	secretAccessKey: string;
	configurationSet: string;
}

export function sesConfigFromEnv(env: Bindings): SesConfig {
	return {
		region: env.SES_REGION,
		endpoint: env.SES_ENDPOINT,
		accessKeyId: env.AWS_ACCESS_KEY_ID,
		secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
		configurationSet: env.SES_CONFIGURATION_SET,
	};
}

/** SES v2 `SendEmail` input (the subset we use), in SES's own field names. */
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
		};
	};
	EmailTags: { Name: string; Value: string }[];
	ConfigurationSetName: string;
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
				body: body === undefined ? undefined : JSON.stringify(body),
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

	return {
		sendEmail: (request: SesSendEmailRequest) =>
			call<{ MessageId: string }>("POST", "/v2/email/outbound-emails", request),
	};
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
