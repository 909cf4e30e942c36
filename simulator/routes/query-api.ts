// The SES v1 Query API (`POST /`, form-encoded, XML answers), for the one thing v2 lacks: the
// legacy `_amazonses` TXT verification token. Implements VerifyDomainIdentity and
// GetIdentityVerificationAttributes with the XML of the SES API reference (namespace
// http://ses.amazonaws.com/doc/2010-12-01/), and answers errors, SigV4 failures included, as
// `<ErrorResponse>` documents the way AWS's Query front end does.

import { Hono } from "hono";
import { AwsError } from "../aws-error.ts";
import type { DnsStore } from "../dns.ts";
import {
	type IdentityStore,
	observeIdentity,
	parseDomainName,
	restartOwnershipSearch,
} from "../identities.ts";
import { type Credentials, verifySigV4 } from "../sigv4.ts";
import type { SimulatorStore } from "../store.ts";

export interface QueryApiDeps {
	store: SimulatorStore;
	identities: IdentityStore;
	dns: DnsStore;
	region: string;
	now: () => Date;
	credentials?: Credentials;
}

export const SES_XML_NAMESPACE = "http://ses.amazonaws.com/doc/2010-12-01/";
const API_VERSION = "2010-12-01";
// GetIdentityVerificationAttributes takes at most 100 identities (SES API reference).
const MAX_IDENTITIES = 100;

// The Query protocol's names for the authentication failures sigv4.ts reports in restJson1 terms.
const QUERY_AUTH_ERRORS: Readonly<Record<string, { code: string; message?: string }>> = {
	MissingAuthenticationTokenException: {
		code: "MissingAuthenticationToken",
		message: "Request is missing Authentication Token",
	},
	IncompleteSignatureException: { code: "IncompleteSignature" },
	InvalidSignatureException: { code: "SignatureDoesNotMatch" },
	UnrecognizedClientException: { code: "InvalidClientTokenId" },
};

export function createQueryApiRoutes(deps: QueryApiDeps): Hono {
	const routes = new Hono();

	routes.post("/", async (c) => {
		const body = await c.req.arrayBuffer();
		const auth = await verifySigV4(c.req.raw, body, {
			region: deps.region,
			service: "ses",
			credentials: deps.credentials,
			now: deps.now,
		});
		if (!auth.ok) {
			const mapped = QUERY_AUTH_ERRORS[auth.error.code];
			return xmlError(
				mapped?.code ?? auth.error.code,
				auth.error.status,
				mapped?.message ?? auth.error.message,
			);
		}
		try {
			return handle(deps, parseParams(c.req.header("content-type"), body));
		} catch (error) {
			if (error instanceof AwsError) return xmlError(error.code, error.status, error.message);
			throw error;
		}
	});

	return routes;
}

function handle(deps: QueryApiDeps, params: URLSearchParams): Response {
	const action = params.get("Action");
	if (action === null || action === "") {
		throw new AwsError("MissingAction", 400, "Missing Action");
	}
	const version = params.get("Version");
	if (version !== null && version !== API_VERSION) {
		throw new AwsError(
			"NoSuchVersion",
			400,
			`The requested version (${version}) of service AmazonSimpleEmailService does not exist`,
		);
	}
	switch (action) {
		case "VerifyDomainIdentity":
			return verifyDomainIdentity(deps, params);
		case "GetIdentityVerificationAttributes":
			return getIdentityVerificationAttributes(deps, params);
		default:
			throw new AwsError(
				"InvalidAction",
				400,
				`The action ${action} is not valid for this web service.`,
			);
	}
}

function verifyDomainIdentity(deps: QueryApiDeps, params: URLSearchParams): Response {
	const input = params.get("Domain");
	if (input === null) throw validationError("domain");
	const domain = parseDomainName(input);
	if (domain === null)
		throw new AwsError("InvalidParameterValue", 400, `Invalid domain name: ${input}`);
	applyFault(deps, "VerifyDomainIdentity");

	const now = deps.now();
	const existing = deps.identities.get(domain);
	// Calling again returns the same token and restarts SES's 72-hour search for it.
	if (existing !== undefined) restartOwnershipSearch(existing, now);
	const identity = existing ?? deps.identities.create(domain, { now, withDkim: false });
	if (identity === undefined) throw new Error(`identity ${domain} vanished while being created`);
	return xmlOk(
		"VerifyDomainIdentity",
		`<VerificationToken>${escapeXml(identity.verificationToken)}</VerificationToken>`,
	);
}

function getIdentityVerificationAttributes(deps: QueryApiDeps, params: URLSearchParams): Response {
	const requested = memberList(params, "Identities");
	if (requested.length === 0) throw validationError("identities");
	if (requested.length > MAX_IDENTITIES) {
		throw new AwsError(
			"ValidationError",
			400,
			`1 validation error detected: Value at 'identities' failed to satisfy constraint: Member must have length less than or equal to ${MAX_IDENTITIES}`,
		);
	}
	applyFault(deps, "GetIdentityVerificationAttributes");

	const now = deps.now();
	const entries: string[] = [];
	for (const name of new Set(requested)) {
		// Identities SES does not know are left out of the map rather than reported.
		const identity = deps.identities.get(name);
		if (identity === undefined) continue;
		const { statuses } = observeIdentity(identity, deps.dns, deps.region, now);
		entries.push(`      <entry>
        <key>${escapeXml(name)}</key>
        <value>
          <VerificationStatus>${statuses.ownership}</VerificationStatus>
          <VerificationToken>${escapeXml(identity.verificationToken)}</VerificationToken>
        </value>
      </entry>`);
	}
	const attributes =
		entries.length === 0
			? "<VerificationAttributes/>"
			: `<VerificationAttributes>
${entries.join("\n")}
    </VerificationAttributes>`;
	return xmlOk("GetIdentityVerificationAttributes", attributes);
}

/** `Name.member.1`, `Name.member.2`, … up to the first gap, as the Query protocol lists them. */
function memberList(params: URLSearchParams, name: string): string[] {
	const values: string[] = [];
	for (let i = 1; ; i++) {
		const value = params.get(`${name}.member.${i}`);
		if (value === null) return values;
		values.push(value);
	}
}

function parseParams(contentType: string | undefined, body: ArrayBuffer): URLSearchParams {
	const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
	if (mediaType !== "application/x-www-form-urlencoded") {
		throw new AwsError(
			"MissingAction",
			400,
			"Missing Action: the Query API takes a body of type application/x-www-form-urlencoded.",
		);
	}
	return new URLSearchParams(new TextDecoder().decode(body));
}

function applyFault(
	deps: QueryApiDeps,
	operation: "VerifyDomainIdentity" | "GetIdentityVerificationAttributes",
): void {
	const fault = deps.store.takeFault({ operation });
	if (fault !== undefined) throw new AwsError(fault.code, fault.status, fault.message);
}

function validationError(member: string): AwsError {
	return new AwsError(
		"ValidationError",
		400,
		`1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
	);
}

function xmlOk(action: string, result: string): Response {
	const requestId = crypto.randomUUID();
	return xmlResponse(
		200,
		requestId,
		`<${action}Response xmlns="${SES_XML_NAMESPACE}">
  <${action}Result>
    ${result}
  </${action}Result>
  <ResponseMetadata>
    <RequestId>${requestId}</RequestId>
  </ResponseMetadata>
</${action}Response>
`,
	);
}

/** The Query protocol's error document; Type says whose fault it is (4xx Sender, 5xx Receiver). */
export function xmlError(code: string, status: number, message: string): Response {
	const requestId = crypto.randomUUID();
	return xmlResponse(
		status,
		requestId,
		`<ErrorResponse xmlns="${SES_XML_NAMESPACE}">
  <Error>
    <Type>${status >= 500 ? "Receiver" : "Sender"}</Type>
    <Code>${escapeXml(code)}</Code>
    <Message>${escapeXml(message)}</Message>
  </Error>
  <RequestId>${requestId}</RequestId>
</ErrorResponse>
`,
	);
}

function xmlResponse(status: number, requestId: string, body: string): Response {
	return new Response(body, {
		status,
		headers: { "content-type": "text/xml", "x-amzn-RequestId": requestId },
	});
}

/** Escapes text content (every value here is element text, never an attribute). */
function escapeXml(value: string): string {
	return value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
