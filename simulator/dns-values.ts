// The DNS values the simulator's store takes and the queries it answers: record types, their
// RR type codes, and the rules that turn a name or a record value into its stored form (or
// refuse it with a DnsInputError saying why). Kept apart from the store and its resolution
// rules (dns.ts), which apply them.

export const STORABLE_TYPES = ["A", "AAAA", "CNAME", "MX", "NS", "TXT"] as const;
export type DnsType = (typeof STORABLE_TYPES)[number];

/** RR type numbers (IANA) for the types a query may name; any other number is accepted as is. */
export const TYPE_CODES: Readonly<Record<string, number>> = {
	A: 1,
	NS: 2,
	CNAME: 5,
	SOA: 6,
	PTR: 12,
	MX: 15,
	TXT: 16,
	AAAA: 28,
	SRV: 33,
	CAA: 257,
	ANY: 255,
};

/** Thrown for a name, type or value that the store cannot hold; the message says why. */
export class DnsInputError extends TypeError {
	constructor(message: string) {
		super(message);
		this.name = "DnsInputError";
	}
}

/** Lower case without the trailing dot; throws DnsInputError unless it is a valid DNS name. */
export function normalizeName(name: string): string {
	const trimmed = name.trim().toLowerCase();
	const bare = trimmed.endsWith(".") ? trimmed.slice(0, -1) : trimmed;
	// Underscores are legal in DNS labels and needed here: _amazonses, _dmarc, _domainkey.
	const labels = bare.split(".");
	if (
		bare === "" ||
		bare.length > 253 ||
		labels.some((label) => !/^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label))
	) {
		throw new DnsInputError(`Invalid DNS name: ${JSON.stringify(name)}.`);
	}
	return bare;
}

/** A query type given by name (`TXT`, any case) or number, as its RR type code; null if neither. */
export function parseQueryType(type: string): number | null {
	if (/^\d{1,5}$/.test(type)) {
		const code = Number(type);
		return code >= 1 && code <= 65_535 ? code : null;
	}
	return TYPE_CODES[type.toUpperCase()] ?? null;
}

export function parseStorableType(type: string): DnsType {
	const upper = type.toUpperCase();
	const found = STORABLE_TYPES.find((t) => t === upper);
	if (found === undefined) {
		throw new DnsInputError(`type must be one of ${STORABLE_TYPES.join(", ")}.`);
	}
	return found;
}

export function normalizeValue(type: DnsType, value: unknown): string {
	if (typeof value !== "string") throw new DnsInputError("Record values must be strings.");
	switch (type) {
		case "A": {
			const octets = value.trim().split(".");
			if (octets.length !== 4 || octets.some((o) => !/^\d{1,3}$/.test(o) || Number(o) > 255)) {
				throw new DnsInputError(`Invalid A record value: ${JSON.stringify(value)}.`);
			}
			return octets.map(Number).join(".");
		}
		case "AAAA": {
			const address = value.trim().toLowerCase();
			if (!/^[0-9a-f:.]+$/.test(address) || !address.includes(":")) {
				throw new DnsInputError(`Invalid AAAA record value: ${JSON.stringify(value)}.`);
			}
			return address;
		}
		case "CNAME":
		case "NS":
			return normalizeName(value);
		case "MX": {
			const m = /^\s*(\d{1,5})\s+(\S+)\s*$/.exec(value);
			if (m === null || Number(m[1]) > 65_535) {
				throw new DnsInputError(
					`An MX value is "priority host", e.g. "10 mail.example.com"; got ${JSON.stringify(value)}.`,
				);
			}
			return `${Number(m[1])} ${normalizeName(m[2] ?? "")}`;
		}
		case "TXT":
			// Long values are legal (split into 255-byte strings on the wire); keep them bounded.
			if (value.length > 4000)
				throw new DnsInputError("A TXT value is limited to 4000 characters.");
			return value;
	}
}
