// Email address handling shared by SendEmail validation, fault matching and inbox filters.
// SES accepts `Display Name <local@domain>` as well as a bare address; comparisons use the bare,
// lower-cased address so a filter for `a@x.test` finds `"A" <A@x.test>`.

/** The bare address inside `Name <addr>`, or the trimmed input; lower-cased for comparison. */
export function bareAddress(address: string): string {
	const angle = /<([^<>]*)>\s*$/.exec(address);
	return (angle?.[1] ?? address).trim().toLowerCase();
}

/**
 * Why SES would refuse `address`, or null when it is acceptable. Deliberately loose (SES itself
 * accepts far more than a strict RFC 5322 parser would); it catches what a caller gets wrong.
 */
export function addressProblem(address: string): string | null {
	if (/[\r\n]/.test(address)) return `Illegal address: ${JSON.stringify(address)}`;
	const bare = bareAddress(address);
	const at = bare.lastIndexOf("@");
	if (at === -1) return "Missing final '@domain'";
	const local = bare.slice(0, at);
	const domain = bare.slice(at + 1);
	if (local === "" || /\s/.test(local)) return "Local address contains control or whitespace";
	if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain)) return "Domain contains illegal character";
	return null;
}
