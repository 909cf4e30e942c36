/**
 * The one writer of an email's lifecycle: applies `transition` (src/domain/email-lifecycle.ts)
 * to stored emails in one D1 batch: the email rows with their timelines, the daily figures the
 * new timeline entries count in, and the suppressions the events cause.
 *
 * D1 has no interactive transactions, so a row is written only if it is still at the revision
 * its transition was decided on. When another writer got there first (a delivery notification
 * racing the send consumer, two notifications for one email), the email is read again and the
 * event decided anew on the fresh state. The timeline lives in the row, each entry keyed by what
 * it came from, so an entry seen again (a redelivered notification) adds nothing; the daily
 * figures are counted only with the write that added their entries (each write sets a random
 * `write_token`, and the count's statement requires it), so nothing is counted twice. A batch's
 * figures are one statement, one upsert per account, day and figure over the writes that won.
 *
 * SES's acceptance of three or more emails of one send group in one batch changes nothing but
 * their SES ids, when and `last_event`: it goes in one send mark instead of their rows
 * (src/db/queries/send-marks.ts), and each email's next write stores it. An email the tally
 * passed meanwhile, or whose row moved since it was read (a notification came first), is left
 * out of the mark and decided again on its row, as after a lost race. Likewise the delivery of two
 * or more such emails of one group, for accounts without webhooks: one mark whose entries hold
 * what the delivery changed, never folded into the rows (src/domain/send-marking.ts says which).
 *
 * The customer's webhook events (`emit` effects) go in the same batch, written only for
 * accounts with an endpoint subscribed to the type (src/db/queries/webhooks.ts), each with an
 * id derived from the source event so a redelivery writes nothing twice; the deliveries the
 * batch created are then put on the webhook queue. An email accepted while its account had no
 * endpoint (`emails.webhooks` false) adds no statement at all: no read, row or queue message.
 */
import type { Db } from "../db/client.ts";
import {
	type EmailRow,
	findEmailsByIds,
	runBatch,
	updateEmailStateStatement,
} from "../db/queries/emails.ts";
import {
	countsStatement,
	type DayCount,
	type DecidedCounts,
	dayOf,
	figureOf,
} from "../db/queries/metrics.ts";
import { insertSuppressionStatement, suppressionStored } from "../db/queries/suppressions.ts";
import type { TimelineRow } from "../db/schema.ts";
import { recipientAddresses } from "../lib/addresses.ts";
import { uuidv7 } from "../lib/ids.ts";
import { transition, transitionAfterSend } from "./email-lifecycle.ts";
import type { EmailState, LifecycleEvent, Transition } from "./email-state.ts";
import { emailEvent, type GuardEffects, guardEffects } from "./event-effects.ts";
import { markedIn, markedOf, markStatements } from "./send-marking.ts";
import {
	enqueueDeliveries,
	outwardEventStatements,
	suppressionData,
	type WebhookStore,
} from "./webhook-events.ts";
import type { OutwardEvent } from "./webhooks.ts";

/** Where the recorder writes: D1, and the webhook queue for the deliveries it creates. */
export type RecorderStore = WebhookStore;

export interface EmailEventInput {
	email: EmailRow;
	event: LifecycleEvent;
	/** Unique per source event (an SNS message id, a send attempt): makes redelivery a no-op. */
	key: string;
	/**
	 * SES's acceptance as the event's source tells it (a notification names the message and when
	 * SES accepted it): recorded first if the email does not know it yet, in the same write.
	 */
	sentFirst?: { sesMessageId: string; at: number };
}

export interface Recorded {
	emailId: string;
	accountId: string;
	/** False when every timeline entry was already there: the same event seen again. */
	isNew: boolean;
	/** What the account's guard must count: bounces and complaints, sends, released quota. */
	guard: GuardEffects;
}

/** Lost races are decided again at most this often; each retry means another writer won. */
const MAX_ATTEMPTS = 5;

export function stateOf(email: EmailRow): EmailState {
	return {
		status: email.status,
		lastEvent: email.lastEvent,
		sesMessageId: email.sesMessageId,
		sentAt: email.sentAt,
		deliveredAt: email.deliveredAt,
		failureReason: email.failureReason,
		scheduledAt: email.scheduledAt,
		recipients: recipientAddresses(email),
		deliveredTo: email.deliveredTo ?? [],
	};
}

export async function recordEmailEvents(
	store: RecorderStore,
	inputs: EmailEventInput[],
	now = Date.now(),
): Promise<Recorded[]> {
	const { db } = store;
	const decided = inputs.map((input) => decide(db, input.email, input));
	const suppressed = decided.flatMap(({ input, t }) =>
		t.effects.flatMap((effect) =>
			effect.kind === "suppress"
				? [
						{
							input,
							row: {
								id: uuidv7(now),
								accountId: input.email.accountId,
								email: effect.address,
								origin: effect.origin,
								sourceId: input.email.id,
								reason: effect.reason,
								createdAt: now,
							},
						},
					]
				: [],
		),
	);
	const suppress = suppressed.map(({ row }) => insertSuppressionStatement(db, row));
	// Only emails accepted while their account had an endpoint look for one (`emails.webhooks`).
	const outward: OutwardEvent[] = [
		...decided.flatMap(({ input, t }) =>
			t.effects.flatMap((effect) =>
				effect.kind === "emit" && input.email.webhooks ? [emailEvent(input, t.next, effect)] : [],
			),
		),
		// Only an address this batch really added (its row has the id just chosen) is news.
		...suppressed
			.filter(({ input }) => input.email.webhooks)
			.map(({ input, row }) => ({
				accountId: row.accountId,
				type: "suppression.added" as const,
				key: `${input.key}:suppress:${row.email}`,
				at: now,
				data: suppressionData(row),
				onlyIf: suppressionStored(row),
			})),
	];
	const emit = await outwardEventStatements(db, outward);
	const marked = markedOf(decided);
	const writes = decided.filter((d) => d.write !== null && !marked.includes(d));
	const marks = markStatements(db, marked);
	// One upsert per account, day and figure for the whole batch, counting only the writes that won.
	const count = countsStatement(db, writes.map(decidedCounts));
	const counts = count ? [count] : [];
	const firstMark = writes.length + counts.length + suppress.length;
	const firstEmit = firstMark + marks.length;
	const results = await runBatch(db, [
		...writes.map((d) => d.write as Write),
		...counts,
		...suppress,
		...marks,
		...emit.statements,
	]);
	await enqueueDeliveries(store, emit.deliveriesIn(results, firstEmit));
	const won = new Set([
		...results
			.slice(0, writes.length)
			.flatMap((rows) => (rows as { id: string }[]).map((r) => r.id)),
		...markedIn(results.slice(firstMark, firstEmit)),
	]);
	// Lost races, and sends left out of their marks: decided again on their rows.
	const retried = await retryLostRaces(
		db,
		[...writes, ...marked]
			.filter(({ input }) => !won.has(input.email.id))
			.map(({ input }) => input),
	);

	return decided.map((d) => {
		// A write that lost a race counts only as decided again on the fresh state, if it won then.
		const final = d.write === null || won.has(d.input.email.id) ? d : retried.get(d.input);
		return {
			emailId: d.input.email.id,
			accountId: d.input.email.accountId,
			isNew: final ? isNewEvent(final) : false,
			guard: guardEffects(d.input, final?.t.effects ?? []),
		};
	});
}

type Write = ReturnType<typeof updateEmailStateStatement>;

/** Timeline entries are capped per email: the oldest go first past this many. */
const MAX_TIMELINE = 500;

interface Decision {
	input: EmailEventInput;
	t: Transition;
	/** Timeline entries this event adds (those not already in the row). */
	fresh: TimelineRow[];
	/** Set by the write; the daily counts require it. */
	token: string;
	/** The row's write, or null when nothing changes. */
	write: Write | null;
	/** SES accepted the email with this event: its recipients count as sent today. */
	sentNow: boolean;
}

/**
 * An event on an email as it is: the transition, the timeline entries not seen before, and the
 * row's write (with a fresh token), or none when nothing changes.
 */
function decide(db: Db, email: EmailRow, input: EmailEventInput): Decision {
	const state = stateOf(email);
	const t =
		input.sentFirst && state.sesMessageId === null
			? transitionAfterSend(state, input.sentFirst, input.event)
			: transition(state, input.event);
	const seen = new Set((email.timeline ?? []).map((entry) => entry.key));
	const fresh: TimelineRow[] = t.timeline
		.map((entry) => ({ ...entry, key: `${input.key}:${entry.recipient ?? "*"}` }))
		.filter((entry) => !seen.has(entry.key));
	const token = crypto.randomUUID();
	const write =
		t.changed || fresh.length > 0
			? updateEmailStateStatement(db, email, {
					...t.next,
					timeline: [...(email.timeline ?? []), ...fresh].slice(-MAX_TIMELINE),
					writeToken: token,
				})
			: null;
	const sentNow = t.next.sentAt !== null && email.sentAt === null;
	return { input, t, fresh, token, write, sentNow };
}

/** An event is news if its write added timeline entries or, having none, changed the state. */
const isNewEvent = (d: Decision) =>
	d.t.timeline.length ? d.fresh.length > 0 : d.t.changed && d.write !== null;

/** The daily figures a decision counts in, applied only if its write won (its token is there). */
function decidedCounts(d: Decision): DecidedCounts {
	const { email } = d.input;
	const counts: DayCount[] = d.fresh.flatMap((entry) => {
		const figure = figureOf(entry.type);
		return figure ? [{ day: dayOf(entry.at), figure, count: 1 }] : [];
	});
	if (d.sentNow && d.t.next.sentAt !== null) {
		counts.push({
			day: dayOf(d.t.next.sentAt),
			figure: "sent",
			count: recipientAddresses(email).length,
		});
	}
	return { accountId: email.accountId, counts, onlyIf: { emailId: email.id, token: d.token } };
}

/**
 * Decides again, on a fresh read, each event whose write lost to another writer; answers the
 * decisions that were finally written (with their daily counts).
 */
async function retryLostRaces(
	db: Db,
	lost: EmailEventInput[],
): Promise<Map<EmailEventInput, Decision>> {
	const won = new Map<EmailEventInput, Decision>();
	for (let attempt = 1; lost.length > 0; attempt++) {
		if (attempt >= MAX_ATTEMPTS) {
			throw new Error(`email lifecycle: ${lost.length} writes kept losing races; retry later`);
		}
		const fresh = new Map(
			(await findEmailsByIds(db, [...new Set(lost.map((i) => i.email.id))])).map((e) => [e.id, e]),
		);
		const again = lost.flatMap((input) => {
			const email = fresh.get(input.email.id);
			if (!email) return []; // purged meanwhile
			const d = decide(db, email, input);
			// Nothing left to write: the winner already did it all, so this one counts nothing.
			return d.write === null ? [] : [d];
		});
		const count = countsStatement(db, again.map(decidedCounts));
		const results = await runBatch(db, [
			...again.map((d) => d.write as Write),
			...(count ? [count] : []),
		]);
		lost = [];
		again.forEach((d, i) => {
			if ((results[i] as unknown[]).length > 0) won.set(d.input, d);
			else lost.push(d.input);
		});
	}
	return won;
}
