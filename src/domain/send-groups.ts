/**
 * The send groups of one isolate's messages on one queue (src/db/queries/send-marks.ts says
 * what a group is for). Consecutive messages share a group for a tenth of a second, the express
 * consumer's batch window (`max_batch_timeout` in wrangler.toml), so they are mostly sent by one
 * consumer run and their sends, then their deliveries, go in the same marks. With a group per
 * message, a single alone in its message (a request that found no send in flight) had its
 * send and its delivery written to its row: 2 rows, where a share of two marks is a fraction of
 * one.
 *
 * A group stops taking messages at a batch request's hundred emails (its own group's size):
 * finding an email's mark reads every mark of its group, one per consumer write or recorder
 * batch that reported some of it, so a group's size bounds each read.
 */
import { newSendGroup } from "../db/queries/send-marks.ts";

/** How long an isolate's messages on one queue share a send group. */
export const GROUP_SPAN_MS = 100;
/** The most emails a group takes new messages for (a message may take it a little past). */
export const GROUP_MAX_EMAILS = 100;

export interface SendGroups {
	/** The group of the next message. */
	next(): number;
	/** Counts emails that joined a message of `group`. */
	joined(group: number, emails: number): void;
}

export function createSendGroups(now: () => number = Date.now): SendGroups {
	let current = { group: 0, since: Number.NEGATIVE_INFINITY, emails: 0 };
	return {
		next() {
			const at = now();
			if (at - current.since >= GROUP_SPAN_MS || current.emails >= GROUP_MAX_EMAILS) {
				current = { group: newSendGroup(at), since: at, emails: 0 };
			}
			return current.group;
		},
		joined(group, emails) {
			if (group === current.group) current.emails += emails;
		},
	};
}
