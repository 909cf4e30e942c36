/**
 * API keys this isolate has looked up lately, by the SHA-256 of the token, with what D1
 * answered for them. A send request with a warm key starts its own lookups and its guard call
 * at once instead of after the key's lookup (src/middleware/auth.ts). The entry is never
 * trusted alone: the key's lookup runs alongside, and the send path stores and sends nothing
 * before it answers (src/domain/sending.ts `WarmSender`), so a deleted key stops on the very
 * next request. Bounded; the least recently used entries go first.
 */
import type { ApiKeyLookupRow } from "../db/queries/api-keys.ts";

export type KeyRow = ApiKeyLookupRow;

/** Enough for every key of a busy isolate; an entry is a few hundred bytes. */
const MAX_KEYS = 10_000;

const keys = new Map<string, KeyRow>();

export const warmKeys = {
	get(hash: string): KeyRow | undefined {
		const key = keys.get(hash);
		if (key) {
			keys.delete(hash);
			keys.set(hash, key);
		}
		return key;
	},
	remember(hash: string, key: KeyRow) {
		// A read racing this isolate's own "last used" write must not bring the old time back,
		// or every request would write it again.
		const known = keys.get(hash)?.lastUsedAt ?? null;
		if (known !== null && (key.lastUsedAt === null || key.lastUsedAt < known)) {
			key.lastUsedAt = known;
		}
		keys.delete(hash);
		keys.set(hash, key);
		if (keys.size > MAX_KEYS) {
			const oldest = keys.keys().next().value;
			if (oldest !== undefined) keys.delete(oldest);
		}
	},
	forget(hash: string) {
		keys.delete(hash);
	},
};
