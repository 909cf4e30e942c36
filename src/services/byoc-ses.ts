/**
 * SES clients for BYOC customers' own AWS accounts. An access key pair signs directly; a role is
 * assumed through STS with the account's external id, and its temporary credentials are kept
 * in this isolate's memory only (never stored) until five minutes before they expire. Concurrent
 * requests of one isolate share one AssumeRole call.
 */
import { createSesClient, type SesClient, type SesOutcome } from "./ses.ts";
import type { StsClient, TemporaryCredentials } from "./sts.ts";

/** How a customer's AWS account is reached, its secrets opened. */
export type ByocAccess =
	| { method: "role"; roleArn: string; externalId: string; sessionName: string }
	| { method: "access_key"; accessKeyId: string; secretAccessKey: string };

/** Temporary credentials are used until this long before they expire, then renewed. */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000;
/** What we ask STS for; a role's maximum session is at least an hour. */
export const SESSION_SECONDS = 3600;
/** Roles kept per isolate; the oldest is dropped past it. */
const MAX_CACHED = 1000;

const cache = new Map<string, TemporaryCredentials>();
const inFlight = new Map<string, Promise<SesOutcome<TemporaryCredentials>>>();

export interface ByocSesDeps {
	sts: StsClient;
	/** Empty: the public regional endpoint (tests and local development point it at the simulator). */
	sesEndpoint: string;
	now?: () => number;
}

export type ByocSes = ReturnType<typeof createByocSes>;

export function createByocSes(deps: ByocSesDeps) {
	const now = deps.now ?? Date.now;

	async function credentialsFor(
		access: Extract<ByocAccess, { method: "role" }>,
		fresh: boolean,
	): Promise<SesOutcome<TemporaryCredentials>> {
		const key = `${access.roleArn}\n${access.externalId}`;
		const cached = cache.get(key);
		if (!fresh && cached && cached.expiresAt - REFRESH_BEFORE_EXPIRY_MS > now()) {
			return { kind: "ok", value: cached };
		}
		const pending = inFlight.get(key);
		if (pending) return pending;
		const call = deps.sts
			.assumeRole({
				roleArn: access.roleArn,
				externalId: access.externalId,
				sessionName: access.sessionName,
				durationSeconds: SESSION_SECONDS,
			})
			.then((outcome) => {
				if (outcome.kind === "ok") remember(key, outcome.value);
				else cache.delete(key);
				return outcome;
			})
			.finally(() => inFlight.delete(key));
		inFlight.set(key, call);
		return call;
	}

	return {
		/**
		 * A client for `region` of the customer's account; `fresh` assumes the role again even if
		 * cached credentials look valid (SES answered ExpiredToken).
		 */
		async clientFor(
			access: ByocAccess,
			region: string,
			options: { fresh?: boolean } = {},
		): Promise<SesOutcome<SesClient>> {
			const base = { region, endpoint: deps.sesEndpoint, configurationSet: "" };
			if (access.method === "access_key") {
				return { kind: "ok", value: createSesClient({ ...base, ...access }) };
			}
			const credentials = await credentialsFor(access, options.fresh ?? false);
			if (credentials.kind !== "ok") return credentials;
			const { accessKeyId, secretAccessKey, sessionToken } = credentials.value;
			return {
				kind: "ok",
				value: createSesClient({ ...base, accessKeyId, secretAccessKey, sessionToken }),
			};
		},

		/** Drops a role's credentials, e.g. when the connection is deleted or replaced. */
		forget(access: ByocAccess) {
			if (access.method === "role") cache.delete(`${access.roleArn}\n${access.externalId}`);
		},
	};
}

function remember(key: string, credentials: TemporaryCredentials) {
	cache.delete(key);
	cache.set(key, credentials);
	if (cache.size > MAX_CACHED) {
		const oldest = cache.keys().next().value;
		if (oldest !== undefined) cache.delete(oldest);
	}
}
