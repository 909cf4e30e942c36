// AWS STS AssumeRole (`POST /sts`, the Query protocol, SigV4 service `sts` in us-east-1): how
// SendFleet gets temporary credentials for a customer's own AWS account. A role trusts one
// account (the platform's by default) and requires an external id, as the role SendFleet asks
// customers to create does; anything else is refused with AWS's AccessDenied wording, so the
// Worker cannot tell a missing role from a wrong external id (neither can it at AWS). The
// temporary credentials act as the role's account until they expire on the simulator's clock,
// or until the role is deleted. Every AssumeRole call is recorded (`sim.aws.assumeRoleCalls`).

import { Hono } from "hono";
import type { AssumeRoleCall } from "../aws.ts";
import {
	type AwsRegistry,
	newAccessKeyId,
	newSecretAccessKey,
	newSessionToken,
	roleArnOf,
} from "../aws-accounts.ts";
import { authenticate, authorize, type Caller } from "../aws-auth.ts";
import { AwsError } from "../aws-error.ts";
import { escapeXml, parseQueryParams, queryErrorResponse, xmlOk } from "../query-xml.ts";
import type { Credentials } from "../sigv4.ts";
import type { SimulatorStore } from "../store.ts";

export interface StsDeps {
	store: SimulatorStore;
	registry: AwsRegistry;
	now: () => Date;
	credentials?: Credentials;
	/** Where each call is recorded (`sim.aws.assumeRoleCalls`). */
	calls: AssumeRoleCall[];
}

export const STS_XML_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";
const API_VERSION = "2011-06-15";
// STS is a global service whose SigV4 scope is us-east-1.
const STS_REGION = "us-east-1";
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const DEFAULT_DURATION_SECONDS = 3600;

export function createStsRoutes(deps: StsDeps): Hono {
	const routes = new Hono();

	routes.on("POST", ["/sts", "/sts/"], async (c) => {
		const body = await c.req.arrayBuffer();
		const params = safeParams(c.req.header("content-type"), body);
		const caller = await authenticate(c.req.raw, body, deps.registry, {
			region: STS_REGION,
			service: "sts",
			credentials: deps.credentials,
			now: deps.now,
		});
		const call =
			params?.get("Action") === "AssumeRole"
				? { roleArn: params.get("RoleArn") ?? "", externalId: params.get("ExternalId") }
				: null;
		const record = (ok: boolean) => {
			if (call !== null) deps.calls.push({ ...call, ok, at: deps.now().toISOString() });
		};
		if (caller instanceof AwsError) {
			record(false);
			return queryErrorResponse(caller, STS_XML_NAMESPACE);
		}
		try {
			const response = handle(deps, caller, parseQueryParams(c.req.header("content-type"), body));
			record(true);
			return response;
		} catch (error) {
			record(false);
			if (error instanceof AwsError) return queryErrorResponse(error, STS_XML_NAMESPACE);
			throw error;
		}
	});

	return routes;
}

function handle(deps: StsDeps, caller: Caller, params: URLSearchParams): Response {
	const action = params.get("Action");
	if (action === null || action === "") throw new AwsError("MissingAction", 400, "Missing Action");
	const version = params.get("Version");
	if (version !== null && version !== API_VERSION) {
		throw new AwsError(
			"InvalidAction",
			400,
			`Could not find operation ${action} for version ${version}`,
		);
	}
	if (action !== "AssumeRole") {
		throw new AwsError(
			"InvalidAction",
			400,
			`Could not find operation ${action} for version ${API_VERSION}`,
		);
	}
	return assumeRole(deps, caller, params);
}

function assumeRole(deps: StsDeps, caller: Caller, params: URLSearchParams): Response {
	const input = validate(params);
	const { roleArn, sessionName, externalId, durationSeconds } = input;
	const fault = deps.store.takeFault({ operation: "AssumeRole", awsAccountId: caller.accountId });
	if (fault !== undefined) throw new AwsError(fault.code, fault.status, fault.message);

	const denied = new AwsError(
		"AccessDenied",
		403,
		`User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
	);
	// The caller's own policy first (a customer account can be denied sts:AssumeRole)…
	try {
		authorize(deps.registry, caller, "sts:AssumeRole", roleArn);
	} catch {
		throw denied;
	}
	// …then the role's trust policy: the trusted account, with the external id as its condition.
	const role = deps.registry.roles.get(roleArn);
	if (
		role === undefined ||
		role.trustedAccountId !== caller.accountId ||
		externalId === null ||
		externalId !== role.externalId
	) {
		throw denied;
	}

	const expiration = new Date(deps.now().getTime() + durationSeconds * 1000);
	const credentials = {
		accessKeyId: newAccessKeyId("ASIA"),
		secretAccessKey: newSecretAccessKey(),
		sessionToken: newSessionToken(),
	};
	deps.registry.sessions.set(credentials.accessKeyId, {
		...credentials,
		roleArn: roleArnOf(role),
		roleId: role.roleId,
		accountId: role.accountId,
		sessionName,
		expiration,
	});
	return xmlOk(
		"AssumeRole",
		`<Credentials>
      <AccessKeyId>${credentials.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${escapeXml(credentials.secretAccessKey)}</SecretAccessKey>
      <SessionToken>${escapeXml(credentials.sessionToken)}</SessionToken>
      <Expiration>${expiration.toISOString().replace(/\.\d{3}Z$/, "Z")}</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <AssumedRoleId>${role.roleId}:${escapeXml(sessionName)}</AssumedRoleId>
      <Arn>arn:aws:sts::${role.accountId}:assumed-role/${escapeXml(role.name)}/${escapeXml(sessionName)}</Arn>
    </AssumedRoleUser>`,
		STS_XML_NAMESPACE,
	);
}

interface AssumeRoleInput {
	roleArn: string;
	sessionName: string;
	externalId: string | null;
	durationSeconds: number;
}

// STS's validation, with the wording of AWS's request validation (its "Coral" messages).
function validate(params: URLSearchParams): AssumeRoleInput {
	const roleArn = params.get("RoleArn");
	if (roleArn === null) throw notNull("roleArn");
	if (roleArn.length < 20)
		throw constraint(roleArn, "roleArn", "Member must have length greater than or equal to 20");
	if (roleArn.length > 2048)
		throw constraint(roleArn, "roleArn", "Member must have length less than or equal to 2048");
	if (!ROLE_ARN.test(roleArn)) throw new AwsError("ValidationError", 400, `${roleArn} is invalid`);

	const sessionName = params.get("RoleSessionName");
	if (sessionName === null) throw notNull("roleSessionName");
	if (sessionName.length < 2) {
		throw constraint(
			sessionName,
			"roleSessionName",
			"Member must have length greater than or equal to 2",
		);
	}
	if (sessionName.length > 64) {
		throw constraint(
			sessionName,
			"roleSessionName",
			"Member must have length less than or equal to 64",
		);
	}
	if (!/^[\w+=,.@-]*$/.test(sessionName)) {
		throw constraint(
			sessionName,
			"roleSessionName",
			"Member must satisfy regular expression pattern: [\\w+=,.@-]*",
		);
	}

	const externalId = params.get("ExternalId");
	if (externalId !== null) {
		if (externalId.length < 2) {
			throw constraint(
				externalId,
				"externalId",
				"Member must have length greater than or equal to 2",
			);
		}
		if (externalId.length > 1224) {
			throw constraint(
				externalId,
				"externalId",
				"Member must have length less than or equal to 1224",
			);
		}
		if (!/^[\w+=,.@:/-]*$/.test(externalId)) {
			throw constraint(
				externalId,
				"externalId",
				"Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*",
			);
		}
	}

	const duration = params.get("DurationSeconds");
	let durationSeconds = DEFAULT_DURATION_SECONDS;
	if (duration !== null) {
		if (!/^\d+$/.test(duration)) {
			throw new AwsError(
				"ValidationError",
				400,
				`Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must be an integer`,
			);
		}
		durationSeconds = Number(duration);
		if (durationSeconds < 900) {
			throw constraint(
				duration,
				"durationSeconds",
				"Member must have value greater than or equal to 900",
			);
		}
		if (durationSeconds > 43_200) {
			throw constraint(
				duration,
				"durationSeconds",
				"Member must have value less than or equal to 43200",
			);
		}
	}
	return { roleArn, sessionName, externalId, durationSeconds };
}

function notNull(member: string): AwsError {
	return new AwsError(
		"ValidationError",
		400,
		`1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
	);
}

function constraint(value: string, member: string, rule: string): AwsError {
	return new AwsError(
		"ValidationError",
		400,
		`1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${rule}`,
	);
}

function safeParams(contentType: string | undefined, body: ArrayBuffer): URLSearchParams | null {
	try {
		return parseQueryParams(contentType, body);
	} catch {
		return null;
	}
}
