/**
 * Email addresses as customers write them ("Acme <hi@acme.com>" or "hi@acme.com") and as SES
 * wants them: ASCII only, the domain in punycode, a non-ASCII display name as an RFC 2047
 * encoded-word (SES requires that for "friendly from" names).
 */

export interface Mailbox {
	/** The display name, if any, as the customer wrote it. */
	name: string | null;
	/** The addr-spec with the domain lower-cased and in punycode. */
	address: string;
	domain: string;
}

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const NAME_AND_ADDRESS = /^(.*?)\s*<([^<>]*)>$/s;

/** The ASCII (punycode) form of a hostname, or null if it is not a valid DNS name. */
export function toAsciiDomain(input: string): string | null {
	// Refuse URL syntax before letting URL do the IDN-to-punycode conversion.
	if (!/^[^\s/\\?#@:%[\]]+$/.test(input)) return null;
	let host: string;
	try {
		host = new URL(`http://${input}`).hostname;
	} catch {
		return null;
	}
	const labels = host.split(".");
	if (host.length > 253 || labels.length < 2) return null;
	if (!labels.every((l) => LABEL.test(l))) return null;
	// A letters-only or punycode TLD also rules out IPv4 addresses in any notation.
	const tld = labels.at(-1) ?? "";
	return /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(tld) ? host : null;
}

export function parseAddress(input: string): { address: string; domain: string } | null {
	const at = input.lastIndexOf("@");
	if (at <= 0) return null;
	const local = input.slice(0, at);
	const domain = toAsciiDomain(input.slice(at + 1));
	if (!domain || local.length > 64 || !LOCAL_PART.test(local)) return null;
	const address = `${local}@${domain}`;
	return address.length > 254 ? null : { address, domain };
}

/** Parses "Name <a@b>" or a bare address; null when it is not a single valid mailbox. */
export function parseMailbox(input: string): Mailbox | null {
	const trimmed = input.trim();
	if (/[\r\n\0]/.test(trimmed)) return null;
	const match = NAME_AND_ADDRESS.exec(trimmed);
	const rawName = match ? (match[1] ?? "").trim() : null;
	const spec = parseAddress(match ? (match[2] ?? "").trim() : trimmed);
	if (!spec) return null;
	const name = rawName?.replace(/^"(.*)"$/s, "$1") || null;
	if (name !== null && (name.length > 256 || /[<>"]/.test(name))) return null;
	return { name, ...spec };
}

/** The mailbox as SES accepts it in `FromEmailAddress`, `ReplyToAddresses` and `Destination`. */
export function formatMailbox(mailbox: Mailbox): string {
	if (!mailbox.name) return mailbox.address;
	return `${encodeDisplayName(mailbox.name)} <${mailbox.address}>`;
}

function encodeDisplayName(name: string): string {
	if (/^[\x20-\x7e]*$/.test(name)) {
		// Quote names with RFC 5322 specials so "Acme, Inc." stays one name.
		return /[()<>@,;:\\".[\]]/.test(name) ? `"${name.replace(/\\/g, "\\\\")}"` : name;
	}
	return encodedWords(name).join(" ");
}

/**
 * RFC 2047 §2 caps an encoded-word at 75 characters: `=?UTF-8?B?` and `?=` leave 63 for base64,
 * which is 45 bytes. Words split between characters, never inside one, so each decodes alone.
 */
function encodedWords(text: string): string[] {
	const encoder = new TextEncoder();
	const words: number[][] = [];
	let chunk: number[] = [];
	for (const char of text) {
		const bytes = encoder.encode(char);
		if (chunk.length + bytes.length > 45) {
			words.push(chunk);
			chunk = [];
		}
		chunk.push(...bytes);
	}
	if (chunk.length) words.push(chunk);
	return words.map((bytes) => `=?UTF-8?B?${btoa(String.fromCharCode(...bytes))}?=`);
}

/** Every recipient's bare, lower-cased address, each once: the suppression list's keys. */
export function recipientAddresses(email: {
	to: string[];
	cc?: string[] | null;
	bcc?: string[] | null;
}): string[] {
	const all = [...email.to, ...(email.cc ?? []), ...(email.bcc ?? [])].flatMap((value) => {
		const mailbox = parseMailbox(value);
		return mailbox ? [mailbox.address.toLowerCase()] : [];
	});
	return [...new Set(all)];
}

/**
 * The lists with each recipient once (compared case-insensitively, bare address), keeping the
 * first mention in to, then cc, then bcc: SES would otherwise deliver and count it twice.
 */
export function dedupeRecipients(email: {
	to: string[];
	cc?: string[] | null;
	bcc?: string[] | null;
}): { to: string[]; cc: string[]; bcc: string[] } {
	const seen = new Set<string>();
	const keep = (list: string[] | null | undefined) =>
		(list ?? []).filter((value) => {
			const key = parseMailbox(value)?.address.toLowerCase() ?? value.trim().toLowerCase();
			if (seen.has(key)) return false;
			seen.add(key);
			return true;
		});
	return { to: keep(email.to), cc: keep(email.cc), bcc: keep(email.bcc) };
}
