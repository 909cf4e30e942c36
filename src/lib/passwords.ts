/**
 * Password hashing with WebCrypto PBKDF2-SHA256. Workers caps PBKDF2 at 100,000 iterations
 * (a higher count throws NotSupportedError), so that is what we use, with a 16-byte random salt
 * per user. The stored form carries its parameters, `pbkdf2-sha256$<iterations>$<salt>$<hash>`,
 * so hashes made with other parameters still verify and can be upgraded at the next login.
 */

export const PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
	const key = await crypto.subtle.importKey(
		"raw",
		new TextEncoder().encode(password),
		"PBKDF2",
		false,
		["deriveBits"],
	);
	const bits = await crypto.subtle.deriveBits(
		{ name: "PBKDF2", hash: "SHA-256", salt, iterations },
		key,
		HASH_BITS,
	);
	return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
	const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
	const hash = await derive(password, salt, PBKDF2_ITERATIONS);
	return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${b64(salt)}$${b64(hash)}`;
}

/** Constant-time check; `needsRehash` when the stored hash used weaker parameters. */
export async function verifyPassword(
	password: string,
	stored: string,
): Promise<{ ok: boolean; needsRehash: boolean }> {
	const [scheme, iterationsText, saltText, hashText] = stored.split("$");
	const iterations = Number(iterationsText);
	if (
		scheme !== "pbkdf2-sha256" ||
		!saltText ||
		!hashText ||
		!Number.isInteger(iterations) ||
		iterations < 1
	) {
		return { ok: false, needsRehash: false };
	}
	const expected = unb64(hashText);
	const actual = await derive(password, unb64(saltText), Math.min(iterations, PBKDF2_ITERATIONS));
	const ok = actual.length === expected.length && crypto.subtle.timingSafeEqual(actual, expected);
	return { ok, needsRehash: ok && iterations < PBKDF2_ITERATIONS };
}

/**
 * Used for unknown emails at login, so that an unknown email costs the same PBKDF2 work as a
 * wrong password and timing does not tell them apart.
 */
export const DUMMY_PASSWORD_HASH = `pbkdf2-sha256$${PBKDF2_ITERATIONS}$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`;

/**
 * The password policy, after NIST SP 800-63B: length is what matters (at least 10 characters),
 * no composition rules, and at most 256 characters so hashing cannot be used to burn CPU.
 */
export function passwordProblem(password: string, email: string): string | null {
	if (password.length < 10) return "must be at least 10 characters long";
	if (password.length > 256) return "must be at most 256 characters long";
	if (password.toLowerCase() === email.toLowerCase()) return "must not be your email address";
	if (new Set(password).size < 4) return "is too repetitive (use at least 4 different characters)";
	return null;
}
