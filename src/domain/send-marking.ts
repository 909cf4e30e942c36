/**
 * Which of a recorder batch's sends go in send marks, and their statements
 * (src/db/queries/send-marks.ts says what a mark is; src/domain/email-recorder.ts runs them).
 */
import type { Db } from "../db/client.ts";
import type { EmailRow } from "../db/queries/emails.ts";
import { type MarkedSend, markSendsStatement } from "../db/queries/send-marks.ts";
import type { SendResult } from "../db/schema.ts";
import type { LifecycleEvent, Transition } from "./email-state.ts";

/** A decision of the recorder, as far as marks need it. */
interface Decided {
	input: { email: EmailRow; event: LifecycleEvent };
	t: Transition;
	fresh: unknown[];
	write: unknown | null;
}

/**
 * SES's acceptance of an email of a send group, which changes nothing but its SES id, when and
 * `last_event`: recorded in a send mark with the group's others, not in the row
 * (src/db/queries/send-marks.ts).
 */
const isMarkable = (d: Decided) =>
	d.input.event.kind === "accepted_by_ses" &&
	d.input.email.sendGroup != null &&
	d.write !== null &&
	d.fresh.length === 0 &&
	d.t.next.sesMessageId !== null &&
	d.t.next.sentAt !== null;

/**
 * A mark costs two rows written (its insert, and its delete once its emails hold their sends),
 * a row write of each email one each: a group's sends go in a mark when a write has at least
 * this many of them (a single alone in its queue message is written as before).
 */
const MIN_SENDS_PER_MARK = 3;

/** The decisions recorded in marks: markable ones, of groups with enough of them. */
export function markedOf<D extends Decided>(decided: D[]): D[] {
	const byGroup = new Map<number, D[]>();
	for (const d of decided.filter(isMarkable)) {
		const group = d.input.email.sendGroup as number;
		byGroup.set(group, [...(byGroup.get(group) ?? []), d]);
	}
	return [...byGroup.values()].filter((group) => group.length >= MIN_SENDS_PER_MARK).flat();
}

/** One mark per send group of the decisions, each email's kept if its row is as read. */
export function markStatements(db: Db, marked: Decided[]) {
	const groups = new Map<number, Record<string, MarkedSend>>();
	for (const { input, t } of marked) {
		const { id, revision } = input.email;
		const group = input.email.sendGroup as number;
		const results = groups.get(group) ?? {};
		results[id] = [t.next.sesMessageId as string, t.next.sentAt as number, revision];
		groups.set(group, results);
	}
	return [...groups].map(([group, results]) => markSendsStatement(db, group, results));
}

/** The email ids the mark statements kept. */
export const markedIn = (results: unknown[]) =>
	results.flatMap((rows) =>
		(rows as { results: Record<string, SendResult> }[]).flatMap((r) => Object.keys(r.results)),
	);
