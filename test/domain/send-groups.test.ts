/**
 * An isolate's messages on one queue share a send group for a tenth of a second, up to about a
 * hundred emails (src/domain/send-groups.ts), on a clock the test moves.
 */
import { describe, expect, it } from "vitest";
import { createSendGroups, GROUP_MAX_EMAILS, GROUP_SPAN_MS } from "../../src/domain/send-groups.ts";

function clocked(start = 1_800_000_000_000) {
	const clock = { now: start };
	return { clock, groups: createSendGroups(() => clock.now) };
}

describe("send groups", () => {
	it("gives the messages of a tenth of a second one group, and the next tenth another", () => {
		const { clock, groups } = clocked();
		const first = groups.next();
		groups.joined(first, 1);
		clock.now += GROUP_SPAN_MS - 1;
		expect(groups.next()).toBe(first);
		clock.now += 1;
		const second = groups.next();
		expect(second).not.toBe(first);
		// A group's key starts with its creation time (what the minute's clean-up looks back by).
		expect(Math.floor(second / 1024)).toBe(clock.now);
	});

	it("starts a new group once a hundred emails joined it, whatever the time", () => {
		const { groups } = clocked();
		const first = groups.next();
		groups.joined(first, GROUP_MAX_EMAILS - 1);
		expect(groups.next()).toBe(first);
		groups.joined(first, 1);
		const second = groups.next();
		expect(second).not.toBe(first);
		// Emails that join a message of a group past its turn do not count toward the new one.
		groups.joined(first, GROUP_MAX_EMAILS);
		expect(groups.next()).toBe(second);
	});
});
