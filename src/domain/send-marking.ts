/**
 * Which of a recorder batch's events go in send marks, and their statements
 * (src/db/queries/send-marks.ts says what a mark is; src/domain/email-recorder.ts runs them).
 */
import type { Db } from "../db/client.ts";
import type { EmailRow } from "../db/queries/emails.ts";
import { type MarkedEntry, markStatement } from "../db/queries/send-marks.ts";
import { emailStateKey, type SendResult, type TimelineRow } from "../db/schema.ts";
import type { LifecycleEvent, Transition } from "./email-state.ts";

/** A decision of the recorder, as far as marks need it. */
interface Decided {
	input: { email: EmailRow; event: LifecycleEvent };
	t: Transition;
	fresh: TimelineRow[];
	write: unknown | null;
}

/**
 * SES's acceptance of an email of a send group, which changes nothing but its SES id, when and
 * `last_event`: recorded in a send mark with the group's others, not in the row.
 */
const isMarkableSend = (d: Decided) =>
	d.input.event.kind === "accepted_by_ses" &&
	d.input.email.sendGroup != null &&
	d.write !== null &&
	d.fresh.length === 0 &&
	d.t.next.sesMessageId !== null &&
	d.t.next.sentAt !== null;

/**
 * The delivery of an email whose send is only in a mark, or not recorded yet (SES's delivery
 * came before the consumer wrote its results; the notification names the send, which comes in
 * the same entry), with no delivery yet, that brings it to the common end state (sent and
 * delivered, which the state index leaves out, so no key is due), changing only what a send
 * and a delivery change and causing nothing but the send's count and webhook events its
 * account does not receive (it had no endpoint at acceptance): recorded in a mark, never in the
 * row. The consumer's results for it then find the send there and write nothing.
 */
const isMarkableDelivery = ({ input: { email, event }, t, fresh, write }: Decided) =>
	event.kind === "delivered" &&
	(email.sendMark?.delivered === false ? sameSend(email, t) : sendComesWith(email, t)) &&
	!email.webhooks &&
	write !== null &&
	fresh.length > 0 &&
	emailStateKey(t.next.status, t.next.lastEvent) === null &&
	t.effects.every((effect) => effect.kind === "emit" || effect.kind === "count_sends") &&
	t.next.failureReason === email.failureReason &&
	t.next.scheduledAt === email.scheduledAt;

/** The send the email's mark holds, which the delivery leaves as it is. */
const sameSend = (email: EmailRow, t: Transition) =>
	t.next.sesMessageId === email.sesMessageId && t.next.sentAt === email.sentAt;

/** The send recorded nowhere (no mark, not in the row) and recorded by this decision. */
const sendComesWith = (email: EmailRow, t: Transition) =>
	!email.sendMark &&
	email.sendGroup != null &&
	email.sesMessageId === null &&
	t.next.sesMessageId !== null &&
	t.next.sentAt !== null;

/**
 * A mark costs a row written for its insert and one for its delete (the minute's clean-up
 * deletes a send mark, the purge a delivery's), where an email's own write costs one: a group's
 * sends go in a mark when a write has at least three of them (a single alone in its queue
 * message is written as before). A delivery's write would be the row's last but the purge's
 * delete of the row itself, so a mark of two deliveries already saves a row.
 */
const MIN_SENDS_PER_MARK = 3;
const MIN_DELIVERIES_PER_MARK = 2;

/** The decisions recorded in marks: markable ones, of groups with enough of them. */
export function markedOf<D extends Decided>(decided: D[]): D[] {
	// An email with two events in the batch is written to its row: one mark entry per write.
	const events = new Map<string, number>();
	for (const d of decided) events.set(d.input.email.id, (events.get(d.input.email.id) ?? 0) + 1);
	const once = decided.filter((d) => events.get(d.input.email.id) === 1);
	return [
		...enoughPerGroup(once.filter(isMarkableSend), MIN_SENDS_PER_MARK),
		...enoughPerGroup(once.filter(isMarkableDelivery), MIN_DELIVERIES_PER_MARK),
	];
}

function enoughPerGroup<D extends Decided>(markable: D[], least: number): D[] {
	const byGroup = new Map<number, D[]>();
	for (const d of markable) {
		const group = d.input.email.sendGroup as number;
		byGroup.set(group, [...(byGroup.get(group) ?? []), d]);
	}
	return [...byGroup.values()].filter((group) => group.length >= least).flat();
}

/** An email's entry in its mark, and what the mark's statement checks it against. */
function entryOf({ input: { email, event }, t, fresh }: Decided): MarkedEntry {
	const [sesMessageId, sentAt] = [t.next.sesMessageId as string, t.next.sentAt as number];
	const readMark = email.sendMark?.text ?? null;
	if (event.kind !== "delivered") return [[sesMessageId, sentAt], email.revision, readMark];
	const delivery = {
		status: t.next.status,
		lastEvent: t.next.lastEvent,
		deliveredAt: t.next.deliveredAt,
		deliveredTo: [...t.next.deliveredTo],
		timeline: fresh,
	};
	return [[sesMessageId, sentAt, delivery], email.revision, readMark];
}

/** One mark per send group of the decisions, each email's kept if it is as read. */
export function markStatements(db: Db, marked: Decided[]) {
	const groups = new Map<number, Record<string, MarkedEntry>>();
	for (const d of marked) {
		const group = d.input.email.sendGroup as number;
		const entries = groups.get(group) ?? {};
		entries[d.input.email.id] = entryOf(d);
		groups.set(group, entries);
	}
	return [...groups].map(([group, entries]) => markStatement(db, group, entries));
}

/** The email ids the mark statements kept. */
export const markedIn = (results: unknown[]) =>
	results.flatMap((rows) =>
		(rows as { results: Record<string, SendResult> }[]).flatMap((r) => Object.keys(r.results)),
	);
