// The simulator's own DNS: a small authoritative store of records (A, AAAA, CNAME, MX, NS, TXT)
// and the resolution rules a recursive resolver applies to it (CNAME chasing, NXDOMAIN versus an
// empty answer, presentation format of the answer data). Both the simulated SES (to decide
// verification statuses) and the DNS-over-HTTPS endpoint read it, so what SES "sees" and what the
// Worker's own lookups see are always the same records, as with real DNS. Nothing here touches
// the network: the store holds only what the simulator's controls or tests put in it.

import {
	DnsInputError,
	type DnsType,
	normalizeName,
	normalizeValue,
	parseStorableType,
	TYPE_CODES,
} from "./dns-values.ts";

const ANY = 255;

/** One record set: every value of one type at one name. */
export interface DnsRecord {
	name: string;
	type: DnsType;
	/** In the form a DNS console takes: TXT unquoted, MX `priority host`, names without a dot. */
	values: string[];
}

/** One answer record in the JSON DoH shape (`data` in presentation format). */
export interface DnsAnswer {
	name: string;
	type: number;
	TTL: number;
	data: string;
}

export interface DnsResolution {
	/** 0 NOERROR, 3 NXDOMAIN. */
	status: 0 | 3;
	answers: DnsAnswer[];
}

/** How the DNS-over-HTTPS endpoint fails when asked to (see `SimulatorDns.fail`). */
export type DnsFailureMode = "none" | "servfail" | "unavailable";

export interface DnsStore {
	/** Replaces the record set; an empty `values` deletes it. Returns the stored set, or null. */
	set(name: string, type: string, values: readonly string[]): DnsRecord | null;
	/** The values at `name`/`type`, empty when there are none. */
	get(name: string, type: string): string[];
	/** Deletes one record set, or every set at `name` when `type` is omitted; returns how many. */
	delete(name: string, type?: string): number;
	/** Every record set, sorted by name then type. */
	list(): DnsRecord[];
	/** Answers a query the way a recursive resolver would from these records. */
	resolve(name: string, typeCode: number): DnsResolution;
	failure(): DnsFailureMode;
	setFailure(mode: DnsFailureMode): void;
	clear(): void;
}

/** Every answer carries this TTL; the simulator has no caches to expire. */
export const TTL_SECONDS = 300;

// A CNAME chain longer than this is a loop or a misconfiguration; real resolvers give up too.
const MAX_CNAME_CHAIN = 8;

export function createDnsStore(): DnsStore {
	// name → type → values. Names are normalized (lower case, no trailing dot).
	const zone = new Map<string, Map<DnsType, string[]>>();
	let failureMode: DnsFailureMode = "none";

	const existsAtOrBelow = (name: string): boolean => {
		for (const owner of zone.keys()) {
			if (owner === name || owner.endsWith(`.${name}`)) return true;
		}
		return false;
	};

	return {
		set(name, type, values) {
			const owner = normalizeName(name);
			const rrType = parseStorableType(type);
			const normalized = [...new Set(values.map((v) => normalizeValue(rrType, v)))];
			const sets = zone.get(owner) ?? new Map<DnsType, string[]>();
			if (normalized.length === 0) {
				sets.delete(rrType);
				if (sets.size === 0) zone.delete(owner);
				return null;
			}
			// RFC 1034 §3.6.2: a CNAME owns its name alone; a resolver could not answer otherwise.
			if (rrType === "CNAME" && normalized.length > 1) {
				throw new DnsInputError("A CNAME record set holds exactly one value.");
			}
			const others = [...sets.keys()].filter((t) => t !== rrType);
			if ((rrType === "CNAME" && others.length > 0) || (rrType !== "CNAME" && sets.has("CNAME"))) {
				throw new DnsInputError(`A CNAME cannot coexist with other records at ${owner}.`);
			}
			sets.set(rrType, normalized);
			zone.set(owner, sets);
			return { name: owner, type: rrType, values: [...normalized] };
		},
		get(name, type) {
			return [...(zone.get(normalizeName(name))?.get(parseStorableType(type)) ?? [])];
		},
		delete(name, type) {
			const owner = normalizeName(name);
			const sets = zone.get(owner);
			if (sets === undefined) return 0;
			if (type === undefined) {
				zone.delete(owner);
				return sets.size;
			}
			const deleted = sets.delete(parseStorableType(type)) ? 1 : 0;
			if (sets.size === 0) zone.delete(owner);
			return deleted;
		},
		list() {
			const records: DnsRecord[] = [];
			for (const [name, sets] of zone) {
				for (const [type, values] of sets) records.push({ name, type, values: [...values] });
			}
			return records.sort((a, b) => compare(a.name, b.name) || compare(a.type, b.type));
		},
		resolve(name, typeCode) {
			const qname = normalizeName(name);
			const answers: DnsAnswer[] = [];
			const seen = new Set<string>();
			let current = qname;
			for (let hop = 0; hop < MAX_CNAME_CHAIN && !seen.has(current); hop++) {
				seen.add(current);
				const sets = zone.get(current);
				if (sets === undefined) break;
				if (typeCode === ANY) {
					for (const [type, values] of sets) answers.push(...toAnswers(current, type, values));
					break;
				}
				const wanted = [...sets].find(([type]) => TYPE_CODES[type] === typeCode);
				if (wanted !== undefined) {
					answers.push(...toAnswers(current, wanted[0], wanted[1]));
					break;
				}
				// A resolver asked for another type at a CNAME follows it; the target may lie outside
				// this store (amazonses.com), in which case the CNAME alone is the answer.
				const cname = sets.get("CNAME")?.[0];
				if (cname === undefined) break;
				answers.push(...toAnswers(current, "CNAME", [cname]));
				current = cname;
			}
			// NXDOMAIN only when nothing exists at or below the name (RFC 8020): `_domainkey.acme.com`
			// with records under it is an empty non-terminal, which answers NOERROR with no data.
			const status = answers.length > 0 || existsAtOrBelow(qname) ? 0 : 3;
			return { status, answers };
		},
		failure: () => failureMode,
		setFailure(mode) {
			failureMode = mode;
		},
		clear() {
			zone.clear();
			failureMode = "none";
		},
	};
}

function toAnswers(name: string, type: DnsType, values: readonly string[]): DnsAnswer[] {
	const code = TYPE_CODES[type] ?? 0;
	return values.map((value) => ({
		name,
		type: code,
		TTL: TTL_SECONDS,
		data: presentation(type, value),
	}));
}

/**
 * The `data` string public resolvers put in JSON answers: TXT as quoted character-strings of at
 * most 255 bytes, host names fully qualified with a trailing dot.
 */
function presentation(type: DnsType, value: string): string {
	switch (type) {
		case "TXT":
			return txtStrings(value)
				.map((s) => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`)
				.join(" ");
		case "CNAME":
		case "NS":
			return `${value}.`;
		case "MX":
			return `${value}.`;
		default:
			return value;
	}
}

/** Splits a TXT value into the 255-byte character-strings it travels as (RFC 1035 §3.3.14). */
function txtStrings(value: string): string[] {
	if (value === "") return [""];
	const strings: string[] = [];
	let current = "";
	let bytes = 0;
	for (const char of value) {
		const size = new TextEncoder().encode(char).length;
		if (bytes + size > 255) {
			strings.push(current);
			current = "";
			bytes = 0;
		}
		current += char;
		bytes += size;
	}
	strings.push(current);
	return strings;
}

function compare(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
