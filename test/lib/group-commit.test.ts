import { describe, expect, it } from "vitest";
import { createGroupCommit, type KeepAlive } from "../../src/lib/group-commit.ts";

/** A send whose calls stay in flight until the test settles them. */
function heldSend() {
	const calls: { items: string[]; resolve: () => void; reject: (error: unknown) => void }[] = [];
	const send = (items: string[]) =>
		new Promise<void>((resolve, reject) => {
			calls.push({ items, resolve, reject });
		});
	const call = (i: number) => {
		const found = calls[i];
		if (!found) throw new Error(`no send #${i}`);
		return found;
	};
	return { calls, send, call };
}

/** One request's waitUntil: what it was handed. */
function request() {
	const kept: Promise<unknown>[] = [];
	const keepAlive: KeepAlive = (work) => {
		kept.push(work);
	};
	return { kept, keepAlive };
}

/** Lets queued callbacks (promise reactions and zero-delay timers) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Whether a promise has settled, and how. */
function watch(promise: Promise<void>) {
	const state = {
		status: "pending" as "pending" | "fulfilled" | "rejected",
		error: null as unknown,
	};
	promise.then(
		() => {
			state.status = "fulfilled";
		},
		(error: unknown) => {
			state.status = "rejected";
			state.error = error;
		},
	);
	return state;
}

const options = { maxInFlight: 2, maxItems: 50, timeoutMs: 60_000 };

describe("group commit", () => {
	it("sends at once while fewer than maxInFlight sends are in flight", async () => {
		const { calls, send, call } = heldSend();
		const commit = createGroupCommit({ ...options, send });
		const first = watch(commit(["a"], request().keepAlive));
		const second = watch(commit(["b"], request().keepAlive));
		await settle();
		expect(calls.map((c) => c.items)).toEqual([["a"], ["b"]]);
		call(0).resolve();
		await settle();
		expect(first.status).toBe("fulfilled");
		expect(second.status).toBe("pending");
	});

	it("tells each call at once the key of the send its items go in: a group's members share one", async () => {
		const { send } = heldSend();
		let next = 0;
		const commit = createGroupCommit({ ...options, send, newKey: () => ++next });
		const keys: number[] = [];
		for (const id of ["a", "b", "c", "d"])
			commit([id], request().keepAlive, (key) => keys.push(key));
		// "a" and "b" go alone; "c" and "d" wait in one group.
		expect(keys).toEqual([1, 2, 3, 3]);
	});

	it("sends the calls that arrive while the line is busy as one group, once a send ends", async () => {
		const { calls, send, call } = heldSend();
		const commit = createGroupCommit({ ...options, send });
		commit(["a"], request().keepAlive);
		commit(["b"], request().keepAlive);
		const waiting = ["c", "d", "e"].map((id) => watch(commit([id], request().keepAlive)));
		await settle();
		expect(calls).toHaveLength(2);
		expect(waiting.map((w) => w.status)).toEqual(["pending", "pending", "pending"]);
		call(1).resolve();
		await settle();
		expect(calls.map((c) => c.items)).toEqual([["a"], ["b"], ["c", "d", "e"]]);
		expect(waiting.map((w) => w.status)).toEqual(["pending", "pending", "pending"]);
		call(2).resolve();
		await settle();
		expect(waiting.map((w) => w.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
	});

	it("with lingerMs, a call on a free line waits that long for others, and they go as one", async () => {
		const { calls, send, call } = heldSend();
		const commit = createGroupCommit({ ...options, maxInFlight: 1, lingerMs: 30, send });
		const first = watch(commit(["a"], request().keepAlive));
		await settle();
		expect(calls).toEqual([]);
		const second = watch(commit(["b"], request().keepAlive));
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(calls.map((c) => c.items)).toEqual([["a", "b"]]);
		// While that send is in flight, the next call joins a group that goes when it ends.
		const third = watch(commit(["c"], request().keepAlive));
		call(0).resolve();
		await settle();
		expect([first.status, second.status]).toEqual(["fulfilled", "fulfilled"]);
		expect(calls.map((c) => c.items)).toEqual([["a", "b"], ["c"]]);
		call(1).resolve();
		await settle();
		expect(third.status).toBe("fulfilled");
	});

	it("does not linger when lingerIf says no: a call on a free line goes at once", async () => {
		const { calls, send } = heldSend();
		let others = false;
		const commit = createGroupCommit({
			...options,
			maxInFlight: 1,
			lingerMs: 60_000,
			lingerIf: () => others,
			send,
		});
		commit(["alone"], request().keepAlive);
		await settle();
		expect(calls.map((c) => c.items)).toEqual([["alone"]]);
		others = true;
		calls[0]?.resolve();
		await settle();
		commit(["lingers"], request().keepAlive);
		await settle();
		expect(calls).toHaveLength(1);
	});

	it("fails every member of a group whose send fails, and only them", async () => {
		const { send, call } = heldSend();
		const commit = createGroupCommit({ ...options, send });
		const own = watch(commit(["a"], request().keepAlive));
		commit(["b"], request().keepAlive);
		const members = ["c", "d"].map((id) => watch(commit([id], request().keepAlive)));
		await settle();
		call(0).resolve();
		await settle();
		const refused = new Error("queue unavailable");
		call(2).reject(refused);
		await settle();
		expect(own.status).toBe("fulfilled");
		expect(members).toEqual([
			{ status: "rejected", error: refused },
			{ status: "rejected", error: refused },
		]);
	});

	it("puts at most maxItems items in a group and sends a full call at once", async () => {
		const { calls, send, call } = heldSend();
		const commit = createGroupCommit({ ...options, send });
		commit(["first"], request().keepAlive);
		commit(["second"], request().keepAlive);
		for (let i = 0; i < 120; i++) commit([`id-${i}`], request().keepAlive);
		const full = Array.from({ length: 50 }, (_, i) => `full-${i}`);
		commit(full, request().keepAlive);
		await settle();
		expect(calls.map((c) => c.items)).toEqual([["first"], ["second"], full]);
		for (const i of [0, 1, 2]) call(i).resolve();
		await settle();
		expect(calls.slice(3).map((c) => c.items.length)).toEqual([50, 50]);
		call(3).resolve();
		await settle();
		expect(calls.slice(3).map((c) => c.items.length)).toEqual([50, 50, 20]);
		expect(calls.slice(3).flatMap((c) => c.items)).toEqual(
			Array.from({ length: 120 }, (_, i) => `id-${i}`),
		);
	});

	it("hands every send to the keepAlive of the request that makes it: a group's, to the request whose send ended", async () => {
		const { send, call } = heldSend();
		const commit = createGroupCommit({ ...options, send });
		const sender = request();
		const other = request();
		const member = request();
		commit(["a"], sender.keepAlive);
		commit(["b"], other.keepAlive);
		commit(["c"], member.keepAlive);
		await settle();
		expect([sender.kept.length, other.kept.length, member.kept.length]).toEqual([1, 1, 0]);
		call(0).resolve();
		await settle();
		// The group's send was made by the first request, after its own send ended.
		expect([sender.kept.length, other.kept.length, member.kept.length]).toEqual([2, 1, 0]);
	});

	it("never leaves a member waiting: past timeoutMs it fails and leaves its group, and a send stuck as long stops holding its place", async () => {
		const { calls, send } = heldSend();
		const commit = createGroupCommit({ ...options, timeoutMs: 50, send });
		commit(["stuck-1"], request().keepAlive);
		commit(["stuck-2"], request().keepAlive);
		const member = commit(["late"], request().keepAlive);
		await expect(member).rejects.toThrow(/not sent within 50 ms/);
		await new Promise((resolve) => setTimeout(resolve, 10));
		const after = watch(commit(["after"], request().keepAlive));
		await settle();
		// The stuck sends no longer count; the member that gave up was not sent.
		expect(calls.map((c) => c.items)).toEqual([["stuck-1"], ["stuck-2"], ["after"]]);
		expect(after.status).toBe("pending");
	});
});
