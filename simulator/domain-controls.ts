// The controls a test or a developer uses to play the customer's DNS: publish, remove or corrupt
// an identity's records, set any record directly, and make the DNS-over-HTTPS endpoint fail.
// `SesSimulator.dns` / `.domains` expose them in-process; routes/domain-controls.ts and the
// domains page expose the same functions over HTTP.

import {
	type DnsFailureMode,
	DnsInputError,
	type DnsRecord,
	type DnsStore,
	normalizeName,
} from "./dns.ts";
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

export interface SimulatorDns {
	/** Writes the records `domain` needs (default: all of them); returns the domain afterwards. */
	publish(domain: string, records?: RecordKind[]): DomainView;
	/** Deletes those records. */
	remove(domain: string, records?: RecordKind[]): DomainView;
	/** Replaces them with plausible wrong values. */
	corrupt(domain: string, records?: RecordKind[]): DomainView;
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
	list(): DomainView[];
	get(domain: string): DomainView | undefined;
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
	identities: IdentityStore;
	dns: DnsStore;
	region: string;
	now: () => Date;
}

const FAILURE_MODES: readonly DnsFailureMode[] = ["none", "servfail", "unavailable"];

export function createDomainControls(deps: DomainControlDeps): {
	dns: SimulatorDns;
	domains: SimulatorDomains;
} {
	const { identities, dns, region, now } = deps;
	const view = (identity: DomainIdentity) => describeIdentity(identity, dns, region, now());

	const apply =
		(action: typeof publishRecords) =>
		(domain: string, records?: RecordKind[]): DomainView => {
			const identity = identities.get(domain);
			if (identity === undefined) {
				throw new DomainControlError(404, `No SES identity for ${domain}.`);
			}
			rethrowAsControlError(() => action(identity, dns, region, parseRecordKinds(records)));
			return view(identity);
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
			list: () => identities.list().map(view),
			get(domain) {
				let name: string;
				try {
					name = normalizeName(domain);
				} catch {
					return undefined;
				}
				const identity = identities.get(name);
				return identity === undefined ? undefined : view(identity);
			},
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
