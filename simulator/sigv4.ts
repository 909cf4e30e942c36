// Checks AWS Signature Version 4 on the SES API routes, answering failures the way AWS's front
// end does (codes and message wording follow what AWS returns for restJson1 services). The
// header's shape, scope and clock are always checked; the platform key and its signature only
// when the simulator was given credentials, so `npm start` works with any key but tests prove
// that the Worker really signs what it sends. Customer accounts' keys (`keys`, aws-auth.ts) are
// always checked with their own secret, and may be scoped to any region.

import { AwsV4Signer } from "aws4fetch";
import { isRegionName } from "./aws-accounts.ts";
import { AwsError } from "./aws-error.ts";

export interface Credentials {
	accessKeyId: string;
	secretAccessKey: string;
}

export interface SigV4Options {
	region: string;
	service: string;
	credentials?: Credentials;
	now: () => Date;
	/** Keys other than the platform's; undefined from it means "not one of them". */
	keys?: KeyResolver;
	/** Whether a key found by `keys` may be scoped to any region (SES), or only `region` (STS). */
	anyRegionForKeys?: boolean;
}

/** A customer key's secret, or why it cannot be used (revoked, expired, wrong session token). */
export type KeyLookup = { secretAccessKey: string } | { error: AwsError };

export type KeyResolver = (
	accessKeyId: string,
	sessionToken: string | null,
) => KeyLookup | undefined;

export type SigV4Result =
	| { ok: true; accessKeyId: string; region: string; sessionToken: string | null }
	| { ok: false; error: AwsError };

const ALGORITHM = "AWS4-HMAC-SHA256";
// AWS refuses requests signed more than 15 minutes away from its clock, in either direction.
const MAX_SKEW_MS = 15 * 60 * 1000;

/** Verifies the request's Authorization header; `body` is the exact bytes that were sent. */
export async function verifySigV4(
	request: Request,
	body: ArrayBuffer,
	options: SigV4Options,
): Promise<SigV4Result> {
	const header = request.headers.get("authorization");
	if (header === null || header.trim() === "") {
		return fail("MissingAuthenticationTokenException", "Missing Authentication Token");
	}
	const parsed = parseAuthorization(header);
	if (typeof parsed === "string") return fail("IncompleteSignatureException", parsed);
	const { accessKeyId, scopeDate, region, service, signedHeaders, signature } = parsed;

	const amzDate = request.headers.get("x-amz-date");
	if (amzDate === null) {
		return fail(
			"IncompleteSignatureException",
			"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
		);
	}
	const signedAt = parseAmzDate(amzDate);
	if (signedAt === null) {
		return fail(
			"IncompleteSignatureException",
			`X-Amz-Date must be in ISO-8601 basic format (yyyyMMdd'T'HHmmss'Z'). Got '${amzDate}'.`,
		);
	}
	if (amzDate.slice(0, 8) !== scopeDate) {
		return fail(
			"IncompleteSignatureException",
			`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
		);
	}
	if (service !== options.service) {
		return fail(
			"InvalidSignatureException",
			`Credential should be scoped to correct service: '${options.service}'.`,
		);
	}
	const sessionToken = request.headers.get("x-amz-security-token");
	const customerKey =
		accessKeyId === options.credentials?.accessKeyId
			? undefined
			: options.keys?.(accessKeyId, sessionToken);
	const regionOk =
		customerKey !== undefined && options.anyRegionForKeys === true
			? isRegionName(region)
			: region === options.region;
	if (!regionOk) {
		return fail(
			"InvalidSignatureException",
			`Credential should be scoped to a valid region, not '${region}'.`,
		);
	}

	const now = options.now();
	const skew = signedAt.getTime() - now.getTime();
	if (skew < -MAX_SKEW_MS) {
		return fail(
			"InvalidSignatureException",
			`Signature expired: ${amzDate} is now earlier than ${formatAmzDate(new Date(now.getTime() - MAX_SKEW_MS))} (${formatAmzDate(now)} - 15 min.)`,
		);
	}
	if (skew > MAX_SKEW_MS) {
		return fail(
			"InvalidSignatureException",
			`Signature not yet current: ${amzDate} is still later than ${formatAmzDate(new Date(now.getTime() + MAX_SKEW_MS))} (${formatAmzDate(now)} + 15 min.)`,
		);
	}

	let secretAccessKey: string;
	if (customerKey !== undefined) {
		if ("error" in customerKey) return { ok: false, error: customerKey.error };
		secretAccessKey = customerKey.secretAccessKey;
	} else if (options.credentials === undefined) {
		return { ok: true, accessKeyId, region, sessionToken };
	} else if (accessKeyId !== options.credentials.accessKeyId) {
		return fail(
			"UnrecognizedClientException",
			"The security token included in the request is invalid.",
		);
	} else {
		secretAccessKey = options.credentials.secretAccessKey;
	}

	// A client may sign a declared payload hash instead of the payload; then the declaration
	// itself must be true, or a tampered body would pass.
	const declaredHash = request.headers.get("x-amz-content-sha256");
	if (declaredHash !== null && declaredHash !== (await sha256Hex(body))) {
		return fail(
			"InvalidSignatureException",
			"The provided 'x-amz-content-sha256' header does not match what was computed.",
		);
	}

	// Recompute with exactly the headers the client says it signed; a signed header missing from
	// the request drops out of the list and so fails the comparison below, as it would at AWS.
	const headers = new Headers();
	for (const name of signedHeaders) {
		const value = request.headers.get(name);
		if (name !== "host" && value !== null) headers.set(name, value);
	}
	const signer = new AwsV4Signer({
		method: request.method,
		url: request.url,
		headers,
		body,
		accessKeyId,
		secretAccessKey,
		service,
		region,
		datetime: amzDate,
		allHeaders: true,
	});
	const expected = await signer.signature();
	if (signer.signedHeaders !== signedHeaders.join(";") || !timingSafeEqual(expected, signature)) {
		return fail(
			"InvalidSignatureException",
			"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
		);
	}
	return { ok: true, accessKeyId, region, sessionToken };
}

interface ParsedAuthorization {
	accessKeyId: string;
	scopeDate: string;
	region: string;
	service: string;
	signedHeaders: string[];
	signature: string;
}

/** The header's parts, or the IncompleteSignatureException message saying what is wrong. */
function parseAuthorization(header: string): ParsedAuthorization | string {
	const space = header.indexOf(" ");
	const algorithm = space === -1 ? header : header.slice(0, space);
	if (algorithm !== ALGORITHM) {
		return `Unsupported AWS 'algorithm': '${algorithm}'. Expected '${ALGORITHM}'.`;
	}
	const params = new Map<string, string>();
	const rest = space === -1 ? "" : header.slice(space + 1);
	for (const pair of rest.split(",")) {
		const trimmed = pair.trim();
		if (trimmed === "") continue;
		const equals = trimmed.indexOf("=");
		if (equals === -1)
			return "Invalid key=value pair (missing equal-sign) in Authorization header.";
		params.set(trimmed.slice(0, equals), trimmed.slice(equals + 1));
	}
	const missing = ["Credential", "Signature", "SignedHeaders"]
		.filter((name) => !params.get(name))
		.map((name) => `Authorization header requires '${name}' parameter.`);
	if (missing.length > 0) return missing.join(" ");

	const credential = params.get("Credential") ?? "";
	const scope = credential.split("/");
	const [accessKeyId, scopeDate, region, service, terminator] = scope;
	if (
		scope.length !== 5 ||
		accessKeyId === undefined ||
		scopeDate === undefined ||
		region === undefined ||
		service === undefined ||
		scope.some((part) => part === "")
	) {
		return `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'.`;
	}
	if (!/^[A-Za-z0-9]+$/.test(accessKeyId)) return "Credential has a malformed access key id.";
	if (!/^\d{8}$/.test(scopeDate)) return `Credential has a malformed date: '${scopeDate}'.`;
	if (terminator !== "aws4_request") {
		return `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`;
	}

	const signedHeadersParam = params.get("SignedHeaders") ?? "";
	if (!/^[a-z0-9-]+(;[a-z0-9-]+)*$/.test(signedHeadersParam)) {
		return "SignedHeaders must be a semicolon-separated list of lowercase header names.";
	}
	const signedHeaders = signedHeadersParam.split(";");
	if (!signedHeaders.includes("host")) {
		return "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";
	}
	if (!signedHeaders.includes("x-amz-date")) {
		return "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.";
	}

	const signature = params.get("Signature") ?? "";
	if (!/^[0-9a-f]{64}$/.test(signature)) {
		return "Signature must be 64 lowercase hexadecimal characters.";
	}
	return { accessKeyId, scopeDate, region, service, signedHeaders, signature };
}

/** `yyyymmddThhmmssZ` as a Date, or null unless it names a real instant in that exact form. */
function parseAmzDate(value: string): Date | null {
	const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
	if (m === null) return null;
	const date = new Date(
		Date.UTC(
			Number(m[1]),
			Number(m[2]) - 1,
			Number(m[3]),
			Number(m[4]),
			Number(m[5]),
			Number(m[6]),
		),
	);
	// Date.UTC rolls 20240231 over into March; a real timestamp formats back to itself.
	return formatAmzDate(date) === value ? date : null;
}

function formatAmzDate(date: Date): string {
	return date.toISOString().replace(/[:-]|\.\d{3}/g, "");
}

async function sha256Hex(body: ArrayBuffer): Promise<string> {
	const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
	return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Both strings are 64 hex characters here; comparing every character keeps the time independent
// of where they first differ.
function timingSafeEqual(a: string, b: string): boolean {
	if (a.length !== b.length) return false;
	let diff = 0;
	for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
	return diff === 0;
}

function fail(code: string, message: string): SigV4Result {
	// Every authentication failure is a 403 at AWS's front end, malformed headers included.
	return { ok: false, error: new AwsError(code, 403, message) };
}
