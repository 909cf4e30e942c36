// The random tokens SES hands out for a domain, in SES's own formats, so code and tests written
// against the simulator accept what real SES returns (and nothing looser).

const BASE32_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

/**
 * An Easy DKIM token: 32 characters of lower-case base32 (e.g. `pef2kwnuu3iw7mxcu3hqscchduxctzey`),
 * which is exactly 160 random bits.
 */
export function newDkimToken(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(20));
	let bits = 0;
	let buffer = 0;
	let token = "";
	for (const byte of bytes) {
		buffer = (buffer << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			token += BASE32_ALPHABET[(buffer >> bits) & 31];
		}
	}
	return token;
}

/**
 * A domain verification token (the `_amazonses` TXT value): base64 of 32 random bytes, e.g.
 * `QTKknzFg2J4ygwa+XvHAxUl1hyHoY0gVfZdfjIedHZ0=`.
 */
export function newVerificationToken(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(32));
	return btoa(String.fromCharCode(...bytes));
}
