// Who is calling: every SigV4-signed request (SES v2, the SES v1 Query API, STS) acts as one AWS
// account, found from its access key (and, for temporary credentials, its session token). The
// platform's key behaves exactly as before accounts existed; customer keys are always checked
// with their own secret. Then IAM: an action denied to the account, or a session whose role was
// deleted, is refused with AWS's AccessDenied wording.

import type { Context, MiddlewareHandler } from "hono";
import { type AwsRegistry, PLATFORM_ACCOUNT_ID } from "./aws-accounts.ts";
import { AwsError } from "./aws-error.ts";
import { type KeyResolver, type SigV4Options, verifySigV4 } from "./sigv4.ts";

export interface Caller {
	accountId: string;
	platform: boolean;
	/** The principal AWS names in AccessDenied messages. */
	arn: string;
	/** The region the request was signed for; SES calls act on this region's identities. */
	region: string;
	/** For temporary credentials: the role they came from and its id at the time. */
	session: { roleArn: string; roleId: string } | null;
}

/** Hono's typing for routes that read the caller set by `requireCaller`. */
export type SesEnv = { Variables: { caller: Caller } };

const INVALID_TOKEN = "The security token included in the request is invalid.";

/** The customer keys and sessions of `registry`, for verifySigV4. */
export function keyResolver(registry: AwsRegistry, now: () => Date): KeyResolver {
	return (accessKeyId, sessionToken) => {
		const key = registry.keys.get(accessKeyId);
		if (key !== undefined) {
			if (key.revoked)
				return { error: new AwsError("UnrecognizedClientException", 403, INVALID_TOKEN) };
			return { secretAccessKey: key.secretAccessKey };
		}
		const session = registry.sessions.get(accessKeyId);
		if (session === undefined) return undefined;
		if (sessionToken !== session.sessionToken) {
			return { error: new AwsError("UnrecognizedClientException", 403, INVALID_TOKEN) };
		}
		if (now().getTime() >= session.expiration.getTime()) {
			return {
				error: new AwsError(
					"ExpiredTokenException",
					403,
					"The security token included in the request is expired",
				),
			};
		}
		return { secretAccessKey: session.secretAccessKey };
	};
}

/** The account a verified request acts as. */
export function callerOf(registry: AwsRegistry, accessKeyId: string, region: string): Caller {
	const key = registry.keys.get(accessKeyId);
	if (key !== undefined) {
		return {
			accountId: key.accountId,
			platform: false,
			arn: `arn:aws:iam::${key.accountId}:user/byoc`,
			region,
			session: null,
		};
	}
	const session = registry.sessions.get(accessKeyId);
	if (session !== undefined) {
		const roleName = session.roleArn.slice(session.roleArn.indexOf(":role/") + 6);
		return {
			accountId: session.accountId,
			platform: false,
			arn: `arn:aws:sts::${session.accountId}:assumed-role/${roleName}/${session.sessionName}`,
			region,
			session: { roleArn: session.roleArn, roleId: session.roleId },
		};
	}
	return {
		accountId: PLATFORM_ACCOUNT_ID,
		platform: true,
		arn: `arn:aws:iam::${PLATFORM_ACCOUNT_ID}:user/sendfleet`,
		region,
		session: null,
	};
}

/** Verifies the signature and resolves the caller; answers the failure as an AwsError. */
export async function authenticate(
	request: Request,
	body: ArrayBuffer,
	registry: AwsRegistry,
	options: Omit<SigV4Options, "keys">,
): Promise<Caller | AwsError> {
	const result = await verifySigV4(request, body, {
		...options,
		keys: keyResolver(registry, options.now),
	});
	if (!result.ok) return result.error;
	return callerOf(registry, result.accessKeyId, result.region);
}

/** Hono middleware for the SES v2 routes: refuses badly signed requests, sets `caller`. */
export function requireCaller(
	registry: AwsRegistry,
	options: Omit<SigV4Options, "keys" | "anyRegionForKeys">,
): MiddlewareHandler<SesEnv> {
	return async (c, next) => {
		// Hono caches the bytes, so the route can read the body again.
		const caller = await authenticate(c.req.raw, await c.req.arrayBuffer(), registry, {
			...options,
			anyRegionForKeys: true,
		});
		if (caller instanceof AwsError) throw caller;
		c.set("caller", caller);
		await next();
	};
}

export function getCaller(c: Context<SesEnv>): Caller {
	return c.get("caller");
}

/**
 * Throws AccessDeniedException unless the caller may perform `action` on `resource`: the
 * platform always may; a customer account not when the action is denied to it, nor through a
 * session whose role has been deleted (or deleted and made again).
 */
export function authorize(
	registry: AwsRegistry,
	caller: Caller,
	action: string,
	resource: string,
): void {
	if (caller.platform) return;
	const account = registry.accounts.get(caller.accountId);
	const session = caller.session;
	const roleGone =
		session !== null && registry.roles.get(session.roleArn)?.roleId !== session.roleId;
	if (roleGone || account === undefined || account.denied.has(action)) {
		throw new AwsError(
			"AccessDeniedException",
			403,
			`User: ${caller.arn} is not authorized to perform: ${action} on resource: ${resource}`,
		);
	}
}

/** `arn:aws:ses:<region>:<account>:identity/<name>`, the resource of identity-scoped calls. */
export function sesIdentityArn(caller: Caller, identity: string): string {
	return `arn:aws:ses:${caller.region}:${caller.accountId}:identity/${identity}`;
}
