/**
 * The one writer of an email's lifecycle: applies `transition` (src/domain/email-lifecycle.ts)
 * to stored emails in one D1 batch: the timeline rows, the suppressions the events cause, and
 * the email rows themselves.
 *
 * D1 has no interactive transactions, so a row is written only if it is still at the revision
 * its transition was decided on. When another writer got there first (a delivery notification
 * racing the send consumer, two notifications for one email), the email is read again and the
 * event decided anew on the fresh state; the timeline rows and suppressions are keyed, so they
 * are written once whatever happens.
 *
 * The customer's webhook events (`emit` effects) go in the same batch, written only for
 * accounts with an endpoint subscribed to the type (src/db/queries/webhooks.ts), each with an
 * id derived from the source event so a redelivery writes nothing twice; the deliveries the
 * batch created are then put on the webhook queue. An email accepted while its account had no
 * endpoint (`emails.webhooks` false) adds no statement at all: no read, row or queue message.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import {
	type EmailRow,
	findEmailsByIds,
	insertEventsStatements,
	runBatch,
	updateEmailStateStatement,
} from "../db/queries/emails.ts";
import { insertSuppressionStatement } from "../db/queries/suppressions.ts";
import { suppressions } from "../db/schema.ts";
import { recipientAddresses } from "../lib/addresses.ts";
import { uuidv7 } from "../lib/ids.ts";
import {
	type Effect,
	type EmailState,
	type LifecycleEvent,
	type Transition,
	transition,
} from "./email-lifecycle.ts";
import type { ReputationEvent, SendCount } from "./guard.ts";
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
}

export interface Recorded {
	emailId: string;
	accountId: string;
	/** False when every timeline entry was already there: the same event seen again. */
	isNew: boolean;
	/** What the account's guard must count: bounces and complaints, sends, released quota. */
	guard: GuardEffects;
}

export interface GuardEffects {
	reputation: ReputationEvent[];
	sends: SendCount[];
	releasedRecipients: number;
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
	const decided = inputs.map((input) => {
		const t = transition(stateOf(input.email), input.event);
		const rows = t.timeline.map((entry) => ({
			id: uuidv7(now),
			emailId: input.email.id,
			accountId: input.email.accountId,
			type: entry.type,
			recipient: entry.recipient,
			details: entry.details,
			occurredAt: entry.at,
			dedupeKey: `${input.key}:${entry.recipient ?? "*"}`,
			createdAt: now,
		}));
		return { input, t, rows };
	});
	const changed = decided.filter(({ t }) => t.changed);
	const timeline = insertEventsStatements(
		db,
		decided.flatMap(({ rows }) => rows),
	);
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
				onlyIf: sql`EXISTS (SELECT 1 FROM ${suppressions} WHERE ${suppressions.id} = ${row.id})`,
			})),
	];
	const emit = await outwardEventStatements(db, outward);
	const firstEmit = changed.length + timeline.length + suppress.length;
	const results = await runBatch(db, [
		...updates(db, changed),
		...timeline,
		...suppress,
		...emit.statements,
	]);
	await enqueueDeliveries(store, emit.deliveriesIn(results, firstEmit));
	const idsIn = (from: number, to: number) =>
		new Set(results.slice(from, to).flatMap((rows) => (rows as { id: string }[]).map((r) => r.id)));
	const written = idsIn(0, changed.length);
	const inserted = idsIn(changed.length, changed.length + timeline.length);
	const retried = await retryLostRaces(
		db,
		changed.filter(({ input }) => !written.has(input.email.id)).map(({ input }) => input),
	);

	return decided.map(({ input, t, rows }) => {
		// A write that lost a race counts only as decided again on the fresh state, if it won then.
		const final = !t.changed || written.has(input.email.id) ? t : retried.get(input);
		return {
			emailId: input.email.id,
			accountId: input.email.accountId,
			isNew: rows.length ? rows.some((row) => inserted.has(row.id)) : t.changed,
			guard: guardEffects(input, final?.effects ?? []),
		};
	});
}

/** The customer's `email.*` event: Resend's data, the email's own fields plus the effect's. */
function emailEvent(
	input: EmailEventInput,
	next: EmailState,
	effect: Extract<Effect, { kind: "emit" }>,
): OutwardEvent {
	const { email, event } = input;
	return {
		accountId: email.accountId,
		type: effect.type,
		key: input.key,
		at: event.at,
		data: {
			email_id: email.id,
			created_at: new Date(email.createdAt).toISOString(),
			...(next.sesMessageId ? { message_id: next.sesMessageId } : {}),
			from: email.from,
			to: email.to,
			subject: email.subject,
			tags: Object.fromEntries((email.tags ?? []).map((tag) => [tag.name, tag.value])),
			...("recipients" in event ? { recipients: event.recipients } : {}),
			...effect.extra,
		},
	};
}

function guardEffects(input: EmailEventInput, effects: Effect[]): GuardEffects {
	const out: GuardEffects = { reputation: [], sends: [], releasedRecipients: 0 };
	for (const effect of effects) {
		if (effect.kind === "count_for_reputation") {
			out.reputation.push({
				key: `${input.key}:${effect.address}`,
				kind: effect.what,
				at: input.event.at,
			});
		} else if (effect.kind === "count_sends" && effect.recipients > 0) {
			out.sends.push({
				key: `send:${input.email.id}`,
				recipients: effect.recipients,
				at: input.event.at,
			});
		} else if (effect.kind === "release_quota") {
			out.releasedRecipients += effect.recipients;
		}
	}
	return out;
}

function updates(db: Db, changed: { input: EmailEventInput; t: Transition }[]) {
	return changed.map(({ input, t }) =>
		updateEmailStateStatement(db, input.email.id, input.email.revision, t.next),
	);
}

/**
 * Decides again, on a fresh read, each event whose write lost to another writer; answers the
 * transitions that were finally written.
 */
async function retryLostRaces(
	db: Db,
	lost: EmailEventInput[],
): Promise<Map<EmailEventInput, Transition>> {
	const won = new Map<EmailEventInput, Transition>();
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
			const t = transition(stateOf(email), input.event);
			return t.changed ? [{ input, email, t }] : [];
		});
		const results = await runBatch(
			db,
			again.map(({ email, t }) => updateEmailStateStatement(db, email.id, email.revision, t.next)),
		);
		lost = [];
		again.forEach(({ input, t }, i) => {
			if ((results[i] as unknown[]).length > 0) won.set(input, t);
			else lost.push(input);
		});
	}
	return won;
}
