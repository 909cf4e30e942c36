/**
 * API keys this isolate has looked up lately, by the SHA-256 of the token, with what D1
 * answered for them. A send request with a warm key starts its own lookups and its guard call
 * at once instead of after the key's lookup (src/middleware/auth.ts). The entry is never
 * trusted alone: the key's lookup runs alongside, and the send path stores and sends nothing
 * before it answers (src/domain/sending.ts `WarmSender`), so a deleted key stops on the very
 * next request. Bounded; the least recently used entries go first.
 *
 * Behind this isolate's map, the data centre's (`colo`): the same entries in the Workers Cache
 * API, which every isolate of a data centre shares and no other sees. Workers start many
 * isolates, so a customer who sends now and then mostly lands on one that has never seen the
 * key; a local cache read then spares it the key's own D1 round trip, with the same rule: the
 * entry is only a hint, confirmed in the send's first batch. A send that finds its key gone
 * deletes it from both caches of its data centre; other data centres' entries lapse within the
 * hour, and until then a send there with the key costs a refused request its guard call (its
 * quota given back), as on a warm isolate. Where the Cache API stores nothing (a `workers.dev`
 * host), every new isolate looks the key up as before.
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

/**
 * A key's entry in the data centre's cache: a cache of its own (not the zone's `default`, which
 * the CDN shares), under a URL that only names the key's hash.
 */
const coloUrl = (hash: string) => `https://warm-keys.sendfleet.invalid/${hash}`;
const COLO_TTL_SECONDS = 3600;
// Opened per call: a Cache is not kept across requests.
const colo = () => caches.open("sendfleet-warm-keys");

/** The data centre's copy (see the module header); failures read as a miss and are not fatal. */
export const coloKeys = {
	async get(hash: string): Promise<KeyRow | undefined> {
		try {
			const hit = await (await colo()).match(coloUrl(hash));
			return hit ? ((await hit.json()) as KeyRow) : undefined;
		} catch (cause) {
			console.error("warm keys: the data centre's cache could not be read", cause);
			return undefined;
		}
	},
	async put(hash: string, key: KeyRow): Promise<void> {
		const entry = new Response(JSON.stringify(key), {
			headers: {
				"content-type": "application/json",
				"cache-control": `max-age=${COLO_TTL_SECONDS}`,
			},
		});
		await colo()
			.then((cache) => cache.put(coloUrl(hash), entry))
			.catch((cause) => console.error("warm keys: not kept in the data centre's cache", cause));
	},
	async delete(hash: string): Promise<void> {
		await colo()
			.then((cache) => cache.delete(coloUrl(hash)))
			.then(() => undefined)
			.catch((cause) =>
				console.error("warm keys: not deleted from the data centre's cache", cause),
			);
	},
};
