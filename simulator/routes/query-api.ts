// The SES v1 Query API (`POST /`, form-encoded, XML answers), for the one thing v2 lacks: the
// legacy `_amazonses` TXT verification token. Implements VerifyDomainIdentity and
// GetIdentityVerificationAttributes with the XML of the SES API reference (namespace
// http://ses.amazonaws.com/doc/2010-12-01/), and answers errors, SigV4 failures included, as
// `<ErrorResponse>` documents the way AWS's Query front end does.

import { Hono } from "hono";
import type { AwsRegistry } from "../aws-accounts.ts";
import { authenticate, authorize, type Caller, sesIdentityArn } from "../aws-auth.ts";
import { AwsError } from "../aws-error.ts";
import type { DnsStore } from "../dns.ts";
import { observeIdentity, parseDomainName, restartOwnershipSearch } from "../identities.ts";
import {
	escapeXml,
	parseQueryParams,
	queryErrorResponse,
	xmlError as queryXmlError,
	xmlOk as queryXmlOk,
} from "../query-xml.ts";
import type { Credentials } from "../sigv4.ts";
import type { SimulatorStore } from "../store.ts";

export interface QueryApiDeps {
	store: SimulatorStore;
	registry: AwsRegistry;
	dns: DnsStore;
	/** The platform's region; customer keys may sign for any. */
	region: string;
	now: () => Date;
	credentials?: Credentials;
}

export const SES_XML_NAMESPACE = "http://ses.amazonaws.com/doc/2010-12-01/";
const API_VERSION = "2010-12-01";
// GetIdentityVerificationAttributes takes at most 100 identities (SES API reference).
const MAX_IDENTITIES = 100;

export function createQueryApiRoutes(deps: QueryApiDeps): Hono {
	const routes = new Hono();

	routes.post("/", async (c) => {
		const body = await c.req.arrayBuffer();
		const caller = await authenticate(c.req.raw, body, deps.registry, {
			region: deps.region,
			service: "ses",
			credentials: deps.credentials,
			now: deps.now,
			anyRegionForKeys: true,
		});
		if (caller instanceof AwsError) return queryErrorResponse(caller, SES_XML_NAMESPACE);
		try {
			return handle(deps, caller, parseQueryParams(c.req.header("content-type"), body));
		} catch (error) {
			if (error instanceof AwsError) return queryErrorResponse(error, SES_XML_NAMESPACE);
			throw error;
		}
	});

	return routes;
}

function handle(deps: QueryApiDeps, caller: Caller, params: URLSearchParams): Response {
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
			return verifyDomainIdentity(deps, caller, params);
		case "GetIdentityVerificationAttributes":
			return getIdentityVerificationAttributes(deps, caller, params);
		default:
			throw new AwsError(
				"InvalidAction",
				400,
				`The action ${action} is not valid for this web service.`,
			);
	}
}

function verifyDomainIdentity(
	deps: QueryApiDeps,
	caller: Caller,
	params: URLSearchParams,
): Response {
	const input = params.get("Domain");
	if (input === null) throw validationError("domain");
	const domain = parseDomainName(input);
	if (domain === null)
		throw new AwsError("InvalidParameterValue", 400, `Invalid domain name: ${input}`);
	const identities = begin(deps, caller, "VerifyDomainIdentity", sesIdentityArn(caller, domain));

	const now = deps.now();
	const existing = identities.get(domain);
	// Calling again returns the same token and restarts SES's 72-hour search for it.
	if (existing !== undefined) restartOwnershipSearch(existing, now);
	const identity = existing ?? identities.create(domain, { now, withDkim: false });
	if (identity === undefined) throw new Error(`identity ${domain} vanished while being created`);
	return xmlOk(
		"VerifyDomainIdentity",
		`<VerificationToken>${escapeXml(identity.verificationToken)}</VerificationToken>`,
	);
}

function getIdentityVerificationAttributes(
	deps: QueryApiDeps,
	caller: Caller,
	params: URLSearchParams,
): Response {
	const requested = memberList(params, "Identities");
	if (requested.length === 0) throw validationError("identities");
	if (requested.length > MAX_IDENTITIES) {
		throw new AwsError(
			"ValidationError",
			400,
			`1 validation error detected: Value at 'identities' failed to satisfy constraint: Member must have length less than or equal to ${MAX_IDENTITIES}`,
		);
	}
	const identities = begin(
		deps,
		caller,
		"GetIdentityVerificationAttributes",
		`arn:aws:ses:${caller.region}:${caller.accountId}:identity/*`,
	);

	const now = deps.now();
	const entries: string[] = [];
	for (const name of new Set(requested)) {
		// Identities SES does not know are left out of the map rather than reported.
		const identity = identities.get(name);
		if (identity === undefined) continue;
		const { statuses } = observeIdentity(identity, deps.dns, caller.region, now);
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

/** IAM, then faults; answers the caller's identities in the region it signed for. */
function begin(
	deps: QueryApiDeps,
	caller: Caller,
	operation: "VerifyDomainIdentity" | "GetIdentityVerificationAttributes",
	resource: string,
) {
	authorize(deps.registry, caller, `ses:${operation}`, resource);
	const fault = deps.store.takeFault({ operation, awsAccountId: caller.accountId });
	if (fault !== undefined) throw new AwsError(fault.code, fault.status, fault.message);
	return deps.registry.regionState(caller.accountId, caller.region).identities;
}

function validationError(member: string): AwsError {
	return new AwsError(
		"ValidationError",
		400,
		`1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
	);
}

/** The Query protocol's error document in SES's namespace. */
export function xmlError(code: string, status: number, message: string): Response {
	return queryXmlError(code, status, message, SES_XML_NAMESPACE);
}

function xmlOk(action: string, result: string): Response {
	return queryXmlOk(action, result, SES_XML_NAMESPACE);
}
