/**
 * Group commit: calls that arrive while the line is busy share one send.
 *
 * Why: some sends cost the same whatever they carry (a queue message is billed three operations,
 * written, read and deleted, for one id or fifty), so concurrent calls that can wait a moment
 * should travel together; an idle caller must not wait at all.
 * - While fewer than `maxInFlight` sends are in flight, a call sends its own items at once.
 * - Otherwise it joins the first waiting group with room (at most `maxItems` items; a full group
 *   starts another), and each group goes as one send as soon as a send in flight ends. Every
 *   member settles with its group's send: all succeed or all see the failure.
 * - A call of `maxItems` items or more fills a send by itself and goes at once.
 * - With `lingerMs`, a call that finds the line free does not go at once (if `lingerIf` says so):
 *   it starts a group that goes `lingerMs` later, so calls that arrive a moment apart travel
 *   together even when each send is quick. For sends that save more the more they carry, where
 *   nobody waits on the answer (the SES notifications' recorder).
 *
 * On Workers one isolate serves many requests at once, and three of the runtime's rules shape this:
 * - A request's outstanding I/O is cancelled when it ends or its client disconnects, so every
 *   send, its own or a group's, is handed to the `keepAlive` (the request's `ctx.waitUntil`) of
 *   the request that makes it: a group's send survives its sender's cancellation, and the send
 *   that follows a finished one is made in the same request, still kept alive.
 * - A promise made in one request and settled from another has its continuations dropped once
 *   the request that made it is over (workerd's cross-request promise handling), so members never
 *   share one promise: each waits on its own, made in its own request.
 * - Nothing outlives every limit (waitUntil too is bounded), so no member waits longer than
 *   `timeoutMs`: past it the member fails, leaving its group if that has not gone yet, and a send
 *   in flight for longer stops holding its place.
 */

/** Keeps work going after its request has answered (the request's `ctx.waitUntil`). */
export type KeepAlive = (work: Promise<unknown>) => void;

/**
 * Sends `items` at once or with other calls' (createGroupCommit); settles with that send.
 * `onKey`, if given, is told at once (before this returns) the key of the send the items go in.
 */
export type GroupCommit<T> = (
	items: T[],
	keepAlive: KeepAlive,
	onKey?: (key: number) => void,
) => Promise<void>;

export interface GroupCommitOptions<T> {
	/** Sends one call's or one group's items together. */
	send: (items: T[]) => Promise<void>;
	/** Sends in flight at which a new call stops sending at once and joins a group. */
	maxInFlight: number;
	/** Items one send carries at most. */
	maxItems: number;
	/** The longest a member waits for its group's send before it fails. */
	timeoutMs: number;
	/** Makes each send's key (what the members of one send share); none: every key is 0. */
	newKey?: () => number;
	/** How long a call that finds the line free waits for others before its group goes; none: 0. */
	lingerMs?: number;
	/** Whether to linger now (say, only while other calls are on their way); none: always. */
	lingerIf?: () => boolean;
}

interface Member<T> {
	items: T[];
	resolve: () => void;
	reject: (error: unknown) => void;
}

interface Group<T> {
	members: Member<T>[];
	size: number;
	key: number;
	/** When a lingering group may go (0: as soon as the line has room). */
	notBefore: number;
}

/** A group commit: the returned function sends `items` now or with others, as said above. */
export function createGroupCommit<T>({
	send,
	maxInFlight,
	maxItems,
	timeoutMs,
	newKey = () => 0,
	lingerMs = 0,
	lingerIf = () => true,
}: GroupCommitOptions<T>): GroupCommit<T> {
	/** When each send in flight started. */
	const inFlight = new Set<{ since: number }>();
	const waiting: Group<T>[] = [];

	function start(items: T[], keepAlive: KeepAlive): Promise<void> {
		const slot = { since: Date.now() };
		inFlight.add(slot);
		const sent = Promise.resolve().then(() => send(items));
		keepAlive(
			sent
				.catch(() => {})
				.then(() => {
					inFlight.delete(slot);
					startWaitingGroups(keepAlive);
				}),
		);
		return sent;
	}

	function startWaitingGroups(keepAlive: KeepAlive) {
		const now = Date.now();
		for (const slot of inFlight) if (now - slot.since > timeoutMs) inFlight.delete(slot);
		while (inFlight.size < maxInFlight) {
			if ((waiting[0]?.notBefore ?? 0) > now) return;
			const group = waiting.shift();
			if (!group) return;
			const { members } = group;
			if (members.length === 0) continue; // every member gave up
			start(
				members.flatMap((m) => m.items),
				keepAlive,
			).then(
				() => {
					for (const m of members) m.resolve();
				},
				(error: unknown) => {
					for (const m of members) m.reject(error);
				},
			);
		}
	}

	return (items, keepAlive, onKey) => {
		startWaitingGroups(keepAlive);
		const lineFree = inFlight.size < maxInFlight;
		if ((lineFree && (lingerMs <= 0 || !lingerIf())) || items.length >= maxItems) {
			onKey?.(newKey());
			return start(items, keepAlive);
		}
		let group = waiting.find((g) => g.size + items.length <= maxItems);
		if (!group) {
			group = { members: [], size: 0, key: newKey(), notBefore: 0 };
			waiting.push(group);
			if (lineFree) {
				// Nothing in flight will start it when it ends: it goes once it has lingered.
				const lingering = group;
				lingering.notBefore = Date.now() + lingerMs;
				setTimeout(() => {
					lingering.notBefore = 0; // the timer decides: a clock may read a little early
					startWaitingGroups(keepAlive);
				}, lingerMs);
			}
		}
		const joined = group;
		onKey?.(joined.key);
		joined.size += items.length;
		return new Promise<void>((resolve, reject) => {
			const member: Member<T> = {
				items,
				resolve: () => {
					clearTimeout(timer);
					resolve();
				},
				reject: (error) => {
					clearTimeout(timer);
					reject(error);
				},
			};
			const timer = setTimeout(() => {
				if (waiting.includes(joined)) {
					joined.members.splice(joined.members.indexOf(member), 1);
					joined.size -= items.length;
				}
				reject(new Error(`group commit: not sent within ${timeoutMs} ms`));
			}, timeoutMs);
			joined.members.push(member);
		});
	};
}
