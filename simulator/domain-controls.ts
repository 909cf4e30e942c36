// The controls a test or a developer uses to play the customer's DNS: publish, remove or corrupt
// an identity's records, set any record directly, and make the DNS-over-HTTPS endpoint fail.
// `SesSimulator.dns` / `.domains` expose them in-process; routes/domain-controls.ts and the
// domains page expose the same functions over HTTP. Identities are the platform account's unless
// a scope names a customer account and region (the DNS itself is one, shared by all).

import { type AwsRegistry, isRegionName, PLATFORM_ACCOUNT_ID } from "./aws-accounts.ts";
import type { DnsFailureMode, DnsRecord, DnsStore } from "./dns.ts";
import { DnsInputError, normalizeName } from "./dns-values.ts";
import {
	corruptRecords,
	parseRecordKinds,
	publishRecords,
	RecordControlError,
	type RecordKind,
	removeRecords,
} from "./domain-records.ts";
import {
	type DomainIdentity,
	type DomainView,
	describeIdentity,
	type IdentityStore,
} from "./identities.ts";

/** Whose identity: a customer account's in one region; omitted, the platform's. */
export interface IdentityScope {
	awsAccountId: string;
	region: string;
}

export interface SimulatorDns {
	/** Writes the records `domain` needs (default: all of them); returns the domain afterwards. */
	publish(domain: string, records?: RecordKind[], scope?: IdentityScope): DomainView;
	/** Deletes those records. */
	remove(domain: string, records?: RecordKind[], scope?: IdentityScope): DomainView;
	/** Replaces them with plausible wrong values. */
	corrupt(domain: string, records?: RecordKind[], scope?: IdentityScope): DomainView;
	/** Sets one record set directly; an empty `values` deletes it. */
	set(name: string, type: string, values: readonly string[]): DnsRecord | null;
	/** Deletes one record set, or every set at `name`; returns how many. */
	delete(name: string, type?: string): number;
	get(name: string, type: string): string[];
	list(): DnsRecord[];
	/**
	 * Makes DNS-over-HTTPS fail: `true` or "unavailable" answers HTTP 503, "servfail" answers
	 * HTTP 200 with DNS status 2 (SERVFAIL); `false` or "none" restores it. SES's own view of DNS
	 * (the identity statuses) is not affected: it is the Worker's resolver that is down.
	 */
	fail(mode: boolean | DnsFailureMode): void;
	failure(): DnsFailureMode;
}

export interface SimulatorDomains {
	list(scope?: IdentityScope): DomainView[];
	get(domain: string, scope?: IdentityScope): DomainView | undefined;
	/** The customer accounts' (account, region) pairs that have identities, sorted. */
	scopes(): IdentityScope[];
}

/** Thrown for a control that cannot be carried out; `status` is the HTTP status to answer. */
export class DomainControlError extends Error {
	readonly status: 400 | 404;

	constructor(status: 400 | 404, message: string) {
		super(message);
		this.name = "DomainControlError";
		this.status = status;
	}
}

export interface DomainControlDeps {
	registry: AwsRegistry;
	dns: DnsStore;
	now: () => Date;
}

const FAILURE_MODES: readonly DnsFailureMode[] = ["none", "servfail", "unavailable"];

export function createDomainControls(deps: DomainControlDeps): {
	dns: SimulatorDns;
	domains: SimulatorDomains;
} {
	const { registry, dns, now } = deps;
	const resolve = (scope?: IdentityScope): { identities: IdentityStore; region: string } => {
		if (scope === undefined || scope.awsAccountId === PLATFORM_ACCOUNT_ID) return registry.platform;
		if (!registry.accounts.has(scope.awsAccountId)) {
			throw new DomainControlError(404, `No AWS account ${scope.awsAccountId}.`);
		}
		if (!isRegionName(scope.region)) {
			throw new DomainControlError(400, `region must be an AWS region such as eu-west-1.`);
		}
		return {
			identities: registry.regionState(scope.awsAccountId, scope.region).identities,
			region: scope.region,
		};
	};
	const view = (identity: DomainIdentity, region: string) =>
		describeIdentity(identity, dns, region, now());

	const apply =
		(action: typeof publishRecords) =>
		(domain: string, records?: RecordKind[], scope?: IdentityScope): DomainView => {
			const { identities, region } = resolve(scope);
			const identity = identities.get(domain);
			if (identity === undefined) {
				const where = scope === undefined ? "" : ` in ${scope.awsAccountId}/${scope.region}`;
				throw new DomainControlError(404, `No SES identity for ${domain}${where}.`);
			}
			rethrowAsControlError(() => action(identity, dns, region, parseRecordKinds(records)));
			return view(identity, region);
		};

	return {
		dns: {
			publish: apply(publishRecords),
			remove: apply(removeRecords),
			corrupt: apply(corruptRecords),
			set: (name, type, values) => rethrowAsControlError(() => dns.set(name, type, values)),
			delete: (name, type) => rethrowAsControlError(() => dns.delete(name, type)),
			get: (name, type) => rethrowAsControlError(() => dns.get(name, type)),
			list: () => dns.list(),
			fail(mode) {
				const resolved = mode === true ? "unavailable" : mode === false ? "none" : mode;
				if (!FAILURE_MODES.includes(resolved)) {
					throw new DomainControlError(400, `mode must be one of ${FAILURE_MODES.join(", ")}.`);
				}
				dns.setFailure(resolved);
			},
			failure: () => dns.failure(),
		},
		domains: {
			list(scope) {
				const { identities, region } = resolve(scope);
				return identities.list().map((identity) => view(identity, region));
			},
			get(domain, scope) {
				let name: string;
				try {
					name = normalizeName(domain);
				} catch {
					return undefined;
				}
				const { identities, region } = resolve(scope);
				const identity = identities.get(name);
				return identity === undefined ? undefined : view(identity, region);
			},
			scopes: () =>
				[...registry.regions.entries()]
					.filter(([, state]) => state.identities.list().length > 0)
					.map(([key]) => {
						const [awsAccountId = "", region = ""] = key.split("/");
						return { awsAccountId, region };
					})
					.sort((a, b) =>
						`${a.awsAccountId}/${a.region}` < `${b.awsAccountId}/${b.region}` ? -1 : 1,
					),
		},
	};
}

function rethrowAsControlError<T>(action: () => T): T {
	try {
		return action();
	} catch (error) {
		if (error instanceof DnsInputError || error instanceof RecordControlError) {
			throw new DomainControlError(400, error.message);
		}
		throw error;
	}
}
